"""Segments in the admin: the condition as JSON, checked and saved by the segment services
(a bad condition is a form error naming where it is); members are shown as a count."""

from django.contrib import admin

from tenancy.admin.base import ServiceSaveMixin

from ..models import Segment, SegmentMembership
from ..selectors.segments import segment_for
from ..services import segments as segment_services
from .base import SelectedObjectMixin


@admin.register(Segment)
class SegmentAdmin(SelectedObjectMixin, ServiceSaveMixin, admin.ModelAdmin):
    object_for = staticmethod(segment_for)
    list_display = ["name", "color", "order", "is_active", "members", "status", "rebuilt_at"]
    list_filter = ["is_active", "status"]
    search_fields = ["name"]
    fields = [
        "name",
        "description",
        "conditions",
        "color",
        "order",
        "is_active",
        "members",
        "status",
        "processed",
        "total",
        "rebuilt_at",
        "error",
    ]
    readonly_fields = ["members", "status", "processed", "total", "rebuilt_at", "error"]
    service_fields = set(segment_services.SEGMENT_FIELDS)

    @admin.display(description="Members")
    def members(self, obj: Segment) -> int:
        if obj.pk is None:
            return 0
        return SegmentMembership.objects.filter(tenant=obj.tenant_id, segment=obj).count()

    def service_create(self, request, tenant, data):
        return segment_services.segment_create(
            tenant=tenant, by=self.actor(request, tenant), data=data
        )

    def service_update(self, request, segment, data):
        return segment_services.segment_update(
            segment=segment, by=self.actor(request, segment.tenant), data=data
        )

    def service_delete(self, obj, *, by):
        segment_services.segment_delete(segment=obj, by=by)
