"""Milestones at scale: about 5,000,000 milestone rows over the 1,000,000 bench leads (50 tenants),
then timings of the milestone analytics and a lead's timeline for the largest tenant (bench-00).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_bench \\
        .venv/bin/python -m bench.milestones.run [--reset] [--iterations 30] [--explain]

Needs the leads of `python -m bench.leads.generate`. The first run migrates the milestones app (its
data migration gives every bench tenant the default types and template), adds eight more types
and a second template ("Fast track") per tenant through the services, puts 8% of the leads on the
second template, and loads the milestones with COPY: each lead gets the steps its status and
funnel dates imply (skips, failed attempts and retries, open steps, lost leads failing their next
step) plus extra milestones of the other types, with `days_from_previous` computed as the services
do. Leads are read in id order (all tenants interleaved, as the leads generator laid them out) in
chunks of 50,000 whose milestones are written in `achieved_date` order, so a lead's milestones
are spread over the table rather than stored together. Deterministic for a seed. A later run
reuses the rows; `--reset` deletes them first.

The timings call the selectors that the API and the pages call (the whole database work of each
request, without DRF's rendering), each warmed up and then run N times round-robin. Beside the
SQL bottlenecks the same figures are computed in Python over the rows, and both are checked to be
equal.
"""

import argparse
import random
import sys
import time

from bench.leads.run import environment
from bench.lib.querylog import QueryLog, explain_analyze
from bench.lib.setup import database_label, setup_django
from bench.lib.timing import fmt, median_int, percentile

from .baseline import python_bottlenecks
from .generate import generate, reset

TENANT_SLUG = "bench-00"
BOTTLENECKS_TARGET_MS = 300.0
COMPLETION_TARGET_MS = 200.0
TIMELINE_TARGET_MS = 10.0


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
        self.db_ms.append(log.ms)
        self.queries.append(log.count)


def table(scenarios: list[Scenario]) -> str:
    lines = [
        "| scenario | target ms | p50 ms | p95 ms | min ms | p50/target | queries | DB ms p50 |",
        "|" + "---|" * 8,
    ]
    for s in scenarios:
        p50, p95, t = percentile(s.total_ms, 50), percentile(s.total_ms, 95), s.target_ms
        lines.append(
            f"| {s.name} | {fmt(t)} | {fmt(p50)} | {fmt(p95)} | {fmt(min(s.total_ms))} "
            f"| {f'{p50 / t:.2f}×' if t else '—'} | {median_int(s.queries)} "
            f"| {fmt(percentile(s.db_ms, 50))} |"
        )
    return "\n".join(lines)


def build_scenarios(tenant, *, iterations: int, seed: int) -> list[Scenario]:
    from django.utils import timezone

    from crm.models import Lead
    from milestones.models import MilestoneTemplate, MilestoneType
    from milestones.selectors.analytics import bottlenecks, completion_metrics, time_trends
    from milestones.selectors.overdue import overdue_steps_for
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

    def overdue_page(i):
        steps = overdue_steps_for(tenant=tenant, membership=manager, now=now)
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
    from django.utils import timezone

    from milestones.models import MilestoneTemplate
    from milestones.selectors.analytics import _bottleneck_sql, transition_pairs
    from milestones.selectors.timeline import local_today

    template = MilestoneTemplate.objects.for_tenant(tenant).live().get(is_default=True)
    pairs = transition_pairs(list(template.steps.select_related("milestone_type")))
    sql, params = _bottleneck_sql(tenant, template, pairs, local_today(tenant, timezone.now()))
    return explain_analyze(sql, params)


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
