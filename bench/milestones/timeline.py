"""Issue 18: one lead's milestone timeline, the selector and the API request, for the largest
bench tenant (bench-00: 100,000 leads, ~515,000 milestones).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_<name>_bench \\
        .venv/bin/python -m bench.milestones.timeline [--iterations 30] [--profile]

Needs the data of `bench.leads.generate` and `bench.milestones.run`. Picks `--iterations` leads
of bench-00 that have milestones (seeded), then times round-robin after warm-ups: the selector
(`lead_timeline`, the database work of the API and the page) and GET
customization/milestones/{lead_id}/ through Django's test client as a manager. Prints wall
p50/p95, the process's CPU time per call (the database's own work is not in it), statements
and their time, and the load average before and after. `--profile` prints instead a cProfile
of 200 selector calls and the statements of one call. Run it from two checkouts in turn (same
database, same seed) to compare a change with what it replaces."""

import argparse
import cProfile
import os
import pstats
import random
import time

from bench.lib.querylog import QueryLog
from bench.lib.setup import database_label, setup_django
from bench.lib.timing import fmt, load_average, median_int, percentile

TENANT_SLUG = "bench-00"
TARGET_MS = 8.0


class Scenario:
    def __init__(self, name: str, call):
        self.name, self.call = name, call
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.db: list[float] = []
        self.queries: list[int] = []

    def measure(self, i: int) -> None:
        from django.db import connection

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
        "| scenario | runs | p50 ms | p95 ms | CPU ms p50 | queries | SQL ms p50 | p50 ÷ target |",
        "|" + "---|" * 8,
    ]
    for s in scenarios:
        p50 = percentile(s.wall, 50)
        lines.append(
            f"| {s.name} | {len(s.wall)} | {fmt(p50)} | {fmt(percentile(s.wall, 95))} "
            f"| {fmt(percentile(s.cpu, 50))} | {median_int(s.queries)} "
            f"| {fmt(percentile(s.db, 50))} | {p50 / TARGET_MS:.2f}× |"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)
    setup_django(allow_any_database=args.allow_any_database)

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from crm.models import Lead
    from milestones.models import LeadMilestone
    from milestones.selectors.timeline import lead_timeline
    from tenancy.models import Membership, Role, Tenant

    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    manager = Membership.objects.filter(tenant=tenant, role=Role.MANAGER).first()
    print(f"database {database_label()}; load average before: {load_average()} ({os.cpu_count()})")
    with_milestones = sorted(
        set(LeadMilestone.objects.filter(tenant=tenant).values_list("lead_id", flat=True))
    )
    rng = random.Random(args.seed)
    lead_ids = rng.sample(with_milestones, args.iterations + args.warmup)
    leads = {lead.pk: lead for lead in Lead.objects.filter(pk__in=lead_ids)}
    now = timezone.now()

    def selector(i):
        return lead_timeline(tenant=tenant, lead=leads[lead_ids[i]], now=now)

    if args.profile:
        log = QueryLog()
        with connection.execute_wrapper(log):
            timeline = selector(0)
        print(f"{len(timeline.entries)} entries, {log.count} statements, {log.ms:.2f} ms:")
        for ms, sql, _ in log.entries:
            print(f"  {ms:6.2f} ms  {' '.join(sql.split())[:160]}")
        profile = cProfile.Profile()
        profile.enable()
        for i in range(200):
            selector(i % len(lead_ids))
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        return

    client = Client()
    client.force_login(manager.user)

    def api(i):
        response = client.get(f"/api/v1/customization/milestones/{lead_ids[i]}/")
        assert response.status_code == 200, response.status_code

    scenarios = [
        Scenario("lead timeline: selector", selector),
        Scenario("lead timeline: API GET (manager, whole request)", api),
    ]
    for i in range(args.warmup):
        for s in scenarios:
            s.call(args.iterations + i)
    for i in range(args.iterations):
        for s in scenarios:
            s.measure(i)
    print(table(scenarios))
    print(f"\nload average after: {load_average()}")


if __name__ == "__main__":
    main()
