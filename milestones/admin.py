"""The milestone admin: types, templates with their ordered steps inline, lead milestones. Scoped
to the tenant admin's tenant (superusers see every tenant); writes go through the services, and
the forms show the services' refusals as form errors before anything is saved."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet

from tenancy.admin.base import ServiceSaveMixin
from tenancy.scoping import TenantInlineMixin
from tenancy.selectors import resolve_membership

from .models import LeadMilestone, MilestoneTemplate, MilestoneTemplateStep, MilestoneType
from .services import config as config_services
from .services import lead_milestones as milestone_services


class ConfigAdmin(ServiceSaveMixin, admin.ModelAdmin):
    """Live rows only; a refused deactivation or deletion is a message, not an error page."""

    exclude = ["created_by"]
    actions = ["deactivate_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            try:
                self.service_delete(obj)
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)

    @admin.action(description="Deactivate selected entries")
    def deactivate_selected(self, request, queryset):
        for obj in queryset:
            try:
                self.service_deactivate(obj)
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)


@admin.register(MilestoneType)
class MilestoneTypeAdmin(ConfigAdmin):
    list_display = [
        "type_code",
        "type_name",
        "category",
        "sla_days",
        "typical_duration_days",
        "is_required",
        "is_mandatory",
        "is_active",
        "display_order",
    ]
    list_filter = ["category", "is_active", "is_mandatory"]
    search_fields = ["type_code", "type_name"]
    service_fields = config_services.TYPE_FIELDS

    def has_delete_permission(self, request, obj=None):
        in_use = obj is not None and bool(config_services.templates_using(obj))
        return super().has_delete_permission(request, obj) and not in_use

    def service_create(self, request, tenant, data):
        return config_services.milestone_type_create(
            tenant=tenant, data=data, created_by=request.user
        )

    def service_update(self, request, milestone_type, data):
        return config_services.milestone_type_update(milestone_type=milestone_type, data=data)

    def service_deactivate(self, obj):
        config_services.milestone_type_deactivate(milestone_type=obj)

    def service_delete(self, obj):
        config_services.milestone_type_delete(milestone_type=obj)


class StepFormSet(BaseInlineFormSet):
    """The template's steps. Validating them runs the whole template save (its fields and this
    sequence) through the template service in a savepoint that is rolled back, so whatever the
    service refuses shows above the steps before anything is saved."""

    def sequence(self) -> list[str]:
        forms_ = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("milestone_type")
        ]
        forms_.sort(key=lambda form: form.cleaned_data.get("position") or 0)
        return [form.cleaned_data["milestone_type"].type_code for form in forms_]

    def clean(self):
        super().clean()
        template = self.instance
        if any(self.errors) or template.tenant_id is None:
            return
        data = {name: getattr(template, name) for name in config_services.TEMPLATE_FIELDS}
        try:
            with transaction.atomic():
                if template.pk:
                    config_services.template_update(
                        template=MilestoneTemplate.objects.get(pk=template.pk),
                        data=data,
                        sequence=self.sequence(),
                    )
                else:
                    config_services.template_create(
                        tenant=template.tenant, data=data, sequence=self.sequence()
                    )
                transaction.set_rollback(True)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class StepInline(TenantInlineMixin, admin.TabularInline):
    model = MilestoneTemplateStep
    formset = StepFormSet
    fields = ["position", "milestone_type"]
    ordering = ["position"]
    extra = 1
    verbose_name = "step"
    verbose_name_plural = "steps (in order of position; they are renumbered 1, 2, 3… on save)"


@admin.register(MilestoneTemplate)
class MilestoneTemplateAdmin(ConfigAdmin):
    list_display = [
        "template_name",
        "template_type",
        "is_default",
        "is_active",
        "estimated_days",
        "sequence",
    ]
    list_filter = ["template_type", "is_active", "is_default"]
    search_fields = ["template_name", "description"]
    inlines = [StepInline]
    service_fields = config_services.TEMPLATE_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps__milestone_type")

    @admin.display(description="Steps")
    def sequence(self, obj):
        return " → ".join(obj.type_codes())

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_default)

    def check_with_service(self, request, form, obj):
        """The steps' formset checks the template with its steps (StepFormSet.clean)."""

    def save_model(self, request, obj, form, change):
        """Saved with its steps in save_related, through the template services."""

    def save_related(self, request, form, formsets, change):
        steps = next(formset for formset in formsets if isinstance(formset, StepFormSet))
        sequence = steps.sequence() if (not change or steps.has_changed()) else None
        # The service replaces the steps; the admin's change message reads these.
        steps.new_objects, steps.changed_objects, steps.deleted_objects = [], [], []
        obj = form.instance
        names = form.changed_data if change else list(form.cleaned_data)
        data = {name: form.cleaned_data[name] for name in names if name in self.service_fields}
        if change:
            saved = config_services.template_update(
                template=MilestoneTemplate.objects.get(pk=obj.pk), data=data, sequence=sequence
            )
        else:
            tenant = obj.tenant if self._is_global(request) else request.tenant
            saved = config_services.template_create(
                tenant=tenant, data=data, sequence=sequence, created_by=request.user
            )
        obj.pk, obj.tenant = saved.pk, saved.tenant
        obj._state.adding = False

    def service_deactivate(self, obj):
        config_services.template_deactivate(template=obj)

    def service_delete(self, obj):
        config_services.template_delete(template=obj)


@admin.register(LeadMilestone)
class LeadMilestoneAdmin(ServiceSaveMixin, admin.ModelAdmin):
    list_display = [
        "lead",
        "milestone_type",
        "status",
        "achieved_date",
        "days_from_previous",
        "outcome",
        "completed_by",
    ]
    list_filter = ["status", "milestone_type", "outcome"]
    list_select_related = ["lead", "milestone_type", "completed_by"]
    search_fields = [
        "lead__first_name",
        "lead__last_name",
        "lead__email",
        "milestone_type__type_code",
        "milestone_type__type_name",
        "notes",
    ]
    autocomplete_fields = ["lead"]
    date_hierarchy = "achieved_date"
    service_fields = {"lead", *milestone_services.RECORD_FIELDS}

    def get_readonly_fields(self, request, obj=None):
        fixed = ["lead", "milestone_type"] if obj is not None else []
        return [*fixed, "days_from_previous", "completed_by", "created_at", "updated_at"]

    def _by(self, request, tenant):
        return resolve_membership(request.user, tenant.slug)

    def service_create(self, request, tenant, data):
        lead = data.pop("lead")
        return milestone_services.milestone_record(
            lead=lead, by=self._by(request, lead.tenant), data=data
        )

    def service_update(self, request, milestone, data):
        return milestone_services.milestone_update(
            milestone=milestone, by=self._by(request, milestone.tenant), data=data
        )

    def service_delete(self, obj):
        milestone_services.milestone_delete(milestone=obj, by=None)
