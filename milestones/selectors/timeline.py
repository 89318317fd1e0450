"""Reads for one lead's timeline. Definitions: docs/metrics.md ("Milestones").

Every date is a calendar day in the tenant's time zone; `now` is passed in by the caller, so a
test can fix the clock. A closed milestone (completed, skipped, failed) starts on the day of the
lead's previous completed milestone, or the day the lead was created; the open steps come from
the SQL of selectors/open_steps.py, which the overdue list shares.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.models import Lead
from tenancy.models import Tenant

from ..models import (
    LeadMilestone,
    LeadMilestonePlan,
    MilestoneStatus,
    MilestoneTemplate,
    MilestoneTemplateStep,
    MilestoneType,
)
from .open_steps import open_steps


class SlaState:
    ON_TIME = "on_time"  # completed on or before its due day
    BREACHED = "breached"  # completed after its due day
    OPEN_ON_TIME = "open_on_time"  # open, and today is on or before its due day
    OPEN_OVERDUE = "open_overdue"  # open, and its due day has passed

    # An open step's states; a closed milestone's are the other two (none without an SLA).
    OPEN = (OPEN_ON_TIME, OPEN_OVERDUE)
    ALL = (ON_TIME, BREACHED, *OPEN)


# The state of a template's next step: not recorded yet ("expected"), or its open record's.
EXPECTED = "expected"
STEP_STATUSES = (EXPECTED, MilestoneStatus.PENDING.value, MilestoneStatus.IN_PROGRESS.value)


def local_today(tenant: Tenant, now: datetime) -> date:
    return timezone.localtime(now, tenant.tzinfo).date()


def walk_previous_completed(
    milestones: Iterable[LeadMilestone],
) -> list[tuple[LeadMilestone, date | None]]:
    """Each milestone (in timeline order) with the day of the lead's latest completed milestone
    before it, or None when there is none."""
    walked = []
    previous = None
    for milestone in milestones:
        walked.append((milestone, previous))
        if milestone.status == MilestoneStatus.COMPLETED:
            previous = milestone.achieved_date
    return walked


def template_steps(lead: Lead, *, tenant: Tenant) -> list[MilestoneTemplateStep]:
    """The steps, in order and with their template and type, of the template the lead follows:
    its plan's, else its tenant's default (one query)."""
    plan = LeadMilestonePlan.objects.filter(tenant=tenant, lead=lead).values("template_id")[:1]
    default = (
        MilestoneTemplate.objects.for_tenant(tenant).live().filter(is_default=True).values("pk")
    )
    return list(
        MilestoneTemplateStep.objects.filter(
            tenant=tenant, template_id=Coalesce(Subquery(plan), Subquery(default[:1]))
        ).select_related("template", "milestone_type")
    )


def open_sla_state(due_date: date | None, today: date) -> str | None:
    if due_date is None:
        return None
    return SlaState.OPEN_OVERDUE if today > due_date else SlaState.OPEN_ON_TIME


# ---------------------------------------------------------------------------------------------
# One lead's timeline


@dataclass
class TimelineEntry:
    milestone: LeadMilestone
    start_date: date
    duration_days: int  # from its start to its date (closed) or to today (open)
    due_date: date | None
    sla_state: str | None


@dataclass
class NextStep:
    milestone_type: MilestoneType
    position: int
    milestone: LeadMilestone | None  # its open record, if one exists
    start_date: date
    due_date: date | None
    sla_state: str | None

    @property
    def status(self) -> str:
        return self.milestone.status if self.milestone else EXPECTED

    @property
    def milestone_id(self) -> int | None:
        return self.milestone.pk if self.milestone else None


@dataclass
class StepProgress:
    milestone_type: MilestoneType
    position: int
    status: str | None  # of the lead's record of this type (a live one before a failed one)
    is_next: bool


@dataclass
class Timeline:
    lead: Lead
    as_of: date
    template: MilestoneTemplate | None
    entries: list[TimelineEntry] = field(default_factory=list)
    next_step: NextStep | None = None
    steps: list[StepProgress] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        """Every required step of the template is completed."""
        required = [step for step in self.steps if step.milestone_type.is_required]
        return bool(self.steps) and all(
            step.status == MilestoneStatus.COMPLETED for step in required
        )


def _closed_entry(milestone: LeadMilestone, start: date) -> TimelineEntry:
    sla = milestone.milestone_type.sla_days
    due = start + timedelta(days=sla) if sla is not None else None
    state = None
    if milestone.status == MilestoneStatus.COMPLETED and due is not None:
        state = SlaState.ON_TIME if milestone.achieved_date <= due else SlaState.BREACHED
    return TimelineEntry(
        milestone=milestone,
        start_date=start,
        duration_days=(milestone.achieved_date - start).days,
        due_date=due,
        sla_state=state,
    )


def lead_timeline(*, tenant: Tenant, lead: Lead, now: datetime) -> Timeline:
    """The lead's milestones oldest first, each with its start, duration, due day and SLA state;
    the template it follows, how far it got, and its next expected step."""
    today = local_today(tenant, now)
    created_day = timezone.localtime(lead.created_at, tenant.tzinfo).date()
    milestones = list(
        LeadMilestone.objects.for_tenant(tenant)
        .filter(lead=lead)
        .select_related("milestone_type", "completed_by")
    )
    open_by_type = {}  # an open record is the lead's only live record of its type
    expected = None
    for step in open_steps(tenant=tenant, leads=lead):
        if step.is_expected:
            expected = step
        else:
            open_by_type[step.milestone_type_id] = step
    entries = []
    for milestone, previous in walk_previous_completed(milestones):
        if milestone.is_open:
            step = open_by_type[milestone.milestone_type_id]
            entries.append(
                TimelineEntry(
                    milestone=milestone,
                    start_date=step.start_date,
                    duration_days=(today - step.start_date).days,
                    due_date=step.due_date,
                    sla_state=open_sla_state(step.due_date, today),
                )
            )
        else:
            entries.append(_closed_entry(milestone, previous or created_day))
    steps = template_steps(lead, tenant=tenant)
    template = steps[0].template if steps else None
    timeline = Timeline(lead=lead, as_of=today, template=template, entries=entries)
    if timeline.template is None:
        return timeline
    records = {}
    for milestone in milestones:  # a live record of a type wins over a failed one
        current = records.get(milestone.milestone_type_id)
        if current is None or current.status == MilestoneStatus.FAILED:
            records[milestone.milestone_type_id] = milestone
    for step in steps:
        record = records.get(step.milestone_type_id)
        is_next = expected is not None and expected.position == step.position
        timeline.steps.append(
            StepProgress(
                milestone_type=step.milestone_type,
                position=step.position,
                status=record.status if record else None,
                is_next=is_next,
            )
        )
        if is_next:
            timeline.next_step = NextStep(
                milestone_type=step.milestone_type,
                position=step.position,
                milestone=record if expected.status else None,
                start_date=expected.start_date,
                due_date=expected.due_date,
                sla_state=open_sla_state(expected.due_date, today),
            )
    return timeline
