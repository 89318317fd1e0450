"""Milestone analytics in the shapes the API returns: completion metrics by type, daily time
trends for a type, and bottlenecks between consecutive template steps. Every figure is computed
by the database at read time; milestones of archived leads are left out. Definitions:
docs/metrics.md ("Milestones").
"""

import itertools
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Avg, Count, Q, QuerySet

from crm.models import CLOSED_STATUSES, Lead
from tenancy.dates import last_days
from tenancy.figures import rate
from tenancy.models import Tenant

from ..models import (
    OPEN_STATUSES,
    LeadMilestone,
    LeadMilestonePlan,
    MilestoneStatus,
    MilestoneTemplate,
    MilestoneTemplateStep,
    MilestoneType,
)
from .sql import days_between, in_list, is_postgresql
from .timeline import local_today


def _live_milestones(tenant: Tenant) -> QuerySet[LeadMilestone]:
    archived = Lead.objects.filter(tenant=tenant, archived_at__isnull=False).values("pk")
    return LeadMilestone.objects.for_tenant(tenant).exclude(lead__in=archived).order_by()


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)


# ---------------------------------------------------------------------------------------------
# Completion metrics


def completion_metrics(*, tenant: Tenant) -> dict:
    """Per milestone type: how many records, how many in each status, and the completion rate
    (completed / total × 100). Every live type is listed; a deleted type only while it has
    records."""
    S = MilestoneStatus
    counts = {
        row.pop("milestone_type_id"): row
        for row in _live_milestones(tenant)
        .values("milestone_type_id")
        .annotate(  # counting `status`, not `id`: the (type, status) index answers alone
            total=Count("status"),
            completed=Count("status", filter=Q(status=S.COMPLETED)),
            in_progress=Count("status", filter=Q(status=S.IN_PROGRESS)),
            skipped=Count("status", filter=Q(status=S.SKIPPED)),
            failed=Count("status", filter=Q(status=S.FAILED)),
            pending=Count("status", filter=Q(status=S.PENDING)),
        )
    }
    types = MilestoneType.objects.for_tenant(tenant).filter(
        Q(deleted_at__isnull=True) | Q(pk__in=list(counts))
    )
    empty = dict.fromkeys(("total", "completed", "in_progress", "skipped", "failed", "pending"), 0)
    details = []
    for type_ in sorted(types, key=lambda t: (t.is_deleted, t.display_order, t.type_code)):
        row = counts.get(type_.pk, empty)
        details.append(
            {
                "type_code": type_.type_code,
                "type_name": type_.type_name,
                "category": type_.category,
                "is_active": type_.is_active,
                "is_deleted": type_.is_deleted,
                **row,
                "completion_rate": rate(row["completed"], row["total"]),
            }
        )
    total = sum(row["total"] for row in details)
    completed = sum(row["completed"] for row in details)
    return {
        "details": details,
        "total": total,
        "completed": completed,
        "completion_rate": rate(completed, total),
    }


# ---------------------------------------------------------------------------------------------
# Time trends


def time_trends(
    *, tenant: Tenant, milestone_type: MilestoneType | None, days: int, now: datetime
) -> list[dict]:
    """One point per day for the last `days` days ending today (tenant time): milestones of the
    type (of every type when None) completed that day, and their mean `days_from_previous`."""
    period = last_days(tenant=tenant, days=days, now=now)
    # By type first (every type of the tenant when none is given), so the index's (type,
    # status, date) ranges are read.
    types = (
        [milestone_type.pk]
        if milestone_type is not None
        else list(MilestoneType.objects.for_tenant(tenant).values_list("pk", flat=True))
    )
    rows = _live_milestones(tenant).filter(
        milestone_type__in=types,
        status=MilestoneStatus.COMPLETED,
        achieved_date__gte=period.start,
        achieved_date__lte=period.end,
    )
    per_day = {
        row["achieved_date"]: row
        for row in rows.values("achieved_date").annotate(
            completed=Count("status"), average=Avg("days_from_previous")
        )
    }
    code = milestone_type.type_code if milestone_type else None
    series = []
    for day in period.dates():
        row = per_day.get(day)
        series.append(
            {
                "date": day,
                "type_code": code,
                "completed_count": row["completed"] if row else 0,
                "average_days_from_previous": _round(row["average"]) if row else None,
            }
        )
    return series


# ---------------------------------------------------------------------------------------------
# Bottlenecks


