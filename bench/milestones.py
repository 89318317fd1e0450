"""Milestones at scale: about 5,000,000 milestone rows over the 1,000,000 bench leads (50 tenants),
then timings of the milestone analytics and a lead's timeline for the largest tenant (bench-00).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_bench \\
        .venv/bin/python -m bench.milestones [--reset] [--iterations 30] [--explain]

Needs the leads of `python -m bench.generate_leads`. The first run migrates the milestones app (its
data migration gives every bench tenant the default types and template), adds eight more types
and a second template ("Fast track") per tenant through the services, puts 8% of the leads on the
second template, and loads the milestones with COPY: each lead gets the steps its status and
funnel dates imply (skips, failed attempts and retries, open steps, lost leads failing their next
step) plus extra milestones of the other types, with `days_from_previous` computed as the services
do. Leads are read in id order (all tenants interleaved, as generate_leads laid them out) in
chunks of 50,000 whose milestones are written in `achieved_date` order, so a lead's milestones
are spread over the table rather than stored together. Deterministic for a seed. A later run
reuses the rows; `--reset` deletes them first.

The timings call the selectors that the API and the pages call (the whole database work of each
request, without DRF's rendering), each warmed up and then run N times round-robin. Beside the
SQL bottlenecks the same figures are computed in Python over the rows, and both are checked to be
equal.
"""

import argparse
import itertools
import math
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ._setup import database_label, setup_django
from .generate_leads import SLUG_PREFIX
from .leads import QueryLog, environment, percentile

TENANT_SLUG = "bench-00"
CHUNK = 50_000
PLAN_SHARE = 0.08
EXTRA_SHARE = 0.27  # each extra type, per lead: ~2.2 extra milestones a lead
BOTTLENECKS_TARGET_MS = 300.0
COMPLETION_TARGET_MS = 200.0
TIMELINE_TARGET_MS = 10.0
EXTRA_TYPES = [
    # code, name, category, SLA days
    ("EMAIL_SENT", "Email sent", "engagement", None),
    ("FOLLOW_UP_CALL", "Follow-up call", "engagement", 3),
    ("MEETING", "Meeting", "action", 7),
    ("DEMO", "Product demo", "action", 7),
    ("DOCUMENTS_RECEIVED", "Documents received", "action", 10),
    ("QUOTE_REVISED", "Quote revised", "decision", 5),
    ("NEGOTIATION_CALL", "Negotiation call", "decision", 5),
    ("REFERENCE_CHECK", "Reference check", "decision", 10),
]
STANDARD = ["LEAD_GENERATED", "CONTACTED", "SITE_VISIT", "PROPOSAL_SENT", "CONVERTED"]
FAST_TRACK = ["LEAD_GENERATED", "CONTACTED", "PROPOSAL_SENT", "CONVERTED"]
# Steps of the lead's template that a status has completed (lost leads: see _template_steps).
REACHED = {
    "NEW": 1,
    "CONTACTED": 2,
    "CALLBACK": 2,
    "QUALIFIED": 2,
    "PROPOSAL": -1,  # all but the last
    "NEGOTIATION": -1,
    "WON": None,  # all
}
COLUMNS = (
    "tenant_id",
    "lead_id",
    "milestone_type_id",
    "achieved_date",
    "achieved_time",
    "status",
    "days_from_previous",
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
    "completed_by_id",
    "created_at",
    "updated_at",
)
OUTCOMES = ("positive", "positive", "neutral", "negative", "")


# ---------------------------------------------------------------------------------------------
# Generation


def bench_tenants():
    from tenancy.models import Tenant

    return Tenant.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug")


