"""Writes for milestone types, templates and which template a lead follows.

Types are addressed by code, unique per tenant among live rows; deactivating hides a type from new
milestones and templates, deleting is soft (recorded milestones keep their type, the code can be
created again). A type that is a step of a live template can be neither deactivated nor deleted:
take it out of the template first.

Templates are ordered steps of active types. Exactly one live template is the tenant's default;
it cannot be deactivated or deleted until another becomes the default. A lead follows the default
unless a plan (LeadMilestonePlan) gives it another template; deleting a template removes its
plans, so those leads follow the default again.
"""

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import ActivityKind, Lead
from crm.services.leads import lead_log_activity
from tenancy.models import Membership, Tenant
from tenancy.services.common import assign_fields, save_validated

from ..models import LeadMilestonePlan, MilestoneTemplate, MilestoneTemplateStep, MilestoneType

_COMMON = {"description", "display_order", "is_active", "metadata"}
TYPE_FIELDS = _COMMON | {
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
}
TEMPLATE_FIELDS = _COMMON | {"template_name", "template_type", "is_default", "estimated_days"}
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


@transaction.atomic
def milestone_type_create(
    *, tenant: Tenant, data: dict, created_by: AbstractBaseUser | None = None
) -> MilestoneType:
    milestone_type = MilestoneType(tenant=tenant, created_by=created_by)
    assign_fields(milestone_type, data, allowed=TYPE_FIELDS)
    save_validated(milestone_type)
    return milestone_type


@transaction.atomic
def milestone_type_update(*, milestone_type: MilestoneType, data: dict) -> MilestoneType:
    changes = assign_fields(milestone_type, data, allowed=TYPE_FIELDS)
    if "is_active" in changes and not milestone_type.is_active:
        refuse_if_in_template(milestone_type, "deactivated")
    save_validated(milestone_type)
    return milestone_type


@transaction.atomic
def milestone_type_deactivate(*, milestone_type: MilestoneType) -> MilestoneType:
    refuse_if_in_template(milestone_type, "deactivated")
    milestone_type.is_active = False
    milestone_type.save(update_fields=["is_active", "updated_at"])
    return milestone_type


@transaction.atomic
def milestone_type_delete(*, milestone_type: MilestoneType) -> None:
    refuse_if_in_template(milestone_type, "deleted")
    milestone_type.mark_deleted()
    milestone_type.save(update_fields=["deleted_at", "is_active", "updated_at"])


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


def _clear_other_defaults(template: MilestoneTemplate) -> None:
    MilestoneTemplate.objects.for_tenant(template.tenant).live().filter(is_default=True).exclude(
        pk=template.pk
    ).update(is_default=False)


@transaction.atomic
def template_create(
    *,
    tenant: Tenant,
    data: dict,
    sequence: Sequence[str],
    created_by: AbstractBaseUser | None = None,
) -> MilestoneTemplate:
    template = MilestoneTemplate(tenant=tenant, created_by=created_by)
    assign_fields(template, data, allowed=TEMPLATE_FIELDS)
    types = resolve_sequence(tenant=tenant, codes=sequence)
    if not MilestoneTemplate.objects.for_tenant(tenant).live().filter(is_default=True).exists():
        template.is_default = True
    if template.is_default:
        _clear_other_defaults(template)
    save_validated(template)
    _set_steps(template, types)
    return template


@transaction.atomic
def template_update(
    *, template: MilestoneTemplate, data: dict, sequence: Sequence[str] | None = None
) -> MilestoneTemplate:
    was_default = template.is_default
    assign_fields(template, data, allowed=TEMPLATE_FIELDS)
    types = None if sequence is None else resolve_sequence(tenant=template.tenant, codes=sequence)
    if template.is_default and not was_default:
        _clear_other_defaults(template)
    save_validated(template)
    if types is not None:
        _set_steps(template, types)
    return template


def _refuse_if_default(template: MilestoneTemplate, action: str) -> None:
    if template.is_default:
        raise ValidationError(
            {
                "is_default": [
                    f"The default template cannot be {action}; make another template the "
                    "default first."
                ]
            }
        )


@transaction.atomic
def template_deactivate(*, template: MilestoneTemplate) -> MilestoneTemplate:
    """Inactive templates cannot be given to more leads; leads already on it keep it."""
    _refuse_if_default(template, "deactivated")
    template.is_active = False
    template.save(update_fields=["is_active", "updated_at"])
    return template


@transaction.atomic
def template_delete(*, template: MilestoneTemplate) -> None:
    _refuse_if_default(template, "deleted")
    template.lead_plans.all().delete()
    template.mark_deleted()
    template.save(update_fields=["deleted_at", "is_active", "updated_at"])


# ---------------------------------------------------------------------------------------------
# Which template a lead follows


def default_template(tenant: Tenant) -> MilestoneTemplate | None:
    return MilestoneTemplate.objects.for_tenant(tenant).live().filter(is_default=True).first()


@transaction.atomic
def lead_template_set(
    *, lead: Lead, by: Membership | None, template: MilestoneTemplate | None
) -> MilestoneTemplate | None:
    """Make the lead follow `template`, or its tenant's default when None. Returns the template
    the lead follows now."""
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