def _percentile_sql(fraction: float) -> str:
    """SQLite has no percentile_cont: the same linear interpolation between the two closest
    ranks, over `ranked` (rn from 0 within its group of n, ordered by days)."""
    k = f"({fraction} * (n - 1))"
    low = f"CAST({k} AS INTEGER)"
    high = f"({low} + ({k} > {low}))"
    at_low = f"MAX(CASE WHEN rn = {low} THEN days END)"
    at_high = f"MAX(CASE WHEN rn = {high} THEN days END)"
    return f"({at_low} + ({at_high} - {at_low}) * MAX({k} - {low}))"


def transition_pairs(steps: list[MilestoneTemplateStep]) -> list[tuple]:
    """(position of A, A's type id, B's type id, B's SLA days) for consecutive steps A, B."""
    return [
        (a.position, a.milestone_type_id, b.milestone_type_id, b.milestone_type.sla_days)
        for a, b in itertools.pairwise(steps)
    ]


def _bottleneck_sql(
    tenant: Tenant, template: MilestoneTemplate, pairs: list[tuple], today: date
) -> tuple[str, list]:
    """One row per transition: (position of A, leads affected, completed, average days, median,
    p90, breaches). `pairs` are (position, A's type id, B's type id, B's SLA days).

    Each pair joins the completed milestones of A with the lead's live (not failed) milestone of
    B — at most one per lead — by lead, reading only the (tenant, type, status, lead, date)
    index. The pairs' type ids are parameters, one branch each, so the planner sees each type's
    row counts; the leads to leave out, and the closed ones, are gathered once. See
    docs/benchmarks.md for the plans this replaced."""
    pg = is_postgresql()
    materialized = "MATERIALIZED " if pg else ""
    m = LeadMilestone._meta.db_table
    plans = LeadMilestonePlan._meta.db_table
    leads = Lead._meta.db_table
    completed, failed = MilestoneStatus.COMPLETED, MilestoneStatus.FAILED
    open_in, open_params = in_list(OPEN_STATUSES)
    closed_in, closed_params = in_list(CLOSED_STATUSES)
    # Leads left out: archived ones and, for the default template, those whose plan names
    # another (leads without a plan follow the default); another template counts only the leads
    # of its plans. Closed (WON, LOST) leads are in, but never waiting for a step. (One CTE of
    # flags instead of these would save lookups, but the planner cannot estimate a grouped CTE
    # and falls back to index loops: docs/benchmarks.md.)
    if template.is_default:
        other_plans = f"""UNION ALL SELECT lead_id FROM {plans}
            WHERE tenant_id = %s AND template_id <> %s"""
        follows = "a.lead_id NOT IN (SELECT lead_id FROM left_out)"
    else:
        other_plans = ""
        # By template alone: a template is one tenant's, and with `tenant_id = …` as well the
        # planner multiplied the two selectivities, expected 769 leads for 7,918 and looked up B
        # one lead at a time (329 ms for the 8% "Fast track" template of 100,000 leads).
        follows = f"""a.lead_id NOT IN (SELECT lead_id FROM left_out) AND a.lead_id IN (
            SELECT lead_id FROM {plans} WHERE template_id = %s)"""
    head = f"""
        WITH left_out (lead_id) AS {materialized}(
            SELECT id FROM {leads} WHERE tenant_id = %s AND archived_at IS NOT NULL
            {other_plans}
        ),
        closed (lead_id) AS {materialized}(
            SELECT id FROM {leads}
            WHERE tenant_id = %s AND status IN {closed_in} AND archived_at IS NULL
        )"""
    plan_params = [tenant.pk, template.pk]
    params: list = [
        tenant.pk,
        *(plan_params if template.is_default else []),
        tenant.pk,
        *closed_params,
    ]
    done = "(b.status = %s AND b.achieved_date >= a.achieved_date)"
    days = days_between("b.achieved_date", "a.achieved_date")
    # B not completed or skipped (not recorded, open, or failed without a retry), and the lead
    # still open.
    still_open = f"""((b.lead_id IS NULL OR b.status IN {open_in})
        AND a.lead_id NOT IN (SELECT lead_id FROM closed))"""
    waited = days_between("%s", "a.achieved_date")
    branch = f"""
        SELECT CAST(%s AS INTEGER) AS position,
               CASE WHEN {done} THEN 1 ELSE 0 END AS done,
               CASE WHEN {done} THEN {days} END AS days,
               CASE WHEN CAST(%s AS INTEGER) IS NOT NULL AND (
                        ({done} AND {days} > CAST(%s AS INTEGER))
                        OR ({still_open} AND {waited} > CAST(%s AS INTEGER))
                    ) THEN 1 ELSE 0 END AS breached
        FROM {m} a
        LEFT JOIN {m} b ON b.tenant_id = %s AND b.milestone_type_id = %s
            AND b.lead_id = a.lead_id AND b.status <> %s
        WHERE a.tenant_id = %s AND a.milestone_type_id = %s AND a.status = %s AND {follows}"""

    def branch_params(position, from_type, to_type, sla_days) -> list:
        return [
            position,
            completed,  # done
            completed,  # done (days)
            sla_days,
            completed,  # done (late)
            sla_days,
            *open_params,
            today,
            sla_days,
            tenant.pk,
            to_type,
            failed,
            tenant.pk,
            from_type,
            completed,
            *([] if template.is_default else [template.pk]),
        ]

    if pg:
        # One aggregate per transition: each sorts only its own durations, once for both
        # percentiles.
        aggregate = """
            SELECT position, COUNT(*), SUM(done), AVG(days), percentile_cont(ARRAY[0.5, 0.9])
                       WITHIN GROUP (ORDER BY days) FILTER (WHERE done = 1),
                   SUM(breached)
            FROM ({branch}) t GROUP BY position"""
        sql = head + " " + " UNION ALL ".join(aggregate.format(branch=branch) for _ in pairs)
        for pair in pairs:
            params += branch_params(*pair)
        return sql, params
    # SQLite has no percentile_cont: the same interpolation over ranks from window functions.
    sql = f"""{head},
        transitions AS ({" UNION ALL ".join([branch] * len(pairs))}),
        ranked AS (
            SELECT position, days,
                   ROW_NUMBER() OVER (PARTITION BY position ORDER BY days) - 1 AS rn,
                   COUNT(*) OVER (PARTITION BY position) AS n
            FROM transitions WHERE done = 1
        ),
        percentiles AS (
            SELECT position, {_percentile_sql(0.5)} AS median_days,
                   {_percentile_sql(0.9)} AS p90_days
            FROM ranked GROUP BY position
        )
        SELECT tr.position, COUNT(*), SUM(tr.done), AVG(tr.days),
               MAX(pc.median_days), MAX(pc.p90_days), SUM(tr.breached)
        FROM transitions tr LEFT JOIN percentiles pc ON pc.position = tr.position
        GROUP BY tr.position"""
    for pair in pairs:
        params += branch_params(*pair)
    return sql, params