def ensure_configuration(tenant) -> None:
    """The eight extra types and the "Fast track" template, through the services."""
    from milestones.models import MilestoneTemplate, MilestoneType
    from milestones.services.config import milestone_type_create, template_create

    live = MilestoneType.objects.for_tenant(tenant).live()
    for order, (code, name, category, sla) in enumerate(EXTRA_TYPES, start=10):
        if not live.filter(type_code=code).exists():
            milestone_type_create(
                tenant=tenant,
                data={
                    "type_code": code,
                    "type_name": name,
                    "category": category,
                    "sla_days": sla,
                    "display_order": order,
                    "allows_attachment": True,
                },
            )
    if (
        not MilestoneTemplate.objects.for_tenant(tenant)
        .live()
        .filter(template_name="Fast track")
        .exists()
    ):
        template_create(
            tenant=tenant,
            data={"template_name": "Fast track", "template_type": "campaign"},
            sequence=FAST_TRACK,
        )


class TenantMilestones:
    """What the generator needs of one tenant: type ids, templates, time zone."""

    def __init__(self, tenant, today: date):
        from milestones.models import MilestoneTemplate, MilestoneType

        self.tenant_id = tenant.pk
        self.types = {t.type_code: t.pk for t in MilestoneType.objects.for_tenant(tenant).live()}
        templates = MilestoneTemplate.objects.for_tenant(tenant).live()
        self.fast_track = templates.get(template_name="Fast track").pk
        self.zone = ZoneInfo(tenant.timezone)
        self.today = today

    def day(self, moment: datetime | None) -> date | None:
        return None if moment is None else moment.astimezone(self.zone).date()


def _template_steps(status: str, steps: list[str], rng: random.Random) -> tuple[list, str | None]:
    """(completed steps, what happens to the next one: 'open', 'failed' or None)."""
    if status == "LOST":
        reached = rng.choice((1, 1, 2, 2, 2, 3))
        return steps[: min(reached, len(steps) - 1)], "failed" if rng.random() < 0.7 else None
    reach = REACHED[status]
    done = steps if reach is None else steps[:reach]
    if status == "QUALIFIED" and "SITE_VISIT" in steps and rng.random() < 0.4:
        done = steps[:3]
    nxt = "open" if len(done) < len(steps) and rng.random() < 0.45 else None
    return done, nxt


def _step_days(lead, t: TenantMilestones, steps: list[str], rng: random.Random) -> dict:
    lead_id, _, status, created, contacted, qualified, converted, _, _ = lead
    created_day = t.day(created)
    contact = t.day(contacted) or created_day + timedelta(days=int(rng.expovariate(1 / 2)))
    days = {"LEAD_GENERATED": created_day, "CONTACTED": contact}
    converted_day = t.day(converted)
    if converted_day is not None:  # won: the later steps spread up to the conversion
        span = max((converted_day - contact).days, len(steps))
        for i, code in enumerate(steps[2:-1], start=1):
            days[code] = contact + timedelta(days=span * i // (len(steps) - 1))
        days["CONVERTED"] = converted_day
        return days
    visit = contact + timedelta(days=1 + int(rng.expovariate(1 / 5)))
    days["SITE_VISIT"] = visit
    start = max(visit if "SITE_VISIT" in steps else contact, t.day(qualified) or contact)
    days["PROPOSAL_SENT"] = start + timedelta(days=1 + int(rng.expovariate(1 / 7)))
    days["CONVERTED"] = days["PROPOSAL_SENT"] + timedelta(days=1 + int(rng.expovariate(1 / 14)))
    return days


def lead_milestones(lead, t: TenantMilestones, rng: random.Random, on_fast_track: bool) -> list:
    """The lead's milestones as [day, time, status, type code, fields…] in timeline order, with
    days_from_previous, as tuples ready for COPY."""
    lead_id, tenant_id, status, created, _, _, _, _, assignee = lead
    steps = FAST_TRACK if on_fast_track else STANDARD
    done, nxt = _template_steps(status, steps, rng)
    days = _step_days(lead, t, steps, rng)
    created_day = t.day(created)
    entries = []  # (day, time, order, code, status)

    def at(day: date) -> date:
        return min(max(day, created_day), t.today)

    for code in done:
        if code == "SITE_VISIT" and rng.random() < 0.05:  # a failed visit, then a new one
            entries.append((at(days[code] - timedelta(days=2)), code, "failed"))
        skip = code == "SITE_VISIT" and rng.random() < 0.12
        entries.append((at(days[code]), code, "skipped" if skip else "completed"))
    if nxt is not None:
        following = steps[len(done)]
        day = at(days.get(following) or t.today)
        if nxt == "open":
            entries.append((day, following, "in_progress" if rng.random() < 0.5 else "pending"))
        else:
            entries.append((day, following, "failed"))
    last = max(day for day, _, _ in entries)
    span = max((last - created_day).days, 1) + 14
    for code, *_ in EXTRA_TYPES:
        if rng.random() < EXTRA_SHARE:
            roll = rng.random()
            extra = "completed" if roll < 0.85 else "pending" if roll < 0.93 else "failed"
            entries.append((at(created_day + timedelta(days=rng.randrange(span))), code, extra))

    rows = []
    timed = [
        (day, rng.randrange(8 * 3600, 19 * 3600) if rng.random() < 0.7 else None, i, code, s)
        for i, (day, code, s) in enumerate(entries)
    ]
    timed.sort(key=lambda e: (e[0], -1 if e[1] is None else e[1], e[2]))
    previous = None
    for day, seconds, _, code, state in timed:
        dfp = (day - previous).days if state == "completed" and previous is not None else None
        if state == "completed":
            previous = day
        moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        rows.append(
            (
                tenant_id,
                lead_id,
                t.types[code],
                day,
                None if seconds is None else f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}",
                state,
                dfp,
                "",
                None,
                None,
                "",
                None,
                rng.choice(OUTCOMES) if state == "completed" else "",
                None,
                False,
                "[]",
                "{}",
                assignee if state == "completed" else None,
                moment,
                moment,
            )
        )
    return rows


