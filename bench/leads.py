"""Time the leads API for the largest bench tenant (bench-00, 100,000 leads) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_bench \\
        .venv/bin/python -m bench.leads [--iterations 50] [--only page] [--explain over|all|none]

Requests go through the whole Django stack in-process (middleware, DRF token authentication,
tenant resolution, filters, pagination, serialisation, JSON rendering) with DRF's APIClient, as a
manager (who sees every lead). The HTTP socket and the WSGI server are not included. Each
scenario is warmed up, then run N times with varied parameters; the script prints p50/p95/min
per scenario, the ratio to its target, the SQL queries per request and the share of time spent in
the database, and EXPLAIN (ANALYZE, BUFFERS) of the slowest query of the scenarios over target.
"""

import argparse
import json
import math
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from ._setup import BASE_DIR, database_label, setup_django

TENANT_SLUG = "bench-00"
USERNAME = "bench-00-manager1"
PAGE_TARGET_MS = 30.0
REPORT_TARGET_MS = 200.0
RESULTS_DIR = BASE_DIR / "bench" / ".data"


@dataclass
class Scenario:
    name: str
    description: str
    target_ms: float | None
    urls: list[str]
    # Optional: the same work without DRF (selector only), to show the API's own overhead.
    direct: Callable[[int], object] | None = None


@dataclass
class Result:
    scenario: Scenario
    total_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    direct_ms: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    slowest: tuple[float, str, object, str] | None = None  # (ms, sql, params, url)


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * p / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


