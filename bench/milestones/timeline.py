"""Issue 18: one lead's milestone timeline, the selector and the API request, for the largest
bench tenant (bench-00: 100,000 leads, ~515,000 milestones).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_<name>_bench \\
        .venv/bin/python -m bench.milestones.timeline [--iterations 30] [--profile]

Needs the data of `bench.leads.generate` and `bench.milestones.run`. Picks `--iterations` leads
of bench-00 that have milestones (seeded), then times round-robin after warm-ups: the selector
(`lead_timeline`, the database work of the API and the page) and GET
customization/milestones/{lead_id}/ through Django's test client as a manager, signed in by
token (an API client) and by session (the browser). Prints wall
p50/p95, the process's CPU time per call (the database's own work is not in it), statements
and their time, and the load average before and after. `--profile` prints instead a cProfile
of 200 selector calls and the statements of one call. Run it from two checkouts in turn (same
database, same seed) to compare a change with what it replaces."""

import argparse
import cProfile
import os
import pstats
import random

from bench.lib.querylog import QueryLog
from bench.lib.setup import database_label, setup_django
from bench.lib.timing import load_average

from .issue18 import Scenario, table

TENANT_SLUG = "bench-00"
TARGET_MS = 8.0


def sample_leads(tenant, count: int, seed: int) -> list:
    """`count` leads of the tenant that have milestones, the same for a seed."""
    from crm.models import Lead
    from milestones.models import LeadMilestone

    ids = LeadMilestone.objects.filter(tenant=tenant).values_list("lead_id", flat=True)
    chosen = random.Random(seed).sample(sorted(set(ids)), count)
    by_id = {lead.pk: lead for lead in Lead.objects.filter(pk__in=chosen)}
    return [by_id[pk] for pk in chosen]


def print_profile(selector, runs: int) -> None:
    """The statements of one selector call, then a cProfile of `runs` calls."""
    from django.db import connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        timeline = selector(0)
    print(f"{len(timeline.entries)} entries, {log.count} statements, {log.ms:.2f} ms:")
    for ms, sql, _ in log.entries:
        print(f"  {ms:6.2f} ms  {' '.join(sql.split())[:160]}")
    profile = cProfile.Profile()
    profile.enable()
    for i in range(runs):
        selector(i)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


def api_calls(user, leads) -> dict:
    """GET of the i-th lead's timeline, signed in by token and by session."""
    from django.test import Client
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    session = Client()
    session.force_login(user)
    tokens = APIClient()
    tokens.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")

    def get(client):
        def call(i):
            response = client.get(f"/api/v1/customization/milestones/{leads[i].pk}/")
            assert response.status_code == 200, response.status_code

        return call

    return {"token": get(tokens), "session": get(session)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--profile", action="store_true", help="cProfile the selector instead")
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)
    warmup = 3
    setup_django(allow_any_database=args.allow_any_database)

    from django.utils import timezone

    from milestones.selectors.timeline import lead_timeline
    from tenancy.models import Membership, Role, Tenant

    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    print(f"{database_label()}; load average before: {load_average()} ({os.cpu_count()} CPUs)")
    leads = sample_leads(tenant, args.iterations + warmup, args.seed)
    now = timezone.now()

    def selector(i):
        return lead_timeline(tenant=tenant, lead=leads[i % len(leads)], now=now)

    if args.profile:
        print_profile(selector, 200)
        return
    manager = Membership.objects.filter(tenant=tenant, role=Role.MANAGER).first()
    calls = api_calls(manager.user, leads)
    scenarios = [
        Scenario("lead timeline: selector", selector, target=TARGET_MS),
        *(
            Scenario(f"lead timeline: API GET, {way} (manager)", call, target=TARGET_MS)
            for way, call in calls.items()
        ),
    ]
    for i in range(-warmup, args.iterations):  # round-robin; the warm-ups on the last leads
        for s in scenarios:
            (s.call if i < 0 else s.measure)(i)
    print(f"{table(scenarios)}\n\nload average after: {load_average()}")


if __name__ == "__main__":
    main()
