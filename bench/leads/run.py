"""Time the leads API for the largest bench tenant (bench-00, 100,000 leads) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_bench \\
        .venv/bin/python -m bench.leads.run [--iterations 50] [--only page]
            [--explain over|all|none]

Requests go through the whole Django stack in-process (middleware, DRF token authentication,
tenant resolution, filters, pagination, serialisation, JSON rendering) with DRF's APIClient, as a
manager (who sees every lead). The HTTP socket and the WSGI server are not included. Each
scenario is warmed up, then run N times with varied parameters; the script prints p50/p95/min
per scenario, the ratio to its target, the SQL queries per request and the share of time spent in
the database, and EXPLAIN (ANALYZE, BUFFERS) of the slowest query of the scenarios over target.
"""

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.lib.environment import environment as server_environment
from bench.lib.querylog import QueryLog, explain_analyze
from bench.lib.setup import database_label, setup_django
from bench.lib.timing import fmt, median_int, percentile

from .scenarios import Scenario, build_scenarios

TENANT_SLUG = "bench-00"
USERNAME = "bench-00-manager1"


@dataclass
class Result:
    scenario: Scenario
    total_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    direct_ms: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    slowest: tuple[float, str, object, str] | None = None  # (ms, sql, params, url)


# ---------------------------------------------------------------------------------------------
# Running


def _get(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} -> {response.status_code}: {response.content[:500]!r}")
    return response


def measure(client, result: Result, i: int) -> None:
    """One timed request (with its SQL timed by an execute wrapper), then the selector alone."""
    from django.db import connection

    scenario = result.scenario
    url = scenario.urls[i]
    log = QueryLog()
    with connection.execute_wrapper(log):
        start = time.perf_counter()
        response = _get(client, url)
        elapsed = (time.perf_counter() - start) * 1000
    body = response.json()
    result.rows.append(body.get("count", -1) if isinstance(body, dict) else -1)
    result.total_ms.append(elapsed)
    result.db_ms.append(log.ms)
    result.queries.append(log.count)
    ms, sql, params = max(log.entries, key=lambda e: e[0])
    if result.slowest is None or ms > result.slowest[0]:
        result.slowest = (ms, sql, params, url)
    if scenario.direct is not None:
        start = time.perf_counter()
        scenario.direct(i)
        result.direct_ms.append((time.perf_counter() - start) * 1000)


def run(client, scenarios: list[Scenario], *, iterations: int, warmup: int) -> list[Result]:
    """Warm every scenario up, then time them round-robin (iteration i of each scenario in
    turn), so a burst of load elsewhere on the machine spreads over all scenarios."""
    results = [Result(s) for s in scenarios]
    for scenario in scenarios:
        for url in scenario.urls[:warmup]:
            _get(client, url)
    for i in range(iterations):
        for result in results:
            measure(client, result, i)
    return results


def explain(result: Result) -> str:
    ms, sql, params, url = result.slowest
    plan = explain_analyze(sql, params)
    return f"-- {result.scenario.name}: slowest query {ms:.1f} ms, from {url}\n{sql}\n{plan}\n"


def table(results: list[Result]) -> str:
    head = (
        "| scenario | target ms | p50 ms | p95 ms | min ms | p50/target | p95/target "
        "| queries | DB ms p50 | selector ms p50 |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in results:
        t = r.scenario.target_ms
        p50, p95 = percentile(r.total_ms, 50), percentile(r.total_ms, 95)
        q = median_int(r.queries)
        lines.append(
            f"| {r.scenario.name} | {fmt(t)} | {fmt(p50)} | {fmt(p95)} | {fmt(min(r.total_ms))} "
            f"| {f'{p50 / t:.2f}×' if t else '—'} | {f'{p95 / t:.2f}×' if t else '—'} | {q} "
            f"| {fmt(percentile(r.db_ms, 50))} | {fmt(percentile(r.direct_ms, 50))} |"
        )
    return "\n".join(lines)


def environment() -> dict:
    import rest_framework

    from crm.models import Lead
    from tenancy.models import Tenant

    return {
        **server_environment(),
        "drf": rest_framework.VERSION,
        "database": database_label(),
        "tenants": Tenant.objects.count(),
        "leads": Lead.objects.count(),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="", help="run scenarios whose name contains this")
    parser.add_argument(
        "--explain",
        choices=["over", "all", "none"],
        default="over",
        help="EXPLAIN (ANALYZE, BUFFERS) the slowest query of scenarios over target (default)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)

    setup_django(allow_any_database=args.allow_any_database)
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tenancy.models import Membership, Tenant

    tenant = Tenant.objects.filter(slug=TENANT_SLUG).first()
    membership = Membership.objects.filter(tenant=tenant, user__username=USERNAME).first()
    if tenant is None or membership is None:
        raise SystemExit("No bench data: run `python -m bench.leads.generate` first.")
    token, _ = Token.objects.get_or_create(user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    env = environment()
    print(
        f"{env['database']}: PostgreSQL {env['postgresql']} {env['pg_settings']}; "
        f"{env['cpus']} CPUs; Python {env['python']}, Django {env['django']}, DRF {env['drf']}"
    )
    print(
        f"load average before the run: {env['load_average']} (other work on the machine "
        "skews the figures)"
    )
    print(
        f"{env['leads']:,} leads over {env['tenants']} tenants; timing tenant {tenant.slug} as "
        f"{membership.user.username} ({membership.role}), {args.iterations} iterations after "
        f"{args.warmup} warm-up requests per scenario\n"
    )
    scenarios = build_scenarios(
        tenant=tenant, membership=membership, iterations=args.iterations, seed=args.seed
    )
    scenarios = [s for s in scenarios if not args.only or args.only in s.name]
    results = run(client, scenarios, iterations=args.iterations, warmup=args.warmup)
    for result in results:
        rows = median_int(result.rows)
        print(
            f"{result.scenario.name:<40} p50 {percentile(result.total_ms, 50):7.1f} ms  "
            f"p95 {percentile(result.total_ms, 95):7.1f} ms  "
            f"(median matching rows {rows if rows >= 0 else '—'})"
        )
    print()
    print(table(results))
    print("\nqueries = SQL statements per request (median); DB ms = time inside those statements.")

    chosen = [
        r
        for r in results
        if args.explain == "all"
        or (
            args.explain == "over"
            and r.scenario.target_ms
            and percentile(r.total_ms, 50) > r.scenario.target_ms
        )
    ]
    for r in chosen:
        print("\n" + explain(r))

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "environment": env,
                    "iterations": args.iterations,
                    "scenarios": [
                        {
                            "name": r.scenario.name,
                            "description": r.scenario.description,
                            "target_ms": r.scenario.target_ms,
                            "p50_ms": percentile(r.total_ms, 50),
                            "p95_ms": percentile(r.total_ms, 95),
                            "min_ms": min(r.total_ms),
                            "db_p50_ms": percentile(r.db_ms, 50),
                            "selector_p50_ms": percentile(r.direct_ms, 50),
                            "queries": median_int(r.queries),
                        }
                        for r in results
                    ],
                },
                indent=2,
                default=str,
            )
        )
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main(sys.argv[1:])
