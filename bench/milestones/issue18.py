"""Issue 18: the overdue list read from the open steps kept as rows, and the milestone dashboard
from the shared cache, for the largest bench tenant (bench-00: 100,000 leads, ~60,000 open).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_<name>_bench \\
        .venv/bin/python -m bench.milestones.issue18 [--iterations 30] [--before 5]

Needs the data of `bench.leads.generate` and `bench.milestones.run` (which loads the milestones
and rebuilds the open steps). First checks that the kept rows of bench-00 equal the full
computation (milestones.selectors.open_steps), then times, round-robin after warm-ups:
the overdue selector (count + a page) as a manager and an agent, the overdue page and API
through Django's test client, the same list computed as before this issue (the full
computation per request, `--before` runs), and the dashboard page warm (cached) and cold (the
tenant's version bumped before each request, `--before` runs). Prints wall p50/p95, the
process's CPU time per request (the database's own work is not in it) and the load average
before and after."""

import argparse
import os
import random
import time

from bench.lib.querylog import QueryLog
from bench.lib.setup import database_label, setup_django
from bench.lib.timing import fmt, load_average, median_int, percentile

TENANT_SLUG = "bench-00"
OVERDUE_TARGET_MS = 50.0
DASHBOARD_TARGET_MS = 60.0
BEFORE = {"overdue": 2000.0, "dashboard": 460.0}  # the figures


class Scenario:
    def __init__(self, name: str, call, *, target=None, before=None, runs=None):
        self.name, self.call, self.target, self.before, self.runs = (
            name,
            call,
            target,
            before,
            runs,
        )
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.db: list[float] = []
        self.queries: list[int] = []

    def measure(self, i: int) -> None:
        from django.db import connection

        if self.runs is not None and len(self.wall) >= self.runs:
            return
        log = QueryLog()
        with connection.execute_wrapper(log):
            cpu, start = time.process_time(), time.perf_counter()
            self.call(i)
            self.wall.append((time.perf_counter() - start) * 1000)
            self.cpu.append((time.process_time() - cpu) * 1000)
        self.db.append(log.ms)
        self.queries.append(log.count)


def table(scenarios: list[Scenario]) -> str:
    lines = [
        "| scenario | runs | p50 ms | p95 ms | CPU ms p50 | queries | SQL ms p50 | target "
        "| p50 ÷ target | before | before ÷ p50 |",
        "|" + "---|" * 11,
    ]
    for s in scenarios:
        p50, p95 = percentile(s.wall, 50), percentile(s.wall, 95)
        lines.append(
            f"| {s.name} | {len(s.wall)} | {fmt(p50)} | {fmt(p95)} | {fmt(percentile(s.cpu, 50))} "
            f"| {median_int(s.queries)} | {fmt(percentile(s.db, 50))} "
            f"| {fmt(s.target, 0)} | {f'{p50 / s.target:.2f}×' if s.target else '—'} "
            f"| {fmt(s.before, 0)} | {f'{s.before / p50:.0f}×' if s.before else '—'} |"
        )
    return "\n".join(lines)


