"""Forms of the campaign pages. They turn posted text into typed values and offer only the
request's tenant's choices; what may be saved (budget guidelines, tags, the status's editing
rule, the audience condition) is judged by the services, whose errors come back through
`add_service_errors` or `service_messages`."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from crm.forms import DATE_WIDGET, DATETIME_WIDGET
from crm.models import Customer
from customfields.models import FieldDefinition
from tenancy.models import Tenant
from tenancy.validators import DESCRIPTION_MAX_LENGTH, MESSAGE_BODY_MAX_LENGTH

from .conditions import CORE_FIELDS, CUSTOM_PREFIX
from .models import (
    MESSAGE_KINDS,
    BudgetType,
    Campaign,
    CampaignChannel,
    CampaignStatus,
    CampaignType,
)

BUDGET_PREFIX = "channel_budget_"
PREVIEW_CUSTOMERS = 25


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


VARIANT_CHOICES = [(letter, letter) for letter in "ABCDE"]


class ContentForm(forms.Form):
    """One variant of one channel's message."""

    channel = forms.ModelChoiceField(CampaignChannel.objects.none(), empty_label="—")
    variant = forms.ChoiceField(choices=VARIANT_CHOICES, initial="A")
    weight = forms.IntegerField(
        min_value=1, max_value=100, initial=1, help_text="Share of the audience (A/B tests)"
    )
    subject = forms.CharField(max_length=300, required=False, help_text="Email only")
    body = forms.CharField(
        max_length=MESSAGE_BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 7})
    )

    def __init__(self, *args, channels: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels
        for name in ("subject", "body"):
            self.fields[name].widget.attrs["data-tag-target"] = ""


class BaseContentFormSet(forms.BaseFormSet):
    def __init__(self, *args, channels: QuerySet, **kwargs):
        self.channels = channels
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "channels": self.channels}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            renderer=self.renderer,
            channels=self.channels,
        )
        self.add_fields(form, None)
        return form

    def contents(self) -> list[dict]:
        """The variants to save: every shown variant not marked for deletion, and the blank
        form when it was filled in."""
        deleted = set(map(id, self.deleted_forms))
        return [
            {name: form.cleaned_data[name] for name in ContentForm.base_fields}
            for i, form in enumerate(self.forms)
            if id(form) not in deleted and (i < self.initial_form_count() or form.has_changed())
        ]


ContentFormSet = forms.formset_factory(
    ContentForm, formset=BaseContentFormSet, extra=0, can_delete=True
)


def content_formset(campaign: Campaign, data=None) -> BaseContentFormSet:
    """The campaign's variants, and variant A of each message channel without content yet
    (the page adds more variants from the formset's empty form)."""
    channels = CampaignChannel.objects.for_tenant(campaign.tenant).filter(
        pk__in=campaign.plans.values("channel_id"), kind__in=MESSAGE_KINDS
    )
    initial = [
        {
            "channel": v.channel_id,
            "variant": v.variant,
            "weight": v.weight,
            "subject": v.subject,
            "body": v.body,
        }
        for v in campaign.variants.all()
    ]
    written = {row["channel"] for row in initial}
    initial += [
        {"channel": c.pk, "variant": "A", "weight": 1} for c in channels if c.pk not in written
    ]
    return ContentFormSet(data, channels=channels, initial=initial, prefix="content")


# ---------------------------------------------------------------------------------------------
# Audience


OPERATORS = [
    ("eq", "is"),
    ("ne", "is not"),
    ("contains", "contains"),
    ("startswith", "starts with"),
    ("gt", "more than"),
    ("gte", "at least"),
    ("lt", "less than"),
    ("lte", "at most"),
    ("in", "is one of"),
    ("is_set", "is set"),
    ("is_empty", "is empty"),
    ("has", "has tag"),
    ("has_any", "has any of the tags"),
    ("has_all", "has all of the tags"),
    ("has_none", "has none of the tags"),
]
LIST_OPS = {"in", "has_any", "has_all", "has_none"}
NO_VALUE_OPS = {"is_set", "is_empty"}
COMBINATORS = [("all", "all of these rules (AND)"), ("any", "any of these rules (OR)")]


def audience_fields(definitions: dict[str, FieldDefinition]) -> list[tuple[str, str]]:
    """The fields a rule may name: core fields and CRM metrics, tags, the tenant's active
    custom fields."""
    core = [(name, name.replace("_", " ").capitalize()) for name in CORE_FIELDS]
    custom = [(CUSTOM_PREFIX + key, d.field_label) for key, d in definitions.items()]
    return [("", "—"), *core, ("tags", "Tags"), *custom]


