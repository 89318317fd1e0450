"""Times the customer timeline on the data set of bench.timeline.generate: the first page of the
busy customer's timeline (the target: ≤ 30 ms p50), a page deep in it, one kind, and the same
first page through the API as a manager and as an agent (authentication, the customer's access
check and the JSON included).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_tlbench \\
        .venv/bin/python -m bench.timeline.run [--iterations 50] [--explain]
"""

import argparse
import os
import time

from bench.timeline.generate import DEFAULT_DATABASE_URL, TENANT_SLUG


def timed(fn, iterations: int, warmup: int = 3) -> tuple[list[float], int]:
    from django.db import connection

    from bench.lib.querylog import QueryLog

    for _ in range(warmup):
        fn()
    samples, queries = [], 0
    for _ in range(iterations):
        log = QueryLog()
        with connection.execute_wrapper(log):
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
        queries = log.count
    return samples, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from bench.lib.querylog import QueryLog, explain_analyze
    from bench.lib.timing import fmt, load_average, percentile
    from crm.models import Customer
    from crm.timeline import customer_timeline
    from tenancy.models import Membership, Role, Tenant

    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    busy = Customer.objects.get(tenant=tenant, first_name="Busy")
    members = {}
    for role in (Role.MANAGER, Role.AGENT):
        user, _ = get_user_model().objects.get_or_create(username=f"tl-bench-{role}")
        members[role], _ = Membership.objects.get_or_create(
            tenant=tenant, user=user, defaults={"role": role}
        )
    print(f"tenant {TENANT_SLUG}: {Customer.objects.filter(tenant=tenant).count():,} customers")

    def first(**kw):
        return customer_timeline(tenant=tenant, customer=busy, limit=50, **kw)

    cursor = None
    for _ in range(20):  # the 21st page: 1,000 entries back
        cursor = customer_timeline(tenant=tenant, customer=busy, cursor=cursor).next_cursor
    total = 0
    page = None
    while True:  # count the whole timeline once, through the pages
        page = customer_timeline(
            tenant=tenant, customer=busy, limit=200, cursor=page.next_cursor if page else None
        )
        total += len(page.entries)
        if not page.next_cursor:
            break
    print(f"busy customer #{busy.pk}: {total:,} entries on its timeline")

    clients = {}
    for role, member in members.items():
        clients[role] = Client(HTTP_HOST="localhost")
        clients[role].force_login(member.user)
    url = reverse("customer-timeline", kwargs={"pk": busy.pk})

    scenarios = {
        "first page (selector, 50)": lambda: first(),
        "first page, as an agent": lambda: first(membership=members[Role.AGENT]),
        "page 21 (1,000 entries back)": lambda: customer_timeline(
            tenant=tenant, customer=busy, cursor=cursor
        ),
        "one kind (callback)": lambda: first(kinds=frozenset({"callback"})),
        "API first page, manager": lambda: clients[Role.MANAGER].get(url),
        "API first page, agent": lambda: clients[Role.AGENT].get(url),
    }
    print(f"load average before: {load_average()}")
    print("| scenario | p50 ms | p95 ms | queries |\n|---|---:|---:|---:|")
    for name, fn in scenarios.items():
        samples, queries = timed(fn, args.iterations)
        print(
            f"| {name} | {fmt(percentile(samples, 50))} | {fmt(percentile(samples, 95))} "
            f"| {queries} |"
        )
    print(f"load average after: {load_average()}")
    if args.explain:
        log = QueryLog()
        from django.db import connection

        with connection.execute_wrapper(log):
            first()
        for ms, sql, params in log.entries:
            print(f"\n-- {ms:.2f} ms\n{explain_analyze(sql, params)}")


if __name__ == "__main__":
    main()
