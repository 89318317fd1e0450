"""Writes for lead milestones: record one, move its status, edit or remove it (admin).

Who may write: members record milestones and move their status on the leads they may see (an
agent: the leads assigned to them and the unassigned ones); only the tenant's admins edit or
remove a recorded milestone. A refusal is a PermissionDenied raised before anything is written.

What may be written is milestones.rules': the type's rules (a location, notes or documents only
where the type allows them, a mandatory type is never skipped) and the status graph (a new
record starts pending, in progress or completed, and a status moves pending → in_progress →
completed / skipped / failed and no other way). A lead has at most one milestone of a type that
is not failed (a failed attempt can be followed by a new one). Every refusal is a
ValidationError raised before anything is written. Each write recomputes the lead's
`days_from_previous` and lands in the lead's activity log.

A milestone that becomes completed (recorded completed, moved to completed, or edited to
completed) emits `milestone_completed` in the same transaction (tenancy.events), for the lead's
customer if it has one, with data {"milestone": id, "type": type code, "lead": id} and the event
key `milestone_completed:<id>`: completed is a final status, so a milestone completes once.
"""

from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import ActivityKind, Lead
from crm.selectors.leads import leads_visible_to
from crm.services.leads import lead_log_activity
from tenancy.actors import Actor, actor_user, is_operator, require_role
from tenancy.events import emit
from tenancy.models import Role
from tenancy.services.common import assign_fields, save_validated

from ..models import (
    INITIAL_STATUSES,
    LeadMilestone,
    MilestoneStatus,
    MilestoneType,
)
from ..rules import STATUS_GRAPH, status_move_error, type_rule_errors
from ..selectors.timeline import local_today, walk_previous_completed
from .projection import open_steps_refresh

# What a client may give when recording a milestone; the type is fixed once recorded.
RECORD_FIELDS = (
    "milestone_type",
    "status",
    "achieved_date",
    "achieved_time",
    "notes",
    "location_latitude",
    "location_longitude",
    "location_name",
    "duration_minutes",
    "outcome",
    "follow_up_date",
    "follow_up_required",
    "document_urls",
    "metadata",
)
EDIT_FIELDS = tuple(name for name in RECORD_FIELDS if name != "milestone_type")
# Who records milestones, moves them and chooses a lead's template (on the leads they see).
LEAD_WORKER_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT)
# Who edits or removes a recorded milestone.
EDITOR_ROLES = (Role.ADMIN,)


def check_works_on_lead(by: Actor, lead: Lead) -> None:
    """`by` may record milestones on the lead, move them and choose its template: a member of
    its tenant who sees it (an agent: a lead assigned to them or to nobody), or the operator."""
    require_role(by, tenant=lead.tenant, roles=LEAD_WORKER_ROLES)
    if is_operator(by):
        return
    if not leads_visible_to(tenant=lead.tenant, membership=by).filter(pk=lead.pk).exists():
        raise PermissionDenied("Agents work only on their own leads and unassigned ones.")


def check_edits_recorded(by: Actor, milestone: LeadMilestone) -> None:
    """Only the tenant's admins (and the operator) edit or remove a recorded milestone."""
    require_role(
        by,
        tenant=milestone.tenant,
        roles=EDITOR_ROLES,
        message="Only the tenant's admins edit or remove recorded milestones.",
    )


def _locked_lead(lead: Lead) -> Lead:
    """The lead, locked until the transaction ends, so two writers of its milestones take turns
    (and `days_from_previous` is computed over what the other one saved)."""
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.is_archived:
        raise ValidationError({"detail": ["This lead is archived; restore it before editing."]})
    return locked


def _has_own_type(milestone: LeadMilestone, lead: Lead) -> bool:
    return bool(
        milestone.milestone_type_id
        and milestone.milestone_type.tenant_id == lead.tenant_id
        and not milestone.milestone_type.is_deleted
    )


