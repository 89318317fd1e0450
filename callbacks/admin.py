"""The callback admin: the tenant's callback settings (priority weights, category thresholds, SLA
hours, attempts, business hours), its holidays, and the callback requests with their activity
log. Scoped like the rest of the admin; a request is fetched through the members' visible
queryset (callbacks.selectors), and writes go through callbacks.services, which check the
acting membership's role."""

from django import forms
from django.contrib import admin

from tenancy.admin.base import ServiceSaveMixin
from tenancy.scoping import LogInlineMixin, is_tenant_admin

from .models import WEEKDAYS, BusinessHoliday, CallbackActivity, CallbackRequest, CallbackSettings
from .selectors import callbacks_visible_to
from .services.requests import EDITABLE_FIELDS, callback_create, callback_update
from .services.settings import (
    HOLIDAY_FIELDS,
    SETTINGS_FIELDS,
    callback_settings_create,
    callback_settings_delete,
    callback_settings_update,
    holiday_create,
    holiday_delete,
    holiday_update,
)


@admin.register(CallbackSettings)
class CallbackSettingsAdmin(ServiceSaveMixin, admin.ModelAdmin):
    """One row per tenant: created with the defaults by the tenant's first callback, or here."""

    list_display = [
        "__str__",
        "urgent_sla_hours",
        "high_sla_hours",
        "normal_sla_hours",
        "low_sla_hours",
        "max_attempts",
        "aging_points_per_hour",
        "updated_at",
    ]
    readonly_fields = ["overtake", "waiting_cap"]
    fieldsets = [
        (
            "Priority parts (points)",
            {
                "fields": [
                    ("customer_value_points", "value_spend_cap"),
                    "lead_score_points",
                    ("vip_points", "vip_tag"),
                    (
                        "sales_inquiry_points",
                        "support_points",
                        "billing_points",
                        "complaint_points",
                        "other_points",
                    ),
                    "aging_points_per_hour",
                    "overtake",
                ]
            },
        ),
        (
            "Categories (a score at least the threshold)",
            {"fields": [("urgent_threshold", "high_threshold", "normal_threshold"), "waiting_cap"]},
        ),
        (
            "SLA per category (business hours)",
            {
                "fields": [
                    ("urgent_sla_hours", "high_sla_hours", "normal_sla_hours", "low_sla_hours")
                ]
            },
        ),
        ("Attempts", {"fields": ["max_attempts"]}),
        (
            "Business hours (tenant time zone; leave both empty on closed days)",
            {"fields": [(f"{day}_open", f"{day}_close") for day in WEEKDAYS]},
        ),
    ]
    service_fields = SETTINGS_FIELDS

    @admin.display(description="Old requests overtake fresh ones after")
    def overtake(self, obj):
        return f"{obj.overtake_hours:g} hours of waiting"

    @admin.display(description="Waiting counts toward the category up to")
    def waiting_cap(self, obj):
        return f"{obj.waiting_category_cap} points (one category at most)"

    def has_add_permission(self, request, *args):
        if not super().has_add_permission(request, *args):
            return False
        return self._is_global(request) or not self.get_queryset(request).exists()

    def service_create(self, request, tenant, data):
        by = self.actor(request, tenant)
        return callback_settings_create(tenant=tenant, by=by, data=data)

    def service_update(self, request, settings, data):
        by = self.actor(request, settings.tenant)
        return callback_settings_update(settings=settings, by=by, data=data)

    def service_delete(self, obj, *, by):
        callback_settings_delete(settings=obj, by=by)


@admin.register(BusinessHoliday)
class BusinessHolidayAdmin(ServiceSaveMixin, admin.ModelAdmin):
    list_display = ["date", "name"]
    search_fields = ["name"]
    date_hierarchy = "date"
    service_fields = HOLIDAY_FIELDS

    def service_create(self, request, tenant, data):
        by = self.actor(request, tenant)
        return holiday_create(tenant=tenant, by=by, data=data)

    def service_update(self, request, holiday, data):
        by = self.actor(request, holiday.tenant)
        return holiday_update(holiday=holiday, by=by, data=data)

    def service_delete(self, obj, *, by):
        holiday_delete(holiday=obj, by=by)


class CallbackActivityInline(LogInlineMixin, admin.TabularInline):
    model = CallbackActivity
    fields = ["created_at", "kind", "message", "note", "actor"]


class CallbackRequestAdminForm(forms.ModelForm):
    class Meta:
        model = CallbackRequest
        fields = ["tenant", *EDITABLE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "phone" in self.fields:
            self.fields["phone"].required = False
            self.fields["phone"].help_text = "Leave empty for the customer's (or lead's) phone."


@admin.register(CallbackRequest)
class CallbackRequestAdmin(ServiceSaveMixin, admin.ModelAdmin):
    """Requests are created and edited here; they are worked (status, assignment) in the pages
    and the API. Closed requests keep their history: cancel instead of deleting."""

    form = CallbackRequestAdminForm
    list_display = [
        "id",
        "contact_name",
        "reason",
        "source",
        "status",
        "assigned_to",
        "attempts",
        "sla_category",
        "sla_due_at",
        "created_at",
    ]
    list_filter = ["status", "reason", "source", "sla_category", "assigned_to"]
    search_fields = [
        "phone",
        "notes",
        "customer__first_name",
        "customer__last_name",
        "lead__first_name",
        "lead__last_name",
    ]
    autocomplete_fields = ["customer", "lead"]
    list_select_related = ["customer", "lead", "assigned_to"]
    readonly_fields = [
        "status",
        "attempts",
        "assigned_to",
        "scheduled_for",
        "sla_category",
        "sla_due_at",
        "outcome",
        "resolution",
        "close_reason",
        "closed_at",
    ]
    inlines = [CallbackActivityInline]
    service_fields = EDITABLE_FIELDS

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        """A tenant admin's requests are the ones its membership sees, as in the pages and the
        API (an admin sees every one of the tenant's)."""
        queryset = super().get_queryset(request)
        if self._is_global(request) or not is_tenant_admin(request):
            return queryset
        return queryset & callbacks_visible_to(tenant=request.tenant, membership=request.membership)

    def service_create(self, request, tenant, data):
        by = self.actor(request, tenant)
        return callback_create(tenant=tenant, by=by, data=data)

    def service_update(self, request, callback, data):
        by = self.actor(request, callback.tenant)
        return callback_update(callback=callback, by=by, data=data)
