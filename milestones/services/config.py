"""Writes for milestone types, templates and which template a lead follows.

Types and templates are config entries (tenancy.services.config_entries): addressed by code or
name, unique per tenant among live rows, deactivating hides one from new milestones and
templates, deleting is soft (recorded milestones keep their type). A type that is a step of a
live template can be neither deactivated nor deleted: take it out of the template first.

Templates are ordered steps of active types. Exactly one live template is the tenant's default.
A lead follows the default unless a plan (LeadMilestonePlan) gives it another template;
deleting a template removes its plans, so those leads follow the default again.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import ActivityKind, Lead
from crm.services.leads import lead_log_activity
from tenancy.actors import Actor
from tenancy.models import Tenant
from tenancy.services.config_entries import (
    ConfigSpec,
    config_entry_create,
    config_entry_update,
    register,
)

from ..models import LeadMilestonePlan, MilestoneTemplate, MilestoneTemplateStep, MilestoneType
from ..selectors.dashboard import MILESTONE_FIGURES
from .lead_milestones import check_works_on_lead
from .projection import open_steps_rebuild, open_steps_refresh

MAX_STEPS = 30


# ---------------------------------------------------------------------------------------------
# Types


def templates_using(milestone_type: MilestoneType) -> list[str]:
    """Names of the live templates that have the type as a step."""
    return sorted(
        MilestoneTemplate.objects.live()
        .filter(steps__milestone_type=milestone_type)
        .values_list("template_name", flat=True)
    )


def refuse_if_in_template(milestone_type: MilestoneType, action: str) -> None:
    names = templates_using(milestone_type)
    if names:
        raise ValidationError(
            {
                "is_active": [
                    f"{milestone_type.type_code} cannot be {action}: it is a step of "
                    f"{', '.join(names)}. Take it out of the template first."
                ]
            }
        )


def _after_type_update(milestone_type: MilestoneType, changes) -> None:
    """A type's SLA sets the due day of its open steps."""
    if "sla_days" in changes:
        open_steps_rebuild(tenant=milestone_type.tenant)


TYPES = register(
    ConfigSpec(
        MilestoneType,
        fields=(
            "type_code",
            "type_name",
            "icon",
            "color_hex",
            "category",
            "is_required",
            "is_mandatory",
            "typical_duration_days",
            "sla_days",
            "allows_attachment",
            "allows_location",
            "allows_notes",
        ),
        noun="milestone type",
        guard=refuse_if_in_template,
        on_update=_after_type_update,
        figures_scope=MILESTONE_FIGURES,  # the dashboard names the types
    )
)


def _delete_plans(template: MilestoneTemplate) -> None:
    """Leads that followed a deleted template follow the default again."""
    lead_ids = list(template.lead_plans.values_list("lead_id", flat=True))
    template.lead_plans.all().delete()
    open_steps_refresh(tenant=template.tenant, lead_ids=lead_ids)


TEMPLATES = register(
    ConfigSpec(
        MilestoneTemplate,
        fields=("template_name", "template_type", "is_default", "estimated_days"),
        noun="template",
        flag_noun="default template",
        on_delete=_delete_plans,
        figures_scope=MILESTONE_FIGURES,
    )
)


# ---------------------------------------------------------------------------------------------
# Templates


def resolve_sequence(*, tenant: Tenant, codes: Sequence[str]) -> list[MilestoneType]:
    """The template steps named by `codes`, in order: live, active types of the tenant, each
    once. Every problem is reported under `sequence`."""
    if isinstance(codes, str) or not isinstance(codes, Sequence):
        raise ValidationError({"sequence": ["Give the steps as a list of milestone type codes."]})
    if not codes:
        raise ValidationError({"sequence": ["A template needs at least one step."]})
    if len(codes) > MAX_STEPS:
        raise ValidationError({"sequence": [f"A template has at most {MAX_STEPS} steps."]})
    types = {
        t.type_code: t
        for t in MilestoneType.objects.for_tenant(tenant).live().filter(type_code__in=codes)
    }
    errors = []
    seen = set()
    for code in codes:
        if code in seen:
            errors.append(f"{code} appears twice; a type can be one step only.")
        elif code not in types:
            errors.append(f"Unknown milestone type '{code}'.")
        elif not types[code].is_active:
            errors.append(f"{code} is inactive.")
        seen.add(code)
    if errors:
        raise ValidationError({"sequence": errors})
    return [types[code] for code in codes]