def _type_errors(milestone: LeadMilestone, lead: Lead) -> dict[str, list[str]]:
    if not _has_own_type(milestone, lead):
        return {"type_code": ["Choose a milestone type of this tenant."]}
    type_: MilestoneType = milestone.milestone_type
    if not type_.is_active:
        return {"type_code": [f"{type_.type_code} is inactive."]}
    twin = (
        LeadMilestone.objects.filter(tenant=lead.tenant, lead=lead, milestone_type=type_)
        .exclude(status=MilestoneStatus.FAILED)
        .exclude(pk=milestone.pk)
        .first()
    )
    if twin is not None:
        return {
            "type_code": [
                f"This lead already has a {type_.type_code} milestone "
                f"({twin.get_status_display().lower()}); move that one on instead."
            ]
        }
    return {}


def milestone_errors(
    milestone: LeadMilestone, *, old_status: str | None, today: date
) -> dict[str, list[str]]:
    """Every rule the milestone, about to be saved, breaks (by field; empty when it may be
    saved): for a new one (`old_status` None) its type and starting status, for a recorded one
    the status move; then its type's rules. The admin form shows these before saving."""
    lead = milestone.lead
    errors: dict[str, list[str]] = {}
    if old_status is None:
        errors.update(_type_errors(milestone, lead))
        if milestone.status not in INITIAL_STATUSES:
            errors["status"] = [
                f"A new milestone starts pending, in_progress or completed (it then moves "
                f"{STATUS_GRAPH}); '{milestone.status}' is not a starting status."
            ]
    elif problem := status_move_error(old_status, milestone.status):
        errors["status"] = [problem]
    if _has_own_type(milestone, lead):
        errors = {**type_rule_errors(milestone, today=today), **errors}
    return errors


def recompute_days_from_previous(lead: Lead) -> None:
    """Set `days_from_previous` on each of the lead's milestones: days since the lead's previous
    completed milestone, for completed ones that have one; null otherwise."""
    milestones = list(LeadMilestone.objects.filter(tenant=lead.tenant, lead=lead))
    changed = []
    for milestone, previous in walk_previous_completed(milestones):
        days = (
            (milestone.achieved_date - previous).days
            if milestone.status == MilestoneStatus.COMPLETED and previous is not None
            else None
        )
        if milestone.days_from_previous != days:
            milestone.days_from_previous = days
            changed.append(milestone)
    LeadMilestone.objects.bulk_update(changed, ["days_from_previous"])


def _describe(milestone: LeadMilestone) -> str:
    type_ = milestone.milestone_type
    when = milestone.achieved_date.isoformat()
    if milestone.achieved_time is not None:
        when += f" {milestone.achieved_time.strftime('%H:%M')}"
    return f"{type_.type_name}, {milestone.get_status_display().lower()} {when}"


def _emit_if_completed(milestone: LeadMilestone, *, old_status: str | None) -> None:
    """`milestone_completed` when this write completed the milestone."""
    if milestone.status != MilestoneStatus.COMPLETED or old_status == MilestoneStatus.COMPLETED:
        return
    lead = milestone.lead
    emit(
        tenant=lead.tenant,
        event_type="milestone_completed",
        customer_id=lead.customer_id,
        data={
            "milestone": milestone.pk,
            "type": milestone.milestone_type.type_code,
            "lead": lead.pk,
        },
        event_id=f"milestone_completed:{milestone.pk}",
    )


def _save(milestone: LeadMilestone, by: Actor) -> None:
    if milestone.status == MilestoneStatus.COMPLETED and milestone.completed_by_id is None:
        milestone.completed_by = actor_user(by)
    save_validated(milestone)
    recompute_days_from_previous(milestone.lead)
    open_steps_refresh(tenant=milestone.tenant, lead_ids=[milestone.lead_id])
    milestone.refresh_from_db(fields=["days_from_previous"])


@transaction.atomic
def milestone_record(
    *,
    lead: Lead,
    by: Actor,
    data: dict[str, Any],
    now: datetime | None = None,
) -> LeadMilestone:
    """Record a milestone for the lead. Without `status` it is completed; without
    `achieved_date` it happened today (in the tenant's time zone)."""
    check_works_on_lead(by, lead)
    lead = _locked_lead(lead)
    today = local_today(lead.tenant, now or timezone.now())
    data = {"status": MilestoneStatus.COMPLETED, "achieved_date": today, **data}
    data = {name: value for name, value in data.items() if value is not None}
    milestone = LeadMilestone(tenant=lead.tenant, lead=lead)
    assign_fields(milestone, data, allowed=RECORD_FIELDS)
    errors = milestone_errors(milestone, old_status=None, today=today)
    if errors:
        raise ValidationError(errors)
    _save(milestone, by)
    _emit_if_completed(milestone, old_status=None)
    lead_log_activity(
        lead,
        by=by,
        kind=ActivityKind.MILESTONE,
        message=f"Milestone recorded: {_describe(milestone)}.",
        changes={milestone.milestone_type.type_code: ["—", milestone.status]},
    )
    return milestone


