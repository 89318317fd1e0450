"""The open steps of leads, worked out in one SQL query that serves both the timeline of one
lead and the overdue list of a whole tenant. Definitions: docs/metrics.md ("Milestones").

An open step is an open record (pending, in progress) or an open lead's next expected template
step not recorded yet. Its start is the day of the lead's latest completed milestone before it
(for a record: dated on or before it), or the day the lead was created when it has none; a step
whose type has an SLA is due `sla_days` after its start.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from crm.models import CLOSED_STATUSES, Lead
from tenancy.models import Tenant

from ..models import (
    OPEN_STATUSES,
    PASSED_STATUSES,
    LeadMilestone,
    LeadMilestonePlan,
    LeadOpenStep,
    MilestoneStatus,
    MilestoneTemplate,
    MilestoneTemplateStep,
    MilestoneType,
)
from .sql import add_days, as_date, in_list


@dataclass(frozen=True)
class OpenStep:
    lead_id: int
    milestone_type_id: int
    # pending / in_progress: an open record (a lead has one live record of a type at most);
    # None: an expected step not recorded yet
    status: str | None
    is_expected: bool  # the lead's next template step
    position: int | None  # its position in the lead's template, for an expected step
    start_date: date
    due_date: date | None  # None when the type has no SLA


def _one_lead_set(tenant: Tenant, lead: Lead) -> tuple[str, tuple]:
    """`_lead_set` for one lead, written out: a lead's timeline runs this on every page view,
    and composing the queryset version cost ~1 ms of the timeline's 10 ms budget. The default
    template is the tenant's live one marked default (a constraint keeps it unique)."""
    plans = LeadMilestonePlan._meta.db_table
    templates = MilestoneTemplate._meta.db_table
    closed_in, closed_params = in_list(CLOSED_STATUSES)
    sql = f"""
        SELECT l.id, COALESCE(p.template_id, (
                   SELECT d.id FROM {templates} d
                   WHERE d.tenant_id = %s AND d.is_default AND d.deleted_at IS NULL LIMIT 1)),
               CASE WHEN l.archived_at IS NULL AND l.status NOT IN {closed_in} THEN 1 ELSE 0 END
        FROM {Lead._meta.db_table} l LEFT JOIN {plans} p ON p.lead_id = l.id
        WHERE l.tenant_id = %s AND l.id = %s"""
    return sql, (tenant.pk, *closed_params, tenant.pk, lead.pk)


def _lead_set(tenant: Tenant, leads: QuerySet[Lead], *, all_open: bool) -> tuple[str, tuple]:
    """SQL for (lead_id, template_id, expects_next) of `leads`. A lead's template is its plan's
    (a LEFT JOIN: at most one plan per lead), else the tenant's default. With `all_open` the
    leads' own columns are only filtered on, never selected, so the open leads of a tenant come
    from an index-only scan of `lead_live_status_source_score` rather than from ~30,000 heap
    pages of crm_lead (1.2 s of the overdue list's 2.4 s at 100,000 leads)."""
    default = MilestoneTemplate.objects.for_tenant(tenant).live().filter(is_default=True)
    if all_open:
        expects_next = Value(1, output_field=IntegerField())
    else:
        expects_next = Case(
            When(Q(archived_at__isnull=True) & ~Q(status__in=CLOSED_STATUSES), then=1),
            default=0,
            output_field=IntegerField(),
        )
    rows = (
        leads.order_by()
        .annotate(
            ms_template_id=Coalesce(
                "milestone_plans__template_id",
                Subquery(default.values("pk")[:1]),
                output_field=BigIntegerField(),
            ),
            ms_expects_next=expects_next,
        )
        .values_list("pk", "ms_template_id", "ms_expects_next")
    )
    return rows.query.sql_with_params()


