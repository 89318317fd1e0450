"""Leads in the admin, with their activity log."""

from django import forms
from django.contrib import admin

from tenancy.admin.base import ServiceSaveMixin
from tenancy.scoping import LogInlineMixin, TenantAdminMixin

from ..models import (
    Lead,
    LeadActivity,
    LeadSubSource,
)
from ..selectors.leads import lead_for
from ..services import leads as lead_services
from .base import SelectedObjectMixin
from .exports import LeadExportAdminMixin
from .imports import ImportButtonMixin


class ActivityInline(LogInlineMixin, admin.TabularInline):
    model = LeadActivity
    fields = ["created_at", "kind", "message", "actor"]


LEAD_FORM_FIELDS = ["tenant", *lead_services.EDITABLE_FIELDS, "tags"]


class LeadAdminForm(forms.ModelForm):
    tags = forms.CharField(required=False, help_text="Comma-separated.")

    class Meta:
        model = Lead
        fields = LEAD_FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tags"].initial = ", ".join(self.instance.tag_names())
        if "lead_score" in self.fields:
            self.fields["lead_score"].required = False
            self.fields["lead_score"].help_text = "Leave empty on a new lead to score it."

    def clean_tags(self):
        return [t for t in self.cleaned_data["tags"].split(",") if t.strip()]


@admin.register(Lead)
class LeadAdmin(
    ImportButtonMixin, LeadExportAdminMixin, SelectedObjectMixin, ServiceSaveMixin, admin.ModelAdmin
):
    """Deleting a lead here archives it (it leaves the list; the API and pages restore it)."""

    object_for = staticmethod(lead_for)
    import_kind = "leads"
    form = LeadAdminForm
    list_display = [
        "first_name",
        "last_name",
        "email",
        "company",
        "status",
        "source",
        "assigned_to",
        "lead_score",
        "created_at",
    ]
    list_filter = ["status", "source", "channel", "assigned_to"]
    search_fields = ["first_name", "last_name", "email", "phone", "company"]
    autocomplete_fields = ["source", "sub_source", "channel"]
    exclude = ["created_by"]
    inlines = [ActivityInline]
    list_select_related = ["source", "assigned_to"]
    service_fields = {*lead_services.EDITABLE_FIELDS, "tags"}

    def get_queryset(self, request):
        return super().get_queryset(request).filter(archived_at__isnull=True)

    def service_create(self, request, tenant, data):
        tags = data.pop("tags", [])
        return lead_services.lead_create(
            tenant=tenant, by=self.actor(request, tenant), data=data, tags=tags
        )

    def service_update(self, request, lead, data):
        tags = data.pop("tags", None)
        return lead_services.lead_update(
            lead=lead, by=self.actor(request, lead.tenant), data=data, tags=tags
        )

    def service_delete(self, obj, *, by):
        lead_services.lead_archive(lead=obj, by=by)


@admin.register(LeadSubSource)
class LeadSubSourceAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Registered for the lead form's autocomplete; edited inline under its source."""

    search_fields = ["sub_source_code", "sub_source_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def get_model_perms(self, request):
        return {}  # hidden from the index; sub-sources are edited under their source


admin.site.site_header = "Atrium administration"
admin.site.site_title = "Atrium"
admin.site.index_title = "Tenant configuration"
