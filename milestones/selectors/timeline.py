"""Reads for one lead's timeline and for the overdue list. Definitions: docs/metrics.md
("Milestones").

Every date is a calendar day in the tenant's time zone; `now` is passed in by the caller, so a
test can fix the clock. The start of a step is the day of the lead's latest completed milestone
before it, or the day the lead was created when it has none; a step with an SLA is due `sla_days`
after its start. The open steps — open records (pending, in progress) and each open lead's next
expected template step — are worked out in one SQL query (`_open_steps`), which serves both the
timeline of one lead and the overdue list of thousands.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from crm.models import CLOSED_STATUSES, Lead, Tenant

from ..models import (
    OPEN_STATUSES,
    PASSED_STATUSES,
    LeadMilestone,
    LeadMilestonePlan,
    MilestoneStatus,
    MilestoneTemplate,
    MilestoneTemplateStep,
    MilestoneType,
)
from .sql import add_days, as_date, in_list


class SlaState:
    ON_TIME = "on_time"  # completed on or before its due day
    BREACHED = "breached"  # completed after its due day
    OPEN_ON_TIME = "open_on_time"  # open, and today is on or before its due day
    OPEN_OVERDUE = "open_overdue"  # open, and its due day has passed


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


def template_for(lead: Lead) -> MilestoneTemplate | None:
    """The template the lead follows: its plan's, else its tenant's default."""
    plan = (
        LeadMilestonePlan.objects.filter(tenant_id=lead.tenant_id, lead=lead)
        .select_related("template")
        .first()
    )
    if plan is not None:
        return plan.template
    return MilestoneTemplate.objects.for_tenant(lead.tenant).live().filter(is_default=True).first()


# ---------------------------------------------------------------------------------------------
# Open steps, in SQL


@dataclass(frozen=True)
class OpenStep:
    lead_id: int
    milestone_type_id: int
    milestone_id: int | None  # the open record; None for an expected step not recorded yet
    status: str | None  # pending / in_progress, or None when not recorded
    is_expected: bool  # the lead's next template step
    position: int | None  # its position in the lead's template, for an expected step
    start_date: date
    due_date: date | None  # None when the type has no SLA


def _lead_set(tenant: Tenant, leads: QuerySet[Lead]) -> tuple[str, tuple]:
    """SQL for (lead_id, created_day, template_id, expects_next) of `leads`, built by the ORM so
    the tenant-zone date of `created_at` is right on every database."""
    default = (
        MilestoneTemplate.objects.for_tenant(tenant)
        .live()
        .filter(is_default=True)
        .values_list("pk", flat=True)
        .first()
    )
    plan = LeadMilestonePlan.objects.filter(tenant=tenant, lead=OuterRef("pk")).values(
        "template_id"
    )[:1]
    rows = (
        leads.order_by()
        .annotate(
            ms_created_day=TruncDate("created_at", tzinfo=tenant.tzinfo),
            ms_template_id=Coalesce(Subquery(plan), Value(default), output_field=BigIntegerField()),
            ms_expects_next=Case(
                When(Q(archived_at__isnull=True) & ~Q(status__in=CLOSED_STATUSES), then=1),
                default=0,
                output_field=IntegerField(),
            ),
        )
        .values_list("pk", "ms_created_day", "ms_template_id", "ms_expects_next")
    )
    return rows.query.sql_with_params()


def _open_steps_sql(tenant: Tenant, leads: QuerySet[Lead]) -> tuple[str, list]:
    """(sql, params) selecting the open steps of `leads` as the columns of OpenStep (plus the
    step kind), unordered."""
    m = LeadMilestone._meta.db_table
    s = MilestoneTemplateStep._meta.db_table
    t = MilestoneType._meta.db_table
    lead_sql, lead_params = _lead_set(tenant, leads)
    open_in, open_params = in_list(OPEN_STATUSES)
    passed_in, passed_params = in_list(PASSED_STATUSES)
    completed = MilestoneStatus.COMPLETED
    sql = f"""
        WITH lead_set (lead_id, created_day, template_id, expects_next) AS ({lead_sql}),
        progress AS (
            SELECT ls.lead_id,
                   MAX(CASE WHEN m.status = %s THEN m.achieved_date END) AS last_completed,
                   MAX(CASE WHEN m.status IN {passed_in} THEN st.position END) AS passed_position
            FROM lead_set ls
            JOIN {m} m ON m.tenant_id = %s AND m.lead_id = ls.lead_id
            LEFT JOIN {s} st ON st.tenant_id = %s AND st.template_id = ls.template_id
                AND st.milestone_type_id = m.milestone_type_id
            GROUP BY ls.lead_id
        ),
        recorded AS (
            SELECT m.lead_id, m.id AS milestone_id, m.milestone_type_id, m.status,
                   COALESCE(
                       (SELECT MAX(p.achieved_date) FROM {m} p
                        WHERE p.tenant_id = %s AND p.lead_id = m.lead_id AND p.status = %s
                          AND p.achieved_date <= m.achieved_date),
                       ls.created_day
                   ) AS start_date
            FROM lead_set ls
            JOIN {m} m ON m.tenant_id = %s AND m.lead_id = ls.lead_id
            WHERE m.status IN {open_in}
        ),
        expected AS (
            SELECT ls.lead_id, st.milestone_type_id, st.position,
                   COALESCE(pr.last_completed, ls.created_day) AS start_date
            FROM lead_set ls
            LEFT JOIN progress pr ON pr.lead_id = ls.lead_id
            JOIN {s} st ON st.tenant_id = %s AND st.template_id = ls.template_id
                AND st.position = COALESCE(pr.passed_position, -1) + 1
            WHERE ls.expects_next = 1
        ),
        steps AS (
            SELECT r.lead_id, r.milestone_type_id, r.milestone_id, r.status,
                   0 AS is_expected, NULL AS position, r.start_date
            FROM recorded r
            UNION ALL
            SELECT e.lead_id, e.milestone_type_id, r.milestone_id, r.status,
                   1 AS is_expected, e.position, COALESCE(r.start_date, e.start_date)
            FROM expected e
            LEFT JOIN recorded r
                ON r.lead_id = e.lead_id AND r.milestone_type_id = e.milestone_type_id
        )
        SELECT steps.lead_id, steps.milestone_type_id, steps.milestone_id, steps.status,
               steps.is_expected, steps.position, steps.start_date,
               {add_days("steps.start_date", "t.sla_days")} AS due_date
        FROM steps JOIN {t} t ON t.id = steps.milestone_type_id
    """
    params = [
        *lead_params,
        completed,
        *passed_params,
        tenant.pk,
        tenant.pk,
        tenant.pk,
        completed,
        tenant.pk,
        *open_params,
        tenant.pk,
    ]
    return sql, params


def _open_step(row) -> OpenStep:
    lead_id, type_id, milestone_id, status, is_expected, position, start, due = row
    return OpenStep(
        lead_id=lead_id,
        milestone_type_id=type_id,
        milestone_id=milestone_id,
        status=status,
        is_expected=bool(is_expected),
        position=position,
        start_date=as_date(start),
        due_date=as_date(due),
    )


def open_steps(*, tenant: Tenant, leads: QuerySet[Lead]) -> list[OpenStep]:
    sql, params = _open_steps_sql(tenant, leads)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [_open_step(row) for row in cursor.fetchall()]


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
        return self.milestone.status if self.milestone else "expected"


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
    open_by_record = {}
    expected = None
    for step in open_steps(tenant=tenant, leads=Lead.objects.filter(tenant=tenant, pk=lead.pk)):
        if step.is_expected:
            expected = step
        else:
            open_by_record[step.milestone_id] = step
    entries = []
    for milestone, previous in walk_previous_completed(milestones):
        if milestone.is_open:
            step = open_by_record[milestone.pk]
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
    timeline = Timeline(lead=lead, as_of=today, template=template_for(lead), entries=entries)
    if timeline.template is None:
        return timeline
    records = {}
    for milestone in milestones:  # a live record of a type wins over a failed one
        current = records.get(milestone.milestone_type_id)
        if current is None or current.status == MilestoneStatus.FAILED:
            records[milestone.milestone_type_id] = milestone
    by_id = {m.pk: m for m in milestones}
    for step in timeline.template.steps.select_related("milestone_type"):
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
                milestone=by_id.get(expected.milestone_id),
                start_date=expected.start_date,
                due_date=expected.due_date,
                sla_state=open_sla_state(expected.due_date, today),
            )
    return timeline


# ---------------------------------------------------------------------------------------------
# The overdue list


@dataclass
class OverdueStep:
    lead: Lead
    milestone_type: MilestoneType
    milestone: LeadMilestone | None
    start_date: date
    due_date: date
    days_overdue: int

    @property
    def status(self) -> str:
        return self.milestone.status if self.milestone else "expected"


class OverdueSteps:
    """The open steps of the open leads among `leads` (neither archived, WON nor LOST) whose due
    day is before today, oldest due first (then by lead and type): open records, and next
    expected steps not recorded yet. Counted and sliced in the database, so a paginator pages
    through it without loading it all."""

    def __init__(self, *, tenant: Tenant, leads: QuerySet[Lead], now: datetime):
        self.tenant = tenant
        self.today = local_today(tenant, now)
        open_leads = leads.filter(archived_at__isnull=True).exclude(status__in=CLOSED_STATUSES)
        sql, params = _open_steps_sql(tenant, open_leads)
        self._sql = f"""
            SELECT * FROM ({sql}) open_steps
            WHERE due_date < %s AND (is_expected = 0 OR milestone_id IS NULL)
        """
        self._params = [*params, self.today]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self._sql}) overdue", self._params)
            return cursor.fetchone()[0]

    def __getitem__(self, key: slice) -> list[OverdueStep]:
        if not isinstance(key, slice) or key.stop is None or key.step not in (None, 1):
            raise TypeError("Take a slice with an end: overdue[start:stop].")
        start = key.start or 0
        with connection.cursor() as cursor:
            cursor.execute(
                f"{self._sql} ORDER BY due_date, lead_id, milestone_type_id LIMIT %s OFFSET %s",
                [*self._params, max(0, key.stop - start), start],
            )
            steps = [_open_step(row) for row in cursor.fetchall()]
        leads = (
            Lead.objects.select_related("assigned_to")
            .only("tenant_id", "first_name", "last_name", "assigned_to__username")
            .in_bulk({s.lead_id for s in steps})
        )
        types = MilestoneType.objects.in_bulk({s.milestone_type_id for s in steps})
        records = LeadMilestone.objects.in_bulk({s.milestone_id for s in steps if s.milestone_id})
        return [
            OverdueStep(
                lead=leads[s.lead_id],
                milestone_type=types[s.milestone_type_id],
                milestone=records.get(s.milestone_id),
                start_date=s.start_date,
                due_date=s.due_date,
                days_overdue=(self.today - s.due_date).days,
            )
            for s in steps
        ]