def computed_overdue(tenant, now):
    """The overdue list as it was computed before this issue: every open lead's open steps from
    its milestones, then the overdue ones in order (count + the first page of 50)."""
    from django.db import connection

    from crm.models import CLOSED_STATUSES, Lead
    from milestones.selectors.open_steps import open_steps_sql
    from milestones.selectors.timeline import local_today

    leads = (
        Lead.objects.for_tenant(tenant)
        .filter(archived_at__isnull=True)
        .exclude(status__in=CLOSED_STATUSES)
    )
    sql, params = open_steps_sql(tenant, leads, all_open=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT * FROM ({sql}) open_steps
                WHERE due_date < %s AND (is_expected = 0 OR status IS NULL)
                ORDER BY due_date, lead_id, milestone_type_id""",
            [*params, local_today(tenant, now)],
        )
        rows = cursor.fetchall()
    return len(rows), rows[:50]


def check_equal(tenant) -> int:
    """The kept rows of `tenant` equal the full computation, step by step."""
    from milestones.selectors.open_steps import kept_open_steps, open_lead_steps

    computed, kept = open_lead_steps(tenant=tenant), kept_open_steps(tenant=tenant)
    if kept != computed:
        differ = [k for k in computed.keys() | kept.keys() if computed.get(k) != kept.get(k)]
        raise SystemExit(f"kept open steps differ from the computation for {len(differ)} steps")
    return len(kept)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--before", type=int, default=5, help="runs of the slow 'before' paths")
    parser.add_argument("--skip-check", action="store_true")
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)
    setup_django(allow_any_database=args.allow_any_database)

    from django.core.cache import caches
    from django.test import Client
    from django.utils import timezone

    from milestones.models import LeadOpenStep
    from milestones.selectors.dashboard import MILESTONE_FIGURES
    from milestones.selectors.overdue import overdue_steps_for
    from tenancy.caching import bump_figures
    from tenancy.models import Membership, Role, Tenant

    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    manager = Membership.objects.filter(tenant=tenant, role=Role.MANAGER).first()
    agent = Membership.objects.filter(tenant=tenant, role=Role.AGENT).first()
    print(f"database {database_label()}; cache {caches['default'].__class__.__name__}")
    print(f"load average before: {load_average()} ({os.cpu_count()} CPUs)")
    if not args.skip_check:
        started = time.perf_counter()
        rows = check_equal(tenant)
        print(
            f"kept open steps of {tenant.slug} equal the computation: {rows:,} steps "
            f"({time.perf_counter() - started:.1f} s)"
        )
    now = timezone.now()
    managers, agents = Client(), Client()
    managers.force_login(manager.user)
    agents.force_login(agent.user)
    overdue_manager = overdue_steps_for(tenant=tenant, membership=manager, now=now)
    total = overdue_manager.count()
    pages = max(1, total // 50)
    rng = random.Random(18)
    deep = [rng.randrange(pages) for _ in range(args.iterations + args.warmup)]
    print(
        f"{LeadOpenStep.objects.filter(tenant=tenant).count():,} open steps kept, "
        f"{total:,} overdue (manager), {pages:,} pages of 50\n"
    )

    def selector(membership, page=0):
        steps = overdue_steps_for(tenant=tenant, membership=membership, now=now)
        return steps.count(), steps[page * 50 : page * 50 + 50]

    def get(client, url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    def cold_dashboard(i):
        bump_figures(tenant.pk, MILESTONE_FIGURES)  # outside a transaction: at once
        get(managers, "/milestones/bottlenecks/")

    scenarios = [
        Scenario(
            "overdue selector, manager: count + page 1",
            lambda i: selector(manager),
            target=OVERDUE_TARGET_MS,
            before=BEFORE["overdue"],
        ),
        Scenario(
            "overdue selector, manager: count + a random page",
            lambda i: selector(manager, deep[i]),
            target=OVERDUE_TARGET_MS,
            before=BEFORE["overdue"],
        ),
        Scenario(
            "overdue selector, agent (own + unassigned leads): count + page 1",
            lambda i: selector(agent),
            target=OVERDUE_TARGET_MS,
        ),
        Scenario(
            "overdue page (HTML, manager)",
            lambda i: get(managers, "/milestones/overdue/"),
            target=OVERDUE_TARGET_MS,
            before=BEFORE["overdue"],
        ),
        Scenario(
            "overdue API (manager)",
            lambda i: get(managers, "/api/v1/customization/milestones/overdue/"),
            target=OVERDUE_TARGET_MS,
            before=BEFORE["overdue"],
        ),
        Scenario(
            "overdue, computed per request (before this issue)",
            lambda i: computed_overdue(tenant, now),
            runs=args.before,
        ),
        Scenario(
            "dashboard page, warm (cached)",
            lambda i: get(managers, "/milestones/bottlenecks/"),
            target=DASHBOARD_TARGET_MS,
            before=BEFORE["dashboard"],
        ),
        Scenario("dashboard page, cold (after a change)", cold_dashboard, runs=args.before),
    ]
    for i in range(args.warmup):
        for s in scenarios:
            if s.runs is None:
                s.call(i)
    for i in range(args.iterations):
        for s in scenarios:
            s.measure(i)
    print(table(scenarios))
    print(f"\nload average after: {load_average()}")


if __name__ == "__main__":
    main()
