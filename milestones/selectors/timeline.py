"""Reads for one lead's timeline. Definitions: docs/metrics.md ("Milestones").

Every date is a calendar day in the tenant's time zone; `now` is passed in by the caller, so a
test can fix the clock. A closed milestone (completed, skipped, failed) starts on the day of the
lead's previous completed milestone, or the day the lead was created; the open steps come from
the SQL of selectors/open_steps.py, which the overdue list shares.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model
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
from .open_steps import OpenStep, lead_open_steps, open_steps


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


# ---------------------------------------------------------------------------------------------
# The timeline's two reads of models, written out: a lead's timeline runs on every lead page and
# API call, and composing them as querysets (select_related, the Meta ordering, a Coalesce of two
# subqueries) cost ~3 ms of Python for ~1 ms of SQL. Rows become instances as select_related
# makes them: every column through the backend's converters, then Model.from_db.


class _Columns:
    """The columns of `model` (all concrete fields, or the attnames given) under a table alias,
    and how a row's slice of them becomes an instance."""

    def __init__(self, model: type[Model], alias: str, attnames: tuple[str, ...] = ()):
        self.model = model
        self.fields = [
            f for f in model._meta.concrete_fields if not attnames or f.attname in attnames
        ]
        self.attnames = [f.attname for f in self.fields]
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{quote(f.column)}" for f in self.fields)
        self._converters = None

    def converters(self) -> list:
        if self._converters is None:  # per process: the connection's backend does not change
            converters = []
            for index, field in enumerate(self.fields):
                col = field.get_col(self.model._meta.db_table)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if found:
                    converters.append((index, col, found))
            self._converters = converters
        return self._converters

    def build(self, row, start: int) -> tuple[Model, int]:
        """The instance of row[start:…], and where the next model's columns start."""
        values = list(row[start : start + len(self.fields)])
        for index, col, converters in self.converters():
            value = values[index]
            for converter in converters:
                value = converter(value, col, connection)
            values[index] = value
        return self.model.from_db(connection.alias, self.attnames, values), start + len(values)


_MILESTONE = _Columns(LeadMilestone, "m")
_TYPE = _Columns(MilestoneType, "t")
_STEP = _Columns(MilestoneTemplateStep, "st")
_TEMPLATE = _Columns(MilestoneTemplate, "tp")
_completed_by = None  # the user who completed a milestone: its id and username (the page's)


def _user_columns() -> _Columns:
    global _completed_by
    if _completed_by is None:  # the user model is known once the apps are ready
        user = get_user_model()
        _completed_by = _Columns(user, "u", ("id", user.USERNAME_FIELD))
    return _completed_by


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def lead_milestones(lead: Lead, *, tenant: Tenant) -> list[LeadMilestone]:
    """The lead's milestones in timeline order (the model's ordering), each with its type and
    the user who completed it (id and username only) (one query)."""
    users = _user_columns()
    sql = f"""
        SELECT {_MILESTONE.sql}, {_TYPE.sql}, {users.sql}
        FROM {LeadMilestone._meta.db_table} m
        JOIN {MilestoneType._meta.db_table} t ON t.id = m.milestone_type_id
        LEFT JOIN {users.model._meta.db_table} u ON u.id = m.completed_by_id
        WHERE m.tenant_id = %s AND m.lead_id = %s
        ORDER BY m.achieved_date, m.achieved_time ASC NULLS FIRST, m.id"""
    milestone_type = LeadMilestone._meta.get_field("milestone_type")
    completed_by = LeadMilestone._meta.get_field("completed_by")
    types: dict[int, MilestoneType] = {}
    milestones = []
    for row in _fetch(sql, [tenant.pk, lead.pk]):
        milestone, at = _MILESTONE.build(row, 0)
        kind, at = _TYPE.build(row, at)
        milestone_type.set_cached_value(milestone, types.setdefault(kind.pk, kind))
        user = users.build(row, at)[0] if row[at] is not None else None
        completed_by.set_cached_value(milestone, user)
        milestones.append(milestone)
    return milestones


def template_steps(lead: Lead, *, tenant: Tenant) -> list[MilestoneTemplateStep]:
    """The steps, in order and with their template and type, of the template the lead follows:
    its plan's, else its tenant's live default (one query)."""
    sql = f"""
        SELECT {_STEP.sql}, {_TEMPLATE.sql}, {_TYPE.sql}
        FROM {MilestoneTemplateStep._meta.db_table} st
        JOIN {MilestoneTemplate._meta.db_table} tp ON tp.id = st.template_id
        JOIN {MilestoneType._meta.db_table} t ON t.id = st.milestone_type_id
        WHERE st.tenant_id = %s AND st.template_id = COALESCE(
            (SELECT p.template_id FROM {LeadMilestonePlan._meta.db_table} p
             WHERE p.tenant_id = %s AND p.lead_id = %s LIMIT 1),
            (SELECT d.id FROM {MilestoneTemplate._meta.db_table} d
             WHERE d.tenant_id = %s AND d.is_default AND d.deleted_at IS NULL LIMIT 1))
        ORDER BY st.position"""
    template_field = MilestoneTemplateStep._meta.get_field("template")
    type_field = MilestoneTemplateStep._meta.get_field("milestone_type")
    steps = []
    template = None
    for row in _fetch(sql, [tenant.pk, tenant.pk, lead.pk, tenant.pk]):
        step, at = _STEP.build(row, 0)
        if template is None:  # one template: one instance for every step
            template = _TEMPLATE.build(row, at)[0]
        at += len(_TEMPLATE.fields)
        template_field.set_cached_value(step, template)
        type_field.set_cached_value(step, _TYPE.build(row, at)[0])
        steps.append(step)
    return steps


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


def _split(steps: list[OpenStep]) -> tuple[dict[int, OpenStep], OpenStep | None]:
    """The open records by type (a lead's only live record of its type), and the expected
    step."""
    open_by_type, expected = {}, None
    for step in steps:
        if step.is_expected:
            expected = step
        else:
            open_by_type[step.milestone_type_id] = step
    return open_by_type, expected


def lead_timeline(*, tenant: Tenant, lead: Lead, now: datetime) -> Timeline:
    """The lead's milestones oldest first, each with its start, duration, due day and SLA state;
    the template it follows, how far it got, and its next expected step. `lead` needs its
    status, archived_at and created_at."""
    today = local_today(tenant, now)
    created_day = timezone.localtime(lead.created_at, tenant.tzinfo).date()
    milestones = lead_milestones(lead, tenant=tenant)
    open_by_type, expected = _split(lead_open_steps(tenant=tenant, lead=lead))
    if any(m.is_open and m.milestone_type_id not in open_by_type for m in milestones):
        # the kept rows moved between the two reads (a concurrent change): compute them
        open_by_type, expected = _split(open_steps(tenant=tenant, leads=lead))
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
