"""The campaign's own forms: basic info (name, type, budget, dates, channels), the schedule,
the list's filters and the name of a campaign created from a template."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from crm.forms import DATE_WIDGET, DATETIME_WIDGET
from tenancy.models import Tenant
from tenancy.validators import DESCRIPTION_MAX_LENGTH

from ..models import (
    BudgetType,
    Campaign,
    CampaignChannel,
    CampaignStatus,
    CampaignType,
    StatusPhase,
)

BUDGET_PREFIX = "channel_budget_"


def service_messages(error: ValidationError) -> list[str]:
    """A service's ValidationError as lines to show (its messages are whole sentences)."""
    return list(error.messages)


def _offered(entries: QuerySet, current: list[int]) -> QuerySet:
    """The tenant's live, active entries, plus those the campaign uses now (so editing a
    campaign whose type was since deactivated does not force a change)."""
    return entries.live().filter(Q(is_active=True) | Q(pk__in=current))


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CampaignType) -> str:
        bounds = [
            f"{label} {value}"
            for label, value in (("min", obj.min_budget), ("max", obj.max_budget))
            if value is not None
        ]
        return f"{obj.type_name} ({', '.join(bounds)})" if bounds else obj.type_name


class ChannelChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: CampaignChannel) -> str:
        return f"{obj.channel_name} ({obj.get_kind_display()})"


class CampaignBasicForm(forms.Form):
    """Basic info: name, type, budget type and budget, dates and channels. A budget per
    channel is given for a per-channel budget type; the service checks they add up."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, max_length=DESCRIPTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    campaign_type = TypeChoiceField(CampaignType.objects.none(), label="Type", empty_label=None)
    budget_type = forms.ModelChoiceField(
        BudgetType.objects.none(), required=False, empty_label="—", label="Budget type"
    )
    budget = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0)
    start_date = forms.DateField(required=False, widget=DATE_WIDGET)
    end_date = forms.DateField(required=False, widget=DATE_WIDGET)
    channels = ChannelChoiceField(
        CampaignChannel.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, tenant: Tenant, campaign: Campaign | None = None, **kwargs):
        self.campaign = campaign
        plans = list(campaign.plans.select_related("channel")) if campaign else []
        if campaign is not None:
            kwargs["initial"] = {
                "name": campaign.name,
                "description": campaign.description,
                "campaign_type": campaign.campaign_type_id,
                "budget_type": campaign.budget_type_id,
                "budget": campaign.budget,
                "start_date": campaign.start_date,
                "end_date": campaign.end_date,
                "channels": [plan.channel_id for plan in plans],
                **{BUDGET_PREFIX + plan.channel.channel_code: plan.budget for plan in plans},
            }
        super().__init__(*args, **kwargs)
        self.fields["campaign_type"].queryset = _offered(
            CampaignType.objects.for_tenant(tenant), [campaign.campaign_type_id] if campaign else []
        )
        self.fields["budget_type"].queryset = _offered(
            BudgetType.objects.for_tenant(tenant), [campaign.budget_type_id] if campaign else []
        )
        channels = _offered(
            CampaignChannel.objects.for_tenant(tenant), [plan.channel_id for plan in plans]
        )
        self.fields["channels"].queryset = channels
        if campaign is None:
            default_type = self.fields["campaign_type"].queryset.filter(is_default=True).first()
            self.fields["campaign_type"].initial = default_type
            self.fields["channels"].initial = [c.pk for c in channels if c.is_default]
        for channel in channels:
            self.fields[BUDGET_PREFIX + channel.channel_code] = forms.DecimalField(
                max_digits=14,
                decimal_places=2,
                min_value=0,
                required=False,
                label=f"{channel.channel_name} budget",
            )

    def budget_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(BUDGET_PREFIX)]

    def campaign_data(self) -> dict:
        names = (
            "name",
            "description",
            "campaign_type",
            "budget_type",
            "budget",
            "start_date",
            "end_date",
        )
        return {name: self.cleaned_data[name] for name in names}

    def channels_chosen(self) -> list[CampaignChannel]:
        return list(self.cleaned_data["channels"])

    def channel_budgets(self) -> dict:
        """The budgets typed in for the chosen channels (the service says whether any belong)."""
        return {
            channel.channel_code: self.cleaned_data[BUDGET_PREFIX + channel.channel_code]
            for channel in self.cleaned_data["channels"]
            if self.cleaned_data.get(BUDGET_PREFIX + channel.channel_code) is not None
        }


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        required=False,
        widget=DATETIME_WIDGET,
        label="Start sending at",
        help_text="In the tenant's time zone. Leave empty to start sending at launch.",
    )


class FromTemplateForm(forms.Form):
    name = forms.CharField(max_length=200, required=False, help_text="Defaults to the template's")

    def campaign_data(self) -> dict:
        return {"name": self.cleaned_data["name"]} if self.cleaned_data["name"] else {}


class CampaignFilterForm(forms.Form):
    status = forms.ModelChoiceField(
        CampaignStatus.objects.none(), required=False, to_field_name="status_code"
    )
    campaign_type = forms.ModelChoiceField(
        CampaignType.objects.none(), required=False, to_field_name="type_code", label="Type"
    )
    # Whatever the tenant calls its statuses: "Active (sending)" is what the home page counts.
    phase = forms.ChoiceField(
        choices=[("", "Any"), *StatusPhase.choices], required=False, label="Phase"
    )
    search = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, tenant: Tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].queryset = CampaignStatus.objects.for_tenant(tenant).live()
        self.fields["campaign_type"].queryset = CampaignType.objects.for_tenant(tenant).live()
        for name in ("status", "campaign_type"):
            self.fields[name].empty_label = "Any"
        search = self.fields["search"].widget
        search.input_type = "search"
        search.attrs["placeholder"] = "Search campaign names"

    def filter(self, campaigns: QuerySet) -> QuerySet:
        data = self.cleaned_data
        if data["status"]:
            campaigns = campaigns.filter(status=data["status"])
        if data["campaign_type"]:
            campaigns = campaigns.filter(campaign_type=data["campaign_type"])
        if data["phase"]:
            campaigns = campaigns.filter(status__phase=data["phase"])
        if data["search"]:
            campaigns = campaigns.filter(name__icontains=data["search"])
        return campaigns