def reset() -> None:
    from django.db import connection, transaction

    from tenancy.models import Tenant

    ids = list(bench_tenants().values_list("pk", flat=True))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        if not Tenant.objects.exclude(pk__in=ids).exists():
            cur.execute("TRUNCATE milestones_leadmilestone, milestones_leadmilestoneplan")
        else:
            for table in ("milestones_leadmilestone", "milestones_leadmilestoneplan"):
                cur.execute(f"DELETE FROM {table} WHERE tenant_id = ANY(%s)", [ids])
    print(f"reset: removed the bench milestones in {time.perf_counter() - started:.1f} s")


def generate(*, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from milestones.models import LeadMilestone

    started = time.perf_counter()
    call_command("migrate", "milestones", verbosity=0)
    tenants = list(bench_tenants())
    if not tenants:
        raise SystemExit("No bench tenants: run `python -m bench.generate_leads` first.")
    ids = [t.pk for t in tenants]
    existing = LeadMilestone.objects.filter(tenant_id__in=ids).count()
    if existing:
        print(f"milestones: {existing:,} rows already loaded (--reset to load again)")
        return
    today = datetime.now(UTC).date()
    for tenant in tenants:
        with transaction.atomic():
            ensure_configuration(tenant)
    configs = {t.pk: TenantMilestones(t, today) for t in tenants}
    print(f"types and templates: {time.perf_counter() - started:.1f} s")

    rng = random.Random(f"{seed}:milestones")
    columns = ", ".join(COLUMNS)
    loaded = leads_done = 0
    last_id = 0
    step = time.perf_counter()
    while True:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, tenant_id, status, created_at, contacted_at, qualified_at, "
                "converted_at, archived_at, assigned_to_id FROM crm_lead "
                "WHERE tenant_id = ANY(%s) AND id > %s ORDER BY id LIMIT %s",
                [ids, last_id, CHUNK],
            )
            leads = cur.fetchall()
        if not leads:
            break
        last_id = leads[-1][0]
        rows, plans = [], []
        for lead in leads:
            config = configs[lead[1]]
            fast = rng.random() < PLAN_SHARE
            if fast:
                plans.append((lead[1], lead[0], config.fast_track))
            rows.extend(lead_milestones(lead, config, rng, fast))
        rows.sort(key=lambda row: (row[3], row[1]))  # by day, as a live table fills up
        with transaction.atomic(), connection.cursor() as cur:
            with cur.copy(f"COPY milestones_leadmilestone ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            now = datetime.now(UTC)
            with cur.copy(
                "COPY milestones_leadmilestoneplan (tenant_id, lead_id, template_id, "
                "created_at, updated_at) FROM STDIN"
            ) as copy:
                for plan in plans:
                    copy.write_row((*plan, now, now))
        loaded += len(rows)
        leads_done += len(leads)
        rate = loaded / (time.perf_counter() - step)
        print(
            f"milestones: {loaded:>10,} for {leads_done:>9,} leads ({rate:,.0f} rows/s)", flush=True
        )
    with connection.cursor() as cur:
        for table in ("milestones_leadmilestone", "milestones_leadmilestoneplan"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
        cur.execute(
            "SELECT pg_size_pretty(pg_table_size('milestones_leadmilestone')), "
            "pg_size_pretty(pg_indexes_size('milestones_leadmilestone'))"
        )
        table, indexes = cur.fetchone()
    print(f"milestones_leadmilestone: table {table}, indexes {indexes}")
    print(f"generation took {time.perf_counter() - started:.1f} s")


# ---------------------------------------------------------------------------------------------
# The bottlenecks in Python, over the rows (the baseline the SQL is compared with)


def python_bottlenecks(*, tenant, template, now) -> list[dict]:
    """The same figures as milestones.selectors.analytics.bottlenecks, computed in Python over
    the rows it would read (the tenant's milestones of the template's types)."""
    from crm.models import CLOSED_STATUSES, Lead
    from crm.selectors.sources import rate
    from milestones.models import LeadMilestone, LeadMilestonePlan
    from milestones.selectors.timeline import local_today

    today = local_today(tenant, now)
    steps = list(template.steps.select_related("milestone_type"))
    type_ids = [s.milestone_type_id for s in steps]
    leads = Lead.objects.filter(tenant=tenant)
    archived = set(leads.filter(archived_at__isnull=False).values_list("pk", flat=True))
    closed = set(leads.filter(status__in=CLOSED_STATUSES).values_list("pk", flat=True))
    plans = dict(
        LeadMilestonePlan.objects.filter(tenant=tenant).values_list("lead_id", "template_id")
    )
    completed = defaultdict(dict)  # lead -> type -> day
    live = defaultdict(dict)  # lead -> type -> (status, day), not failed
    for lead_id, type_id, status, day in LeadMilestone.objects.filter(
        tenant=tenant, milestone_type_id__in=type_ids
    ).values_list("lead_id", "milestone_type_id", "status", "achieved_date"):
        if status == "completed":
            completed[lead_id][type_id] = day
        if status != "failed":
            live[lead_id][type_id] = (status, day)

    def follows(lead_id):
        if lead_id in archived:
            return False
        chosen = plans.get(lead_id)
        return chosen == template.pk or (chosen is None and template.is_default)

    result = []
    for step, following in itertools.pairwise(steps):
        a, b = step.milestone_type_id, following.milestone_type_id
        sla = following.milestone_type.sla_days
        affected = breached = 0
        durations = []
        for lead_id, days in completed.items():
            if a not in days or not follows(lead_id):
                continue
            affected += 1
            status, b_day = live[lead_id].get(b, (None, None))
            done = status == "completed" and b_day >= days[a]
            if done:
                durations.append((b_day - days[a]).days)
            still_open = status in (None, "pending", "in_progress") and lead_id not in closed
            late = done and durations[-1] > (sla or 0)
            waited = still_open and (today - days[a]).days > (sla or 0)
            breached += sla is not None and (late or waited)
        durations.sort()
        result.append(
            {
                "from_milestone": step.milestone_type.type_code,
                "to_milestone": following.milestone_type.type_code,
                "average_days": round(sum(durations) / len(durations), 2) if durations else None,
                "median_days": round(percentile(durations, 50), 2) if durations else None,
                "p90_days": round(percentile(durations, 90), 2) if durations else None,
                "leads_affected": affected,
                "completed": len(durations),
                "completion_rate": rate(len(durations), affected),
                "sla_breached": breached,
                "sla_breach_percent": rate(breached, affected) if sla is not None else None,
            }
        )
    return result


# ---------------------------------------------------------------------------------------------
# Timings


class Scenario:
    def __init__(self, name: str, target_ms: float | None, call):
        self.name, self.target_ms, self.call = name, target_ms, call
        self.total_ms: list[float] = []
        self.db_ms: list[float] = []
        self.queries: list[int] = []

    def measure(self, i: int) -> None:
        from django.db import connection

        log = QueryLog()
        with connection.execute_wrapper(log):
            start = time.perf_counter()
            self.call(i)
            self.total_ms.append((time.perf_counter() - start) * 1000)
        self.db_ms.append(sum(ms for ms, _, _ in log.entries))
        self.queries.append(len(log.entries))


def fmt(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.1f}"


def table(scenarios: list[Scenario]) -> str:
    lines = [
        "| scenario | target ms | p50 ms | p95 ms | min ms | p50/target | queries | DB ms p50 |",
        "|" + "---|" * 8,
    ]
    for s in scenarios:
        p50, p95, t = percentile(s.total_ms, 50), percentile(s.total_ms, 95), s.target_ms
        lines.append(
            f"| {s.name} | {fmt(t)} | {fmt(p50)} | {fmt(p95)} | {fmt(min(s.total_ms))} "
            f"| {f'{p50 / t:.2f}×' if t else '—'} | {sorted(s.queries)[len(s.queries) // 2]} "
            f"| {fmt(percentile(s.db_ms, 50))} |"
        )
    return "\n".join(lines)


def build_scenarios(tenant, *, iterations: int, seed: int) -> list[Scenario]:
    from django.utils import timezone

    from crm.models import Lead
    from crm.selectors.leads import leads_visible_to
    from milestones.models import MilestoneTemplate, MilestoneType
    from milestones.selectors.analytics import bottlenecks, completion_metrics, time_trends
    from milestones.selectors.overdue import OverdueSteps
    from milestones.selectors.timeline import lead_timeline
    from tenancy.models import Membership, Role

    now = timezone.now()
    templates = MilestoneTemplate.objects.for_tenant(tenant).live()
    standard = templates.get(is_default=True)
    fast = templates.get(template_name="Fast track")
    types = list(MilestoneType.objects.for_tenant(tenant).live())
    manager = Membership.objects.filter(tenant=tenant, role=Role.MANAGER).first()
    rng = random.Random(seed)
    lead_ids = rng.sample(
        list(Lead.objects.filter(tenant=tenant).values_list("pk", flat=True)), iterations
    )
    # Only the columns the timeline reads: the bench database may lag behind other apps' columns.
    fields = ("id", "tenant_id", "created_at", "status", "archived_at")
    leads = {lead.pk: lead for lead in Lead.objects.filter(pk__in=lead_ids).only(*fields)}
    visible = leads_visible_to(tenant=tenant, membership=manager)

    def overdue_page(i):
        steps = OverdueSteps(tenant=tenant, leads=visible, now=now)
        return steps.count(), steps[0:50]

    return [
        Scenario(
            "bottlenecks: default template (SQL)",
            BOTTLENECKS_TARGET_MS,
            lambda i: bottlenecks(tenant=tenant, template=standard, now=now),
        ),
        Scenario(
            "bottlenecks: default template (Python over the rows)",
            None,
            lambda i: python_bottlenecks(tenant=tenant, template=standard, now=now),
        ),
        Scenario(
            "bottlenecks: Fast track, 8% of leads (SQL)",
            BOTTLENECKS_TARGET_MS,
            lambda i: bottlenecks(tenant=tenant, template=fast, now=now),
        ),
        Scenario(
            "completion metrics",
            COMPLETION_TARGET_MS,
            lambda i: completion_metrics(tenant=tenant),
        ),
        Scenario(
            "trends: one type, 30 days",
            None,
            lambda i: time_trends(
                tenant=tenant, milestone_type=types[i % len(types)], days=30, now=now
            ),
        ),
        Scenario(
            "trends: all types, 365 days",
            None,
            lambda i: time_trends(tenant=tenant, milestone_type=None, days=365, now=now),
        ),
        Scenario(
            "timeline: one lead",
            TIMELINE_TARGET_MS,
            lambda i: lead_timeline(tenant=tenant, lead=leads[lead_ids[i]], now=now),
        ),
        Scenario("overdue: count + first page of 50", None, overdue_page),
    ]


def compare(tenant) -> None:
    from django.utils import timezone

    from milestones.models import MilestoneTemplate
    from milestones.selectors.analytics import bottlenecks

    now = timezone.now()
    for template in MilestoneTemplate.objects.for_tenant(tenant).live():
        sql = bottlenecks(tenant=tenant, template=template, now=now)
        python = python_bottlenecks(tenant=tenant, template=template, now=now)
        keys = python[0].keys() if python else ()
        trimmed = [{k: row[k] for k in keys} for row in sql]
        if trimmed != python:
            raise SystemExit(f"SQL and Python bottlenecks differ for {template}:\n{sql}\n{python}")
        print(f"bottlenecks of {template.template_name}: SQL and Python agree")
        for row in sql:
            print(
                f"  {row['from_milestone']:>15} → {row['to_milestone']:<15} "
                f"affected {row['leads_affected']:>6,}  completed {row['completion_rate']:>6}%  "
                f"avg {row['average_days']}  median {row['median_days']}  p90 {row['p90_days']}  "
                f"SLA breached {row['sla_breach_percent']}%"
            )


def explain_bottlenecks(tenant) -> str:
    from django.db import connection
    from django.utils import timezone

    from milestones.models import MilestoneTemplate
    from milestones.selectors.analytics import _bottleneck_sql, transition_pairs
    from milestones.selectors.timeline import local_today

    template = MilestoneTemplate.objects.for_tenant(tenant).live().get(is_default=True)
    pairs = transition_pairs(list(template.steps.select_related("milestone_type")))
    sql, params = _bottleneck_sql(tenant, template, pairs, local_today(tenant, timezone.now()))
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cur.fetchall())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--reset", action="store_true", help="delete the bench milestones first")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the bottleneck query")
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)

    setup_django(allow_any_database=args.allow_any_database)
    from django.db import connection

    from milestones.models import LeadMilestone
    from tenancy.models import Tenant

    print(f"database: {database_label()}")
    if args.reset:
        reset()
    generate(seed=args.seed)
    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM milestones_leadmilestone")
        total = cur.fetchone()[0]
    env = environment()
    print(
        f"{env['database']}: PostgreSQL {env['postgresql']} {env['pg_settings']}; "
        f"{env['cpus']} CPUs; load average {env['load_average']}"
    )
    print(
        f"{total:,} milestones over {env['leads']:,} leads and {env['tenants']} tenants; "
        f"{tenant.slug}: {LeadMilestone.objects.filter(tenant=tenant).count():,} milestones\n"
    )
    compare(tenant)
    scenarios = build_scenarios(tenant, iterations=args.iterations, seed=args.seed)
    for scenario in scenarios:
        for i in range(args.warmup):
            scenario.call(i)
    for i in range(args.iterations):
        for scenario in scenarios:
            scenario.measure(i)
    print()
    for s in scenarios:
        print(
            f"{s.name:<55} p50 {percentile(s.total_ms, 50):8.1f} ms  "
            f"p95 {percentile(s.total_ms, 95):8.1f} ms"
        )
    print()
    print(table(scenarios))
    if args.explain:
        print("\n" + explain_bottlenecks(tenant))


if __name__ == "__main__":
    main(sys.argv[1:])
