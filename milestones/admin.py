"""The milestone admin: types, templates with their ordered steps inline, lead milestones. Scoped
to the tenant admin's tenant (superusers see every tenant); writes go through the services, and
the forms show the services' refusals as form errors before anything is saved."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet

from tenancy.actors import actor_for_request
from tenancy.admin.base import ServiceSaveMixin
from tenancy.admin.config import ConfigEntryAdmin
from tenancy.scoping import TenantInlineMixin

from .models import LeadMilestone, MilestoneTemplate, MilestoneTemplateStep, MilestoneType
from .services import config as config_services
from .services import lead_milestones as milestone_services


@admin.register(MilestoneType)
class MilestoneTypeAdmin(ConfigEntryAdmin):
    spec = config_services.TYPES
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
        data = {name: getattr(template, name) for name in config_services.TEMPLATES.fields}
        by = actor_for_request(self.request, template.tenant)
        try:
            with transaction.atomic():
                if template.pk:
                    config_services.template_update(
                        template=MilestoneTemplate.objects.get(pk=template.pk),
                        data=data,
                        sequence=self.sequence(),
                        by=by,
                    )
                else:
                    config_services.template_create(
                        tenant=template.tenant, data=data, sequence=self.sequence(), by=by
                    )
                transaction.set_rollback(True)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from exc


class StepInline(TenantInlineMixin, admin.TabularInline):
    model = MilestoneTemplateStep
    formset = StepFormSet
    fields = ["position", "milestone_type"]
    ordering = ["position"]
    extra = 1
    verbose_name = "step"
    verbose_name_plural = "steps (in order of position; they are renumbered 1, 2, 3… on save)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request  # the template service takes the admin's membership as actor
        return formset


@admin.register(MilestoneTemplate)
class MilestoneTemplateAdmin(ConfigEntryAdmin):
    spec = config_services.TEMPLATES
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

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps__milestone_type")

    @admin.display(description="Steps")
    def sequence(self, obj):
        return " → ".join(obj.type_codes())

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
                template=MilestoneTemplate.objects.get(pk=obj.pk),
                data=data,
                sequence=sequence,
                by=self.actor(request, obj.tenant),
            )
        else:
            tenant = obj.tenant if self._is_global(request) else request.tenant
            saved = config_services.template_create(
                tenant=tenant,
                data=data,
                sequence=sequence,
                by=self.actor(request, tenant),
            )
        obj.pk, obj.tenant = saved.pk, saved.tenant
        obj._state.adding = False


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

    def service_create(self, request, tenant, data):
        lead = data.pop("lead")
        return milestone_services.milestone_record(
            lead=lead, by=self.actor(request, lead.tenant), data=data
        )

    def service_update(self, request, milestone, data):
        return milestone_services.milestone_update(
            milestone=milestone, by=self.actor(request, milestone.tenant), data=data
        )

    def service_delete(self, obj, *, by):
        milestone_services.milestone_delete(milestone=obj, by=by)