def open_steps_sql(
    tenant: Tenant, leads: QuerySet[Lead] | Lead, *, all_open: bool = False
) -> tuple[str, list]:
    """(sql, params) selecting the open steps of `leads` (a queryset, or one lead) as the
    columns of OpenStep, unordered.
    `all_open`: every lead given is open (not archived, WON or LOST), so that check is skipped.

    One pass over the leads' live milestones in (lead, day) order: window functions give each
    milestone the latest completed day up to it (an open record's start) and each lead its
    latest completed day and furthest passed step; one row per lead then names its next step
    and the open record of it, if any. No CTE is joined to another by lead: the planner cannot
    estimate CTE rows, and a nested loop over one ran for minutes (docs/benchmarks.md); the
    small tables (steps, types) are joined where the rows are made, for the same reason."""
    m = LeadMilestone._meta.db_table
    s = MilestoneTemplateStep._meta.db_table
    t = MilestoneType._meta.db_table
    if isinstance(leads, Lead):
        lead_sql, lead_params = _one_lead_set(tenant, leads)
    else:
        lead_sql, lead_params = _lead_set(tenant, leads, all_open=all_open)
    open_in, open_params = in_list(OPEN_STATUSES)
    passed_in, passed_params = in_list(PASSED_STATUSES)
    completed, failed = MilestoneStatus.COMPLETED, MilestoneStatus.FAILED
    created_sql, created_params = connection.ops.datetime_cast_date_sql(
        "l.created_at", (), tenant.timezone
    )
    # Only for a step with no completed milestone before it: the day the lead was created.
    created_day = f"(SELECT {created_sql} FROM {Lead._meta.db_table} l WHERE l.id = w.lead_id)"
    is_next = f"(w.status IN {open_in} AND w.position = COALESCE(w.passed_position, -1) + 1)"
    sql = f"""
        WITH lead_set (lead_id, template_id, expects_next) AS ({lead_sql}),
        walked AS (
            SELECT ls.lead_id, ls.template_id, ls.expects_next, m.milestone_type_id, m.status,
                   st.position, t.sla_days,
                   MAX(CASE WHEN m.status = %s THEN m.achieved_date END) OVER (
                       PARTITION BY ls.lead_id ORDER BY m.achieved_date
                       RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                   ) AS completed_so_far,
                   MAX(CASE WHEN m.status = %s THEN m.achieved_date END) OVER lead
                       AS last_completed,
                   MAX(CASE WHEN m.status IN {passed_in} THEN st.position END) OVER lead
                       AS passed_position
            FROM lead_set ls
            LEFT JOIN {m} m ON m.tenant_id = %s AND m.lead_id = ls.lead_id AND m.status <> %s
            LEFT JOIN {s} st ON st.tenant_id = %s AND st.template_id = ls.template_id
                AND st.milestone_type_id = m.milestone_type_id
            LEFT JOIN {t} t ON t.id = m.milestone_type_id
            WINDOW lead AS (
                PARTITION BY ls.lead_id ORDER BY m.achieved_date
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            )
        ),
        leads_next AS (
            SELECT w.lead_id, w.template_id, w.last_completed,
                   COALESCE(w.passed_position, -1) + 1 AS next_position,
                   MAX(CASE WHEN {is_next} THEN w.status END) AS next_status,
                   MAX(CASE WHEN {is_next} THEN w.completed_so_far END) AS next_start
            FROM walked w
            {"" if all_open else "WHERE w.expects_next = 1"}
            GROUP BY w.lead_id, w.template_id, w.last_completed, w.passed_position
        ),
        steps AS (
            SELECT w.lead_id, w.milestone_type_id, w.status, w.sla_days,
                   0 AS is_expected, NULL AS position,
                   COALESCE(w.completed_so_far, {created_day}) AS start_date
            FROM walked w WHERE w.status IN {open_in}
            UNION ALL
            SELECT w.lead_id, st.milestone_type_id, w.next_status, t.sla_days, 1, st.position,
                   COALESCE(
                       CASE WHEN w.next_status IS NULL THEN w.last_completed
                            ELSE w.next_start END,
                       {created_day}
                   )
            FROM leads_next w
            JOIN {s} st ON st.tenant_id = %s AND st.template_id = w.template_id
                AND st.position = w.next_position
            JOIN {t} t ON t.id = st.milestone_type_id
        )
        SELECT lead_id, milestone_type_id, status, is_expected, position, start_date,
               {add_days("start_date", "sla_days")} AS due_date
        FROM steps
    """
    params = [
        *lead_params,
        completed,  # walked
        completed,
        *passed_params,
        tenant.pk,
        failed,
        tenant.pk,
        *open_params,  # leads_next: is_next twice
        *open_params,
        *created_params,  # steps: open records
        *open_params,
        *created_params,  # steps: next expected steps
        tenant.pk,
    ]
    return sql, params


