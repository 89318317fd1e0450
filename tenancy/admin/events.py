"""The event outbox for the tenant's admins: read-only (events are written by the services and
the API, and processed by the workers), filtered by status and type, with an action that gives
failed events another round of tries."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html

from ..actors import actor_for_request
from ..events import events_retry
from ..models import EventStatus, OutboxEvent
from ..scoping import TenantAdminMixin


@admin.register(OutboxEvent)
class OutboxEventAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = [
        "recorded_at",
        "event_type",
        "customer_id",
        "status",
        "attempts",
        "available_at",
        "short_error",
    ]
    list_filter = ["status"]  # the type: by search (a DISTINCT over the outbox is too dear)
    search_fields = ["event_type", "event_id"]
    ordering = ["-recorded_at", "-pk"]
    fields = [
        "event_type",
        "customer_id",
        "event_id",
        "occurred_at",
        "recorded_at",
        "status",
        "attempts",
        "available_at",
        "processed_at",
        "last_error",
        "data_shown",
    ]
    readonly_fields = fields
    actions = ["retry_selected"]
    show_full_result_count = False  # no COUNT(*) over millions of processed rows per page

    @admin.display(description="data")
    def data_shown(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False))

    @admin.display(description="last error")
    def short_error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description="Retry selected failed events")
    def retry_selected(self, request, queryset):
        failed = queryset.filter(status=EventStatus.FAILED).select_related("tenant")
        by_tenant: dict = {}
        for event in failed:
            by_tenant.setdefault(event.tenant, []).append(event.pk)
        retried = 0
        for tenant, ids in by_tenant.items():
            try:
                retried += events_retry(
                    tenant=tenant, by=self.actor(request, tenant), event_ids=ids
                )
            except PermissionDenied as exc:
                messages.error(request, f"{tenant}: {exc}")
        skipped = queryset.count() - retried
        messages.success(
            request,
            f"{retried} event(s) will be tried again."
            + (f" {skipped} not failed, left as they are." if skipped else ""),
        )

    def actor(self, request, tenant):
        return actor_for_request(request, tenant)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