class RuleForm(forms.Form):
    field = forms.ChoiceField(required=False)
    op = forms.ChoiceField(choices=OPERATORS, label="Operator", required=False)
    value = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, fields: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = fields
        self.fields["value"].widget.attrs["placeholder"] = "Value (lists: comma-separated)"

    def rule(self) -> dict | None:
        """The rule in the condition language, or None for a row left empty."""
        data = self.cleaned_data
        if not data.get("field"):
            return None
        rule = {"field": data["field"], "op": data["op"]}
        if data["op"] in LIST_OPS:
            rule["value"] = [part.strip() for part in data["value"].split(",") if part.strip()]
        elif data["op"] not in NO_VALUE_OPS:
            rule["value"] = data["value"]
        return rule


class BaseRuleFormSet(forms.BaseFormSet):
    def __init__(self, *args, fields: list[tuple[str, str]], **kwargs):
        self.choices = fields
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "fields": self.choices}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            renderer=self.renderer,
            fields=self.choices,
        )
        self.add_fields(form, None)
        return form


RuleFormSet = forms.formset_factory(RuleForm, formset=BaseRuleFormSet, extra=2)


def _as_rules(condition) -> tuple[str, list[dict]] | None:
    """(combinator, rules) when the condition is a flat rule list the editor can show."""
    if condition in (None, {}):
        return "all", []
    if isinstance(condition, dict) and "field" in condition:
        condition = {"all": [condition]}
    if isinstance(condition, dict) and len(condition) == 1 and set(condition) <= {"all", "any"}:
        ((combinator, rules),) = condition.items()
        if isinstance(rules, list) and all(
            isinstance(r, dict) and "field" in r and "op" in r for r in rules
        ):
            return combinator, rules
    return None


def _value_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


class AudienceForm:
    """The rule editor: all/any of field–operator–value rules. A condition the editor cannot
    show (nested groups, "not") is edited as JSON instead (`is_simple` is False)."""

    def __init__(self, data=None, *, definitions: dict[str, FieldDefinition], condition=None):
        simple = _as_rules(condition)
        self.is_simple = simple is not None
        combinator, rules = simple or ("all", [])
        self.combinators = COMBINATORS
        self.combinator_value = (data or {}).get("combinator", combinator)
        self.rules = RuleFormSet(
            data,
            fields=audience_fields(definitions),
            prefix="rule",
            initial=[
                {"field": r["field"], "op": r["op"], "value": _value_text(r.get("value"))}
                for r in rules
            ],
        )
        self.errors: list[str] = []

    def condition(self) -> dict | None:
        """The condition, or None with `errors` set when a row cannot be read."""
        if not self.rules.is_valid():
            self.errors = [
                f"Rule {i + 1}: {field}: {' '.join(errors)}"
                for i, form in enumerate(self.rules.forms)
                for field, errors in form.errors.items()
            ] + list(self.rules.non_form_errors())
            return None
        combinator = self.combinator_value if self.combinator_value in ("all", "any") else "all"
        rules = [rule for form in self.rules.forms if (rule := form.rule()) is not None]
        return {combinator: rules} if rules else {}


class ConditionJsonForm(forms.Form):
    condition = forms.JSONField(
        label="Condition (JSON)", widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"})
    )


# ---------------------------------------------------------------------------------------------
# Schedule, preview, templates, list filters


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        required=False,
        widget=DATETIME_WIDGET,
        label="Start sending at",
        help_text="In the tenant's time zone. Leave empty to start sending at launch.",
    )


class PreviewForm(forms.Form):
    """What to preview: the posted (unsaved) content for a customer of the tenant; the list
    offers the first customers of the audience."""

    channel = forms.ModelChoiceField(CampaignChannel.objects.none())
    variant = forms.ChoiceField(choices=VARIANT_CHOICES, required=False)
    subject = forms.CharField(required=False, max_length=300)
    body = forms.CharField(required=False, max_length=MESSAGE_BODY_MAX_LENGTH)
    customer = forms.ModelChoiceField(
        Customer.objects.none(), required=False, empty_label="First in the audience, or a sample"
    )

    def __init__(self, *args, tenant: Tenant, audience: QuerySet | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = CampaignChannel.objects.for_tenant(tenant).live()
        customers = self.fields["customer"]
        customers.queryset = Customer.objects.for_tenant(tenant)
        shown = list(audience[:PREVIEW_CUSTOMERS]) if audience is not None else []
        customers.widget.choices = [("", customers.empty_label)] + [
            (c.pk, f"{c.full_name} <{c.email or c.phone or 'no contact'}>") for c in shown
        ]


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
        if data["search"]:
            campaigns = campaigns.filter(name__icontains=data["search"])
        return campaigns
