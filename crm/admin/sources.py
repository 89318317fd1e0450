"""Lead sources, their sub-sources and lead channels in the admin (config entries)."""

from django.contrib import admin

from tenancy.admin.config import ConfigEntryAdmin
from tenancy.scoping import TenantInlineMixin
from tenancy.services.config_entries import (
    config_entry_create,
    config_entry_delete,
    config_entry_update,
)

from ..models import (
    LeadChannel,
    LeadSource,
    LeadSubSource,
)
from ..services import sources as source_services


class SubSourceInline(TenantInlineMixin, admin.TabularInline):
    model = LeadSubSource
    fk_name = "source"
    fields = [
        "sub_source_code",
        "sub_source_name",
        "description",
        "display_order",
        "is_active",
        "cost_per_lead",
        "total_cost",
    ]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)


@admin.register(LeadSource)
class LeadSourceAdmin(ConfigEntryAdmin):
    spec = source_services.SOURCES
    list_display = [
        "source_code",
        "source_name",
        "source_type",
        "is_active",
        "is_default",
        "score_bonus",
        "display_order",
    ]
    list_filter = ["source_type", "is_active", "is_default"]
    search_fields = ["source_code", "source_name"]
    inlines = [SubSourceInline]

    def save_formset(self, request, form, formset, change):
        """Sub-sources are config entries too: created, changed and (softly) deleted through
        the same service as the API's."""
        if formset.model is not LeadSubSource:
            return super().save_formset(request, form, formset, change)
        source = form.instance
        by = self.actor(request, source.tenant)
        # What the admin's change message reads.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            sub = inline_form.instance
            if inline_form in formset.deleted_forms:
                if sub.pk:
                    config_entry_delete(LeadSubSource.objects.get(pk=sub.pk), by=by)
                    formset.deleted_objects.append(sub)
                continue
            fields = [
                n for n in inline_form.changed_data if n in source_services.SUB_SOURCES.writable
            ]
            data = {name: inline_form.cleaned_data[name] for name in fields}
            if sub.pk:
                if data:
                    config_entry_update(LeadSubSource.objects.get(pk=sub.pk), data=data, by=by)
                    formset.changed_objects.append((sub, list(data)))
            elif data:
                created = config_entry_create(
                    source_services.SUB_SOURCES,
                    tenant=source.tenant,
                    data=data,
                    by=by,
                    source=source,
                )
                formset.new_objects.append(created)


@admin.register(LeadChannel)
class LeadChannelAdmin(ConfigEntryAdmin):
    spec = source_services.CHANNELS
    list_display = ["channel_code", "channel_name", "is_active", "display_order"]
    list_filter = ["is_active"]
    search_fields = ["channel_code", "channel_name"]
