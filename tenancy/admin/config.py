"""The admin base for code-addressed configuration (tenancy.services.config_entries): live rows
only, saved, deactivated and deleted through the config-entry services; a refused
deactivation or deletion is a message, not an error page."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError

from ..services.config_entries import (
    ConfigSpec,
    config_entry_create,
    config_entry_deactivate,
    config_entry_delete,
    config_entry_update,
    refusal,
)
from .base import ServiceSaveMixin, refusal_messages


class ConfigEntryAdmin(ServiceSaveMixin, admin.ModelAdmin):
    spec: ConfigSpec
    exclude = ["created_by"]
    actions = ["deactivate_selected"]

    @property
    def service_fields(self):
        return self.spec.writable

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def service_create(self, request, tenant, data):
        return config_entry_create(
            self.spec, tenant=tenant, data=data, by=self.actor(request, tenant)
        )

    def service_update(self, request, entry, data):
        return config_entry_update(entry, data=data, by=self.actor(request, entry.tenant))

    def service_delete(self, obj, *, by):
        config_entry_delete(obj, by=by)

    def has_delete_permission(self, request, obj=None):
        """The delete button is hidden for an entry the rules keep (the default, a type that a
        template uses); the service would refuse it."""
        return super().has_delete_permission(request, obj) and (
            obj is None or refusal(obj, "deleted") is None
        )

    @admin.action(description="Deactivate selected entries")
    def deactivate_selected(self, request, queryset):
        for obj in queryset:
            try:
                config_entry_deactivate(obj, by=self.actor(request, obj.tenant))
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{obj}: {' '.join(refusal_messages(exc))}", "error")