def _set_steps(template: MilestoneTemplate, types: list[MilestoneType]) -> None:
    template.steps.all().delete()
    MilestoneTemplateStep.objects.bulk_create(
        MilestoneTemplateStep(
            tenant=template.tenant, template=template, milestone_type=type_, position=position
        )
        for position, type_ in enumerate(types)
    )


@transaction.atomic
def template_create(
    *, tenant: Tenant, data: dict, sequence: Sequence[str], by: Actor
) -> MilestoneTemplate:
    """A template with its ordered steps (the other rules are every config entry's)."""
    types = resolve_sequence(tenant=tenant, codes=sequence)
    template = config_entry_create(TEMPLATES, tenant=tenant, data=data, by=by)
    _set_steps(template, types)
    _steps_followed(template, was_default=False, steps_changed=False)
    return template


@transaction.atomic
def template_update(
    *, template: MilestoneTemplate, data: dict, by: Actor, sequence: Sequence[str] | None = None
) -> MilestoneTemplate:
    types = None if sequence is None else resolve_sequence(tenant=template.tenant, codes=sequence)
    was_default = template.is_default
    config_entry_update(template, data=data, by=by)
    if types is not None:
        _set_steps(template, types)
    _steps_followed(template, was_default=was_default, steps_changed=types is not None)
    return template


def _steps_followed(template: MilestoneTemplate, *, was_default: bool, steps_changed: bool) -> None:
    """The open steps after a template's write: the tenant's when the default template changed
    (most leads follow it), the leads that chose it when only its steps did."""
    if template.is_default != was_default or (steps_changed and template.is_default):
        open_steps_rebuild(tenant=template.tenant)
    elif steps_changed:
        open_steps_refresh(
            tenant=template.tenant,
            lead_ids=template.lead_plans.values_list("lead_id", flat=True),
        )


# ---------------------------------------------------------------------------------------------
# Which template a lead follows


def default_template(tenant: Tenant) -> MilestoneTemplate | None:
    return MilestoneTemplate.objects.for_tenant(tenant).live().filter(is_default=True).first()


@transaction.atomic
def lead_template_set(
    *, lead: Lead, by: Actor, template: MilestoneTemplate | None
) -> MilestoneTemplate | None:
    """Make the lead follow `template`, or its tenant's default when None. Returns the template
    the lead follows now. Whoever may record milestones on the lead may choose it."""
    check_works_on_lead(by, lead)
    if lead.is_archived:
        raise ValidationError({"detail": ["This lead is archived; restore it before editing."]})
    if template is not None and (
        template.tenant_id != lead.tenant_id or template.is_deleted or not template.is_active
    ):
        raise ValidationError({"template_id": ["Choose an active template of this tenant."]})
    plan = LeadMilestonePlan.objects.filter(tenant=lead.tenant, lead=lead).first()
    chosen_before = plan.template if plan else None
    if chosen_before == template:
        return template or default_template(lead.tenant)
    before = chosen_before or default_template(lead.tenant)
    if template is None:
        plan.delete()
        after = default_template(lead.tenant)
    else:
        LeadMilestonePlan.objects.update_or_create(
            tenant=lead.tenant,
            lead=lead,
            defaults={"template": template, "updated_at": timezone.now()},
        )
        after = template
    open_steps_refresh(tenant=lead.tenant, lead_ids=[lead.pk])
    old_name = before.template_name if before else "—"
    new_name = after.template_name if after else "—"
    lead_log_activity(
        lead,
        by=by,
        kind=ActivityKind.MILESTONE,
        message=f"Milestone template: {old_name} → {new_name}"
        + (" (the default)" if template is None else ""),
        changes={"milestone_template": [old_name, new_name]},
    )
    return after