def open_step_from_row(row) -> OpenStep:
    lead_id, type_id, status, is_expected, position, start, due = row
    return OpenStep(
        lead_id=lead_id,
        milestone_type_id=type_id,
        status=status,
        is_expected=bool(is_expected),
        position=position,
        start_date=as_date(start),
        due_date=as_date(due),
    )


def open_steps(*, tenant: Tenant, leads: QuerySet[Lead] | Lead) -> list[OpenStep]:
    sql, params = open_steps_sql(tenant, leads)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [open_step_from_row(row) for row in cursor.fetchall()]


def lead_open_steps(*, tenant: Tenant, lead: Lead) -> list[OpenStep]:
    """One lead's open steps, as `open_steps` gives them. An open lead's are its rows kept in
    milestones.models.LeadOpenStep (one read of their unique index): the timeline runs on every
    lead page and API call, and computing them was ~3 ms of its 8 ms budget, half of it
    planning. A row that is an expected step and its record gives both. A closed lead has no
    rows (it expects no step) but may keep open records: those are computed. `lead` needs its
    status and archived_at."""
    if lead.archived_at is not None or lead.status in CLOSED_STATUSES:
        return open_steps(tenant=tenant, leads=lead)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT milestone_type_id, status, is_expected, position, start_date, due_date
                FROM {LeadOpenStep._meta.db_table} WHERE tenant_id = %s AND lead_id = %s""",
            [tenant.pk, lead.pk],
        )
        rows = cursor.fetchall()
    steps = []
    for type_id, status, is_expected, position, start, due in rows:
        start, due = as_date(start), as_date(due)
        if status:
            steps.append(OpenStep(lead.pk, type_id, status, False, None, start, due))
        if is_expected:
            steps.append(OpenStep(lead.pk, type_id, status or None, True, position, start, due))
    return steps


# (status or "", is_expected, position, start_date, due_date) of a step, by (lead id, type id)
StepsByKey = dict[tuple[int, int], tuple]


def open_lead_steps(*, tenant: Tenant) -> StepsByKey:
    """The full computation for the tenant's open leads (not archived, WON or LOST), in the shape
    of the rows kept of it (milestones.models.LeadOpenStep): an expected step and the open
    record of it are one step, with the record's status. What those rows are compared with."""
    leads = (
        Lead.objects.for_tenant(tenant)
        .filter(archived_at__isnull=True)
        .exclude(status__in=CLOSED_STATUSES)
    )
    steps: StepsByKey = {}
    for step in open_steps(tenant=tenant, leads=leads):
        key = (step.lead_id, step.milestone_type_id)
        status, expected, position = steps.get(key, ("", False, None))[:3]
        steps[key] = (
            status or step.status or "",
            expected or step.is_expected,
            step.position if step.is_expected else position,
            step.start_date,
            step.due_date,
        )
    return steps


def kept_open_steps(*, tenant: Tenant) -> StepsByKey:
    """The rows kept for the tenant, in the same shape."""
    rows = LeadOpenStep.objects.filter(tenant=tenant).values_list(
        "lead_id",
        "milestone_type_id",
        "status",
        "is_expected",
        "position",
        "start_date",
        "due_date",
    )
    return {(lead_id, type_id): tuple(rest) for lead_id, type_id, *rest in rows}