@transaction.atomic
def milestone_set_status(
    *,
    milestone: LeadMilestone,
    by: Actor,
    status: str,
    achieved_date: date | None = None,
    achieved_time: time | None = None,
    now: datetime | None = None,
) -> LeadMilestone:
    """Move the milestone along the status graph. It is dated `achieved_date` (default: today,
    at the current time) — the day it was started, completed, skipped or failed."""
    check_works_on_lead(by, milestone.lead)
    lead = _locked_lead(milestone.lead)
    milestone = LeadMilestone.objects.select_for_update().get(pk=milestone.pk)
    old = milestone.status
    problem = status_move_error(old, status)
    if problem is None and status == old:
        problem = f"This milestone is already {old}."
    if problem:
        raise ValidationError({"status": [problem]})
    moment = timezone.localtime(now or timezone.now(), lead.tenant.tzinfo)
    milestone.status = status
    if achieved_date is None:
        milestone.achieved_date = moment.date()
        milestone.achieved_time = achieved_time or moment.time().replace(microsecond=0)
    else:
        milestone.achieved_date, milestone.achieved_time = achieved_date, achieved_time
    errors = milestone_errors(milestone, old_status=old, today=moment.date())
    if errors:
        raise ValidationError(errors)
    _save(milestone, by)
    _emit_if_completed(milestone, old_status=old)
    code = milestone.milestone_type.type_code
    name = milestone.milestone_type.type_name
    words = f"{MilestoneStatus(old).label} → {MilestoneStatus(status).label}"
    lead_log_activity(
        lead,
        by=by,
        kind=ActivityKind.MILESTONE,
        message=f"Milestone {name}: {words} ({_describe(milestone)}).",
        changes={code: [old, status]},  # codes, for apps
    )
    return milestone


@transaction.atomic
def milestone_update(
    *,
    milestone: LeadMilestone,
    by: Actor,
    data: dict[str, Any],
    now: datetime | None = None,
) -> LeadMilestone:
    """Edit a recorded milestone (the admin's change form): the same rules as recording; a
    status change follows the graph."""
    check_edits_recorded(by, milestone)
    lead = _locked_lead(milestone.lead)
    milestone = LeadMilestone.objects.select_for_update().get(pk=milestone.pk)
    old_status = milestone.status
    changes = assign_fields(milestone, data, allowed=EDIT_FIELDS)
    errors = milestone_errors(
        milestone, old_status=old_status, today=local_today(lead.tenant, now or timezone.now())
    )
    if errors:
        raise ValidationError(errors)
    if not changes:
        return milestone
    _save(milestone, by)
    _emit_if_completed(milestone, old_status=old_status)
    lead_log_activity(
        lead,
        by=by,
        kind=ActivityKind.MILESTONE,
        message=(
            f"Milestone {milestone.milestone_type.type_name} edited: "
            f"{', '.join(name.replace('_', ' ') for name in changes)}."
        ),
        changes={name: [str(old), str(new)] for name, (old, new) in changes.items()},
    )
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: LeadMilestone, by: Actor) -> None:
    """Remove a recorded milestone (the admin's delete)."""
    check_edits_recorded(by, milestone)
    lead = _locked_lead(milestone.lead)
    description = _describe(milestone)
    code = milestone.milestone_type.type_code
    milestone.delete()
    recompute_days_from_previous(lead)
    open_steps_refresh(tenant=lead.tenant, lead_ids=[lead.pk])
    lead_log_activity(
        lead,
        by=by,
        kind=ActivityKind.MILESTONE,
        message=f"Milestone removed: {description}.",
        changes={code: [milestone.status, "—"]},
    )
