"""The catalogue in the Django admin, scoped to the tenant admin's tenant (tenancy.scoping) and
saved through the catalogue services. Channel secrets are masked: the list says only whether
one is set, and the form's password fields never show the stored value (left blank, it stays)."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html_join

from tenancy.admin.base import ServiceSaveMixin
from tenancy.admin.config import ConfigEntryAdmin

from .automation import services as trigger_services
from .models import (
    BudgetType,
    CampaignChannel,
    CampaignStatus,
    CampaignTemplate,
    CampaignTrigger,
    CampaignType,
)
from .services import catalogue


@admin.register(CampaignType)
class CampaignTypeAdmin(ConfigEntryAdmin):
    spec = catalogue.TYPES
    list_display = [
        "type_code",
        "type_name",
        "min_budget",
        "recommended_budget",
        "max_budget",
        "is_active",
        "is_default",
    ]
    list_filter = ["is_active"]
    search_fields = ["type_code", "type_name"]


class SecretInput(forms.PasswordInput):
    def __init__(self):
        super().__init__(render_value=False, attrs={"autocomplete": "new-password"})


class ChannelForm(forms.ModelForm):
    """Secrets are never sent to the browser; a blank field keeps the stored secret."""

    integration_key = forms.CharField(
        required=False, widget=SecretInput(), help_text="Leave blank to keep the current key."
    )
    webhook_secret = forms.CharField(
        required=False, widget=SecretInput(), help_text="Leave blank to keep the current secret."
    )

    class Meta:
        model = CampaignChannel
        fields = ["tenant", *catalogue.CHANNELS.fields]

    def _keep(self, name: str) -> str:
        value = self.cleaned_data.get(name) or ""
        return value or (getattr(self.instance, name, "") if self.instance.pk else "")

    def clean_integration_key(self):
        return self._keep("integration_key")

    def clean_webhook_secret(self):
        return self._keep("webhook_secret")


@admin.register(CampaignChannel)
class CampaignChannelAdmin(ConfigEntryAdmin):
    spec = catalogue.CHANNELS
    form = ChannelForm
    list_display = ["channel_code", "channel_name", "kind", "key", "is_active", "is_default"]
    list_filter = ["kind", "is_active"]
    search_fields = ["channel_code", "channel_name"]

    @admin.display(description="Integration key")
    def key(self, obj) -> str:
        return "•••••• (set)" if obj.integration_key else "—"


@admin.register(CampaignStatus)
class CampaignStatusAdmin(ConfigEntryAdmin):
    spec = catalogue.STATUSES
    list_display = [
        "status_code",
        "status_name",
        "phase",
        "is_initial",
        "is_final",
        "allows_editing",
        "next_statuses",
        "is_active",
    ]
    list_filter = ["phase", "is_active"]
    search_fields = ["status_code", "status_name"]


@admin.register(BudgetType)
class BudgetTypeAdmin(ConfigEntryAdmin):
    spec = catalogue.BUDGET_TYPES
    list_display = ["budget_type_code", "budget_type_name", "per_channel", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["budget_type_code", "budget_type_name"]


@admin.register(CampaignTemplate)
class CampaignTemplateAdmin(ConfigEntryAdmin):
    spec = catalogue.TEMPLATES
    list_display = ["template_name", "campaign_type", "default_budget", "is_active", "is_default"]
    list_filter = ["is_active", "campaign_type"]
    search_fields = ["template_name"]


# ---------------------------------------------------------------------------------------------
# Automation: triggers, saved through campaigns.automation.services, with their recent runs.


@admin.register(CampaignTrigger)
class CampaignTriggerAdmin(ServiceSaveMixin, admin.ModelAdmin):
    list_display = ["name", "campaign", "event_type", "is_active", "delay_minutes", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "event_type"]
    service_fields = set(trigger_services.TRIGGER_FIELDS)
    readonly_fields = ["recent_runs"]

    def get_fields(self, request, obj=None):
        head = ["tenant"] if self._is_global(request) else []
        tail = ["recent_runs"] if obj is not None else []
        return [*head, *trigger_services.TRIGGER_FIELDS, *tail]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["tenant"] if obj is not None and self._is_global(request) else []
        return [*fixed, "recent_runs"]

    @admin.display(description="Recent runs")
    def recent_runs(self, trigger):
        runs = list(trigger.runs.select_related("customer").order_by("-created_at", "-pk")[:20])
        if not runs:
            return "No runs yet."
        return format_html_join(
            "",
            "<div>{} · {} · {} {}</div>",
            (
                (
                    timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M"),
                    run.customer,
                    run.get_outcome_display(),
                    f"({run.get_reason_display()})" if run.reason else "",
                )
                for run in runs
            ),
        )

    def service_create(self, request, tenant, data):
        return trigger_services.trigger_create(
            tenant=tenant, by=self.actor(request, tenant), data=data
        )

    def service_update(self, request, trigger, data):
        return trigger_services.trigger_update(
            trigger=trigger, by=self.actor(request, trigger.tenant), data=data
        )

    def service_delete(self, obj, *, by):
        trigger_services.trigger_delete(trigger=obj, by=by)