class QueryLog:
    """A connection.execute_wrapper that times every query of a request."""

    def __init__(self):
        self.entries: list[tuple[float, str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.entries.append(((time.perf_counter() - start) * 1000, sql, params))


# ---------------------------------------------------------------------------------------------
# Scenarios


def build_scenarios(*, tenant, membership, iterations: int, seed: int) -> list[Scenario]:
    from django.db.models import Count, Max

    from crm.models import Lead, LeadSource, LeadStatus, Tag
    from crm.selectors.leads import lead_statistics, leads_visible_to
    from crm.selectors.sources import DateRange, source_performance
    from tenancy.models import Membership, Role

    rng = random.Random(seed)
    n = iterations

    def cycle(make: Callable[[int], dict], path: str = "/api/v1/leads/") -> list[str]:
        return [f"{path}?{urlencode(make(i))}" if make(i) else path for i in range(n)]

    sources = list(LeadSource.objects.for_tenant(tenant).live().order_by("display_order"))
    codes = [s.source_code for s in sources]
    statuses = [s for s in LeadStatus.values if s != LeadStatus.CALLBACK]
    pages = [1, 1, 1, 1, 2, 2, 3, 4, 5, 10]
    agents = list(
        Membership.objects.filter(tenant=tenant, role=Role.AGENT).values_list("user_id", flat=True)
    )
    open_statuses = ["NEW", "CONTACTED", "CALLBACK", "QUALIFIED", "PROPOSAL", "NEGOTIATION"]
    tags = list(
        Tag.objects.for_tenant(tenant)
        .annotate(n=Count("lead_tags"))
        .order_by("n", "name")
        .values_list("name", flat=True)
    )
    # "Today" of the data set: the day after its newest lead, so windows stay comparable when
    # the data was generated days ago (the generator's --anchor).
    newest = Lead.objects.for_tenant(tenant).aggregate(newest=Max("created_at"))["newest"]
    today = newest.astimezone(tenant.tzinfo).date() + timedelta(days=1)

    # Search terms taken from the tenant's own leads (a seeded sample), so they find something.
    sample_ids = sorted(
        rng.sample(list(Lead.objects.for_tenant(tenant).values_list("pk", flat=True)), 4 * n)
    )
    sample = list(
        Lead.objects.filter(pk__in=sample_ids)
        .order_by("pk")
        .values("first_name", "last_name", "email", "company")
    )
    name_terms, email_terms = [], []
    for i, lead in enumerate(sample):
        if lead["last_name"] and len(name_terms) < n:
            name_terms.append(
                lead["last_name"].lower()
                if i % 3 == 0
                else f"{lead['first_name']} {lead['last_name']}".lower()
                if i % 3 == 1
                else lead["last_name"][:5].lower()
            )
        if lead["email"] and len(email_terms) < n:
            local, _, host = lead["email"].partition("@")
            email_terms.append(
                f"{local}@"
                if i % 3 != 2
                else (lead["email"] if i % 2 else f"@{host.split('.')[0]}")
            )

    scenarios = [
        Scenario(
            "page: status+source, -lead_score",
            "?status=S&source=C&ordering=-lead_score&page_size=50&page=K",
            PAGE_TARGET_MS,
            cycle(
                lambda i: {
                    "status": statuses[i % len(statuses)],
                    "source": codes[(i // len(statuses) + i) % len(codes)],
                    "ordering": "-lead_score",
                    "page_size": 50,
                    "page": pages[i % len(pages)],
                }
            ),
        ),
        Scenario(
            "page: all, default order",
            "?page_size=50&page=K (ordering -created_at)",
            PAGE_TARGET_MS,
            cycle(lambda i: {"page_size": 50, "page": pages[i % len(pages)]}),
        ),
        Scenario(
            "page: agent's open leads by follow-up",
            "?assigned_to=U&status=S&ordering=next_follow_up_date",
            PAGE_TARGET_MS,
            cycle(
                lambda i: {
                    "assigned_to": agents[i % len(agents)],
                    "status": open_statuses[i % len(open_statuses)],
                    "ordering": "next_follow_up_date",
                    "page_size": 50,
                }
            ),
        ),
        Scenario(
            "page: hot + tag, -estimated_value",
            "?is_hot_leads_only=true&tags=T&ordering=-estimated_value",
            PAGE_TARGET_MS,
            cycle(
                lambda i: {
                    "is_hot_leads_only": "true",
                    "tags": tags[i % len(tags)],
                    "ordering": "-estimated_value",
                    "page_size": 50,
                    "page": pages[i % 4],
                }
            ),
        ),
        Scenario(
            "page: created in a month, by company",
            "?created_after=D&created_before=D+30&ordering=company",
            PAGE_TARGET_MS,
            cycle(
                lambda i: {
                    "created_after": (today - timedelta(days=30 + 14 * i)).isoformat(),
                    "created_before": (today - timedelta(days=14 * i)).isoformat(),
                    "ordering": "company",
                    "page_size": 50,
                }
            ),
        ),
        Scenario(
            "page: archived only",
            "?archived_only=true&page_size=50&page=K (ordering -created_at)",
            PAGE_TARGET_MS,
            cycle(lambda i: {"archived_only": "true", "page_size": 50, "page": pages[i % 4]}),
        ),
        Scenario(
            "search: name",
            "?search=<last name | first last | 5-letter prefix>",
            PAGE_TARGET_MS,
            cycle(lambda i: {"search": name_terms[i % len(name_terms)], "page_size": 50}),
        ),
        Scenario(
            "search: email fragment",
            "?search=<local-part@ | whole address | @company>",
            PAGE_TARGET_MS,
            cycle(lambda i: {"search": email_terms[i % len(email_terms)], "page_size": 50}),
        ),
        Scenario(
            "statistics: all leads",
            "GET /api/v1/leads/statistics/",
            REPORT_TARGET_MS,
            ["/api/v1/leads/statistics/"] * n,
            direct=lambda i: lead_statistics(
                leads=leads_visible_to(tenant=tenant, membership=membership).filter(
                    archived_at__isnull=True
                )
            ),
        ),
        Scenario(
            "statistics: one source, last year",
            "statistics/?source=C&created_after=today-365",
            REPORT_TARGET_MS,
            cycle(
                lambda i: {
                    "source": codes[i % len(codes)],
                    "created_after": (today - timedelta(days=365)).isoformat(),
                },
                "/api/v1/leads/statistics/",
            ),
        ),
    ]

    def period(i: int) -> DateRange:
        end = today - timedelta(days=i % 30)
        return DateRange(end - timedelta(days=364), end)

    by_code = {s.source_code: s for s in sources}
    scenarios.append(
        Scenario(
            "source performance: 1 year",
            "lead-sources/{code}/performance/?start_date=&end_date= (365 days)",
            REPORT_TARGET_MS,
            [
                f"/api/v1/customization/lead-sources/{codes[i % len(codes)]}/performance/?"
                + urlencode({"start_date": period(i).start.isoformat(), "end_date": period(i).end})
                for i in range(n)
            ],
            direct=lambda i: source_performance(
                tenant=tenant, source=by_code[codes[i % len(codes)]], period=period(i)
            ),
        )
    )
    scenarios.append(
        Scenario(
            "extra: lead-sources list with counters",
            "GET /api/v1/customization/lead-sources/ (leads_generated, conversion_count)",
            REPORT_TARGET_MS,
            ["/api/v1/customization/lead-sources/"] * n,
        )
    )
    return scenarios


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
    result.db_ms.append(sum(ms for ms, _, _ in log.entries))
    result.queries.append(len(log.entries))
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
    from django.db import connection

    ms, sql, params, url = result.slowest
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    return f"-- {result.scenario.name}: slowest query {ms:.1f} ms, from {url}\n{sql}\n{plan}\n"


def fmt(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.1f}"


def table(results: list[Result]) -> str:
    head = (
        "| scenario | target ms | p50 ms | p95 ms | min ms | p50/target | p95/target "
        "| queries | DB ms p50 | selector ms p50 |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in results:
        t = r.scenario.target_ms
        p50, p95 = percentile(r.total_ms, 50), percentile(r.total_ms, 95)
        q = sorted(r.queries)[len(r.queries) // 2]
        lines.append(
            f"| {r.scenario.name} | {fmt(t)} | {fmt(p50)} | {fmt(p95)} | {fmt(min(r.total_ms))} "
            f"| {f'{p50 / t:.2f}×' if t else '—'} | {f'{p95 / t:.2f}×' if t else '—'} | {q} "
            f"| {fmt(percentile(r.db_ms, 50))} | {fmt(percentile(r.direct_ms, 50))} |"
        )
    return "\n".join(lines)


def environment() -> dict:
    import django
    import rest_framework
    from django.db import connection

    from crm.models import Lead
    from tenancy.models import Tenant

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost"):
            cur.execute(f"SHOW {name}")
            settings[name] = cur.fetchone()[0]
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "drf": rest_framework.VERSION,
        "postgresql": version,
        "pg_settings": settings,
        "cpus": os.cpu_count(),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
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
        raise SystemExit("No bench data: run `python -m bench.generate_leads` first.")
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
        rows = sorted(result.rows)[len(result.rows) // 2]
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
                            "queries": sorted(r.queries)[len(r.queries) // 2],
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
