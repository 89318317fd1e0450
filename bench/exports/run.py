"""Issue 15's export target over the exports data set (bench.exports.data): all 200,000
customers of `exp-00` (10 custom fields, tags) to CSV in ≤ 10 s on PostgreSQL, through the API
view end to end (`GET /api/v1/customers/export/?format=csv` by a signed-in manager, the streamed
body consumed), and the same to XLSX; peak memory (resource.getrusage, max RSS) of each.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/atrium_expbench \\
        .venv/bin/python -m bench.exports.run [--iterations 3]

Each format runs in its own child process, so its peak RSS is its own; the RSS after Django's
set-up (before the export) is printed beside it. Also timed: a filtered export (`cf_tier=Gold`
and a tag), and the statements each export sends."""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

from .data import DEFAULT_DATABASE_URL, TENANT_SLUG

TARGET_CSV_S = 10.0
MANAGER = "exp-bench-manager"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(fmt: str, params: dict, iterations: int) -> dict:
    """One format's runs, in this (child) process; prints one JSON line."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from django.db import connection
    from rest_framework.test import APIClient

    from bench.lib.querylog import QueryLog
    from crm.models import Customer
    from tenancy.models import Membership, Role, Tenant
    from tests.factories import UserFactory

    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    user = UserFactory(username=MANAGER)
    Membership.objects.get_or_create(tenant=tenant, user=user, defaults={"role": Role.MANAGER})
    client = APIClient()
    client.force_authenticate(user)
    expected = Customer.objects.for_tenant(tenant).count()
    before = rss_mb()
    seconds, cpu_seconds, sizes, statements = [], [], [], 0
    for _ in range(iterations):
        log = QueryLog()
        with connection.execute_wrapper(log):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get("/api/v1/customers/export/", {"format": fmt, **params})
            assert response.status_code == 200, response.status_code
            size = lines = 0
            chunks = response.streaming_content if response.streaming else [response.content]
            for piece in chunks:
                size += len(piece)
                if fmt == "csv":
                    lines += piece.count(b"\r\n")
            response.close()
            seconds.append(time.perf_counter() - started)
            cpu_seconds.append(time.process_time() - cpu)
        statements = log.count
        sizes.append(size)
        if fmt == "csv" and not params:
            # Quoted cells may hold line breaks; the data set's do not.
            assert lines == expected + 1, (lines, expected)
    return {
        "format": fmt,
        "params": params,
        "rows": expected,
        "seconds": seconds,
        "median_s": statistics.median(seconds),
        "cpu_s": statistics.median(cpu_seconds),
        "load": os.getloadavg()[0],
        "bytes": sizes[-1],
        "statements": statements,
        "rss_before_mb": before,
        "rss_peak_mb": rss_mb(),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, json.loads(args.params), args.iterations)))
        return
    scenarios = [
        ("csv", {}),
        ("xlsx", {}),
        ("csv", {"cf_tier": "Gold", "tags": "b2b"}),
        ("csv", {"ordering": "-created_at"}),
    ]
    print(f"Export of {TENANT_SLUG}'s customers, {args.iterations} run(s) each, own process each")
    print(f"{'scenario':<36} {'median s':>9} {'runs s':>22} {'CPU s':>6} {'MB out':>7} "
          f"{'SQL':>5} {'RSS before':>10} {'RSS peak':>9} {'load':>5}")  # fmt: skip
    results = []
    for fmt, params in scenarios:
        out = subprocess.run(
            [sys.executable, "-m", "bench.exports.run", "--child", fmt,
             "--params", json.dumps(params), "--iterations", str(args.iterations)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(r)
        label = f"{fmt} " + ("&".join(f"{k}={v}" for k, v in params.items()) or "(all)")
        runs = ", ".join(f"{s:.2f}" for s in r["seconds"])
        print(
            f"{label:<36} {r['median_s']:>9.2f} {runs:>22} {r['cpu_s']:>6.2f} "
            f"{r['bytes'] / 1e6:>7.1f} {r['statements']:>5} {r['rss_before_mb']:>8.0f}MB "
            f"{r['rss_peak_mb']:>7.0f}MB {r['load']:>5.1f}"
        )
    csv_all = results[0]
    verdict = "meets" if csv_all["median_s"] <= TARGET_CSV_S else "MISSES"
    print(
        f"CSV of {csv_all['rows']:,} customers: {csv_all['median_s']:.2f} s against ≤ "
        f"{TARGET_CSV_S:.0f} s ({csv_all['median_s'] / TARGET_CSV_S:.2f} of the target): {verdict}"
    )


if __name__ == "__main__":
    sys.exit(main())