def bottlenecks(*, tenant: Tenant, template: MilestoneTemplate, now: datetime) -> list[dict]:
    """For each pair of consecutive steps (A → B) of `template`, over the live leads that follow
    it and completed A: how many (leads_affected), how many then completed B (completion_rate),
    how long that took in days (average, median, p90), and how many breached B's SLA — late, or
    still open past it."""
    steps = list(template.steps.select_related("milestone_type"))
    pairs = transition_pairs(steps)
    figures = {}
    if pairs:
        sql, params = _bottleneck_sql(tenant, template, pairs, local_today(tenant, now))
        with transaction.atomic(), connection.cursor() as cursor:
            if is_postgresql():
                # Column statistics are global: a type or template id implies its tenant, yet
                # the planner multiplies the selectivities of both and expects a template's
                # leads ~20x too few, then looks B up one lead at a time instead of hashing it
                # (Fast track of bench-00: 390 ms with nested loops, 180 ms without). Nothing
                # in this query is cheaper as a nested loop; the setting ends with the block.
                cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(sql, params)
            for position, *row in cursor.fetchall():
                if is_postgresql():  # both percentiles come as one array
                    row[3:4] = row[3] or (None, None)
                figures[position] = row
    result = []
    for step, following in itertools.pairwise(steps):
        affected, completed, average, median, p90, breached = figures.get(
            step.position, (0, 0, None, None, None, 0)
        )
        to_type = following.milestone_type
        result.append(
            {
                "from_milestone": step.milestone_type.type_code,
                "to_milestone": to_type.type_code,
                "from_name": step.milestone_type.type_name,
                "to_name": to_type.type_name,
                "average_days": _round(average),
                "median_days": _round(median),
                "p90_days": _round(p90),
                "leads_affected": affected,
                "completed": completed or 0,
                "completion_rate": rate(completed or 0, affected),
                "sla_days": to_type.sla_days,
                "sla_breached": breached or 0,
                "sla_breach_percent": (
                    rate(breached or 0, affected) if to_type.sla_days is not None else None
                ),
            }
        )
    return result
