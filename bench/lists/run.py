"""Time the lists of issue 18 (capped counts, lean lists) through the API and as HTML pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_bench \\
        .venv/bin/python -m bench.lists.run [--iterations 30] [--only TEXT] [--quiet-below 1.5] \\
        [--per-filter 5] [--explain]

Runs the lead scenarios when the database holds the leads data set (bench-00, `bench.leads.
generate`) and the customer scenarios when it holds the custom-fields one (cfb-00, `bench.
customfields.generate`); either or both. Requests go through the whole Django stack in-process:
the API with a token (DRF's APIClient), the pages with a signed-in session (Django's Client),
as the data set's manager. Per scenario: p50/p95 of wall time, CPU time of this process, SQL
time and statements per request, the ratio to the issue's target and to its "today" figure, and
the load average around the run. `--quiet-below L` waits (up to `--wait` minutes) for the
1-minute load average to drop below L before timing, and says whether it did.

`--per-filter R` (default 5; 0 skips it) then times every distinct filter of the API's "AND of
two cf filters" R more times, round-robin over the filters, and prints one row per filter: its
matches (exact count), the p50 of its page statement (the `ORDER BY … LIMIT` read of the rows),
of its count statement and of the request, and its own target — the issue's `2 × page SQL +
10 ms`, and 20 ms for the AND — so each case is judged against its own figure. With
`--explain`, each filter's count and page statements are run once more under EXPLAIN (ANALYZE,
BUFFERS) and summed up: the index each reads through, the heap blocks it visits and the rows it
throws away there (the candidates the index could not judge).
"""

import argparse
import os
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.lib.querylog import QueryLog, explain_analyze
from bench.lib.setup import database_label, setup_django
from bench.lib.timing import fmt, load_average, median_int, percentile


@dataclass
class Scenario:
    name: str
    target_ms: float
    today_ms: float | None  # the figure before this work
    urls: list[str]
    page: bool = False  # an HTML page (session) rather than the API (token)
    total_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    per_filter: bool = False  # also timed filter by filter (`--per-filter`)


@dataclass
class FilterCase:
    """One filter of a scenario, timed apart: the request, its page and its count statements."""

    url: str
    matches: int = 0
    total_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    count_ms: list[float] = field(default_factory=list)
    plans: dict[str, str] = field(default_factory=dict)  # "count"/"page" -> summary


def lead_scenarios(n: int, seed: int):
    """(scenarios, manager membership) for bench-00, or None without the leads data set."""
    from bench.leads.run import TENANT_SLUG, USERNAME
    from bench.leads.scenarios import build_scenarios
    from tenancy.models import Membership

    membership = Membership.objects.filter(
        tenant__slug=TENANT_SLUG, user__username=USERNAME
    ).first()
    if membership is None:
        return None
    by_name = {
        s.name: s.urls
        for s in build_scenarios(
            tenant=membership.tenant, membership=membership, iterations=n, seed=seed
        )
    }

    def as_page(urls):  # the same filters on the page, 50 rows a page as the API's
        return [u.replace("/api/v1/leads/", "/leads/", 1) + "&page_size=50" for u in urls]

    plain = by_name["page: all, default order"]
    filtered = by_name["page: status+source, -lead_score"]
    hot = by_name["page: hot + tag, -estimated_value"]
    search = by_name["search: name"]
    return [
        Scenario("leads API: page, default order", 20, 29.6, plain),
        Scenario("leads API: status + source", 20, None, filtered),
        Scenario("leads API: hot + tag", 20, 64, hot),
        Scenario("leads API: search name", 20, None, search),
        Scenario("leads API: page, ?count=exact", 30, None, [f"{u}&count=exact" for u in plain]),
        Scenario("leads page: status + source", 40, None, as_page(filtered), page=True),
        Scenario("leads page: hot + tag", 40, None, as_page(hot), page=True),
        Scenario("leads page: search name", 40, 117, as_page(search), page=True),
    ], membership


def customer_scenarios(n: int, seed: int):
    """(scenarios, manager membership) for cfb-00, or None without the custom-fields data."""
    from bench.customfields.context import TENANT_SLUG, USERNAME, build_context
    from bench.customfields.ours import api_query
    from tenancy.models import Membership

    if not Membership.objects.filter(tenant__slug=TENANT_SLUG, user__username=USERNAME).exists():
        return None
    ctx = build_context(iterations=n, seed=seed)
    queries = [urlencode(api_query("and", p)) for p in ctx.cases["and"]]
    pages = [f"page={1 + i % 3}" for i in range(n)]
    api = "/api/v1/customers/?"
    page = "/customers/?page_size=50&"
    return [
        Scenario(
            "customers API: AND of two cf filters",
            20,
            116,
            [api + q for q in queries],
            per_filter=True,
        ),
        Scenario("customers API: page, default order", 20, None, [api + p for p in pages]),
        Scenario("customers page: AND of two cf", 40, 162, [page + q for q in queries], True),
        Scenario("customers page: default order", 40, None, [page + p for p in pages], True),
    ], ctx.membership


def clients(membership):
    from django.test import Client
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token, _ = Token.objects.get_or_create(user=membership.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    page = Client()
    page.force_login(membership.user)
    return api, page


def get(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} -> {response.status_code}: {response.content[:300]!r}")
    return response


def measure(scenario: Scenario, client, i: int) -> None:
    from django.db import connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        wall, cpu = time.perf_counter(), time.process_time()
        get(client, scenario.urls[i % len(scenario.urls)])
        scenario.cpu_ms.append((time.process_time() - cpu) * 1000)
        scenario.total_ms.append((time.perf_counter() - wall) * 1000)
    scenario.db_ms.append(log.ms)
    scenario.queries.append(log.count)


def is_page_statement(sql: str) -> bool:
    """The statement that reads a list's customers (not its count, nor a prefetch by ids)."""
    listed = sql.startswith('SELECT "crm_customer"."id"') and '"crm_customer"' in sql
    return listed and "ORDER BY" in sql and "LIMIT" in sql


def is_count_statement(sql: str) -> bool:
    return "COUNT(" in sql.upper() and '"crm_customer"' in sql


def matches(url: str, membership) -> int:
    """The exact number of the tenant's customers `url`'s custom-field filters match."""
    from urllib.parse import parse_qs, urlsplit

    from crm.models import Customer
    from customfields.selectors.query import filter_customers

    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    customers = Customer.objects.filter(tenant=membership.tenant)
    return filter_customers(customers, tenant=membership.tenant, params=params).count()


def plan_summary(sql: str, params) -> str:
    """`index → heap blocks, rows removed, ms` of a statement's EXPLAIN (ANALYZE, BUFFERS)."""
    plan = explain_analyze(sql, params)
    scans = re.findall(
        r"(?:Index Scan(?: Backward)?|Index Only Scan|Bitmap Index Scan) (?:using |on )(\w+)", plan
    )
    heap = sum(int(n) for n in re.findall(r"Heap Blocks: exact=(\d+)", plan))
    removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
    ms = re.search(r"Execution Time: ([\d.]+)", plan)
    how = " & ".join(scans) or ("Seq Scan" if "Seq Scan" in plan else "?")
    return f"{how}: {heap:,} heap blocks, {removed:,} removed, {float(ms.group(1)):.1f} ms"


def explain_case(case: FilterCase, client) -> None:
    from django.db import connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        get(client, case.url)
    for _, sql, params in log.entries:
        if is_count_statement(sql):
            case.plans["count"] = plan_summary(sql, params)
        elif is_page_statement(sql):
            case.plans["page"] = plan_summary(sql, params)


def run_per_filter(
    scenario: Scenario, client, membership, repeats: int, *, explain: bool = False
) -> list[FilterCase]:
    """Every distinct filter of `scenario`, `repeats` times each, round-robin over them; then,
    with `explain`, each one's plans (after the timing, so they do not warm its cache)."""
    from django.db import connection

    cases = [FilterCase(url) for url in dict.fromkeys(scenario.urls)]
    for case in cases:
        case.matches = matches(case.url, membership)
    for _ in range(repeats):
        for case in cases:
            log = QueryLog()
            with connection.execute_wrapper(log):
                wall = time.perf_counter()
                get(client, case.url)
                case.total_ms.append((time.perf_counter() - wall) * 1000)
            case.page_ms.append(sum(ms for ms, sql, _ in log.entries if is_page_statement(sql)))
            case.count_ms.append(sum(ms for ms, sql, _ in log.entries if is_count_statement(sql)))
    if explain:
        for case in cases:
            explain_case(case, client)
    return cases


def query_of(url: str) -> str:
    from urllib.parse import parse_qsl, urlsplit

    return " & ".join(f"{k}={v}" for k, v in parse_qsl(urlsplit(url).query))


def filter_table(cases: list[FilterCase], *, and_target: float) -> str:
    """One row per filter, most matches first: whether its p50 is within 2 × its page SQL +
    10 ms and within the AND's own target."""
    from tenancy.pagination import COUNT_CAP

    lines = [
        "| filter | matches | page SQL p50 | count SQL p50 | p50 / p95 ms | 2×SQL+10 "
        f"| p50 ÷ (2×SQL+10) | p50 ÷ {and_target:.0f} |",
        "|" + "---|" * 8,
    ]
    met_own = met_and = 0
    for case in sorted(cases, key=lambda c: -c.matches):
        page, p50 = percentile(case.page_ms, 50), percentile(case.total_ms, 50)
        own = 2 * page + 10
        met_own += p50 <= own
        met_and += p50 <= and_target
        query = query_of(case.url)
        capped = " (count capped)" if case.matches > COUNT_CAP else ""
        lines.append(
            f"| {query} | {case.matches:,}{capped} | {fmt(page)} "
            f"| {fmt(percentile(case.count_ms, 50))} "
            f"| {fmt(p50)} / {fmt(percentile(case.total_ms, 95))} | {fmt(own)} "
            f"| {p50 / own:.2f}× | {p50 / and_target:.2f}× |"
        )
    plans = [
        f"- {query_of(case.url)}: count {case.plans.get('count', '—')}; "
        f"page {case.plans.get('page', '—')}"
        for case in sorted(cases, key=lambda c: -c.matches)
        if case.plans
    ]
    if plans:
        lines += ["", "EXPLAIN (ANALYZE, BUFFERS), once per filter:", *plans]
    lines.append(
        f"\n{met_own} of {len(cases)} filters within 2 × page SQL + 10 ms, "
        f"{met_and} within {and_target:.0f} ms (p50 of {len(cases[0].total_ms)} requests each)."
    )
    return "\n".join(lines)


def run(groups, *, iterations: int, warmup: int) -> None:
    """Warm up, then time round-robin (iteration i of every scenario in turn), so a burst of
    load elsewhere spreads over all scenarios."""
    plan = []
    for scenarios, membership in groups:
        api, page = clients(membership)
        plan += [(s, page if s.page else api) for s in scenarios]
    for scenario, client in plan:
        for i in range(warmup):
            get(client, scenario.urls[i % len(scenario.urls)])
    for i in range(iterations):
        for scenario, client in plan:
            measure(scenario, client, i)


def table(scenarios: list[Scenario]) -> str:
    lines = [
        "| scenario | target | today | p50 / p95 ms | CPU ms p50 | SQL ms p50 | queries "
        "| p50 ÷ target | p50 ÷ today |",
        "|" + "---|" * 9,
    ]
    for s in scenarios:
        p50 = percentile(s.total_ms, 50)
        today = f"{p50 / s.today_ms:.2f}×" if s.today_ms else "—"
        lines.append(
            f"| {s.name} | {fmt(s.target_ms, 0)} | {fmt(s.today_ms)} "
            f"| {fmt(p50)} / {fmt(percentile(s.total_ms, 95))} | {fmt(percentile(s.cpu_ms, 50))} "
            f"| {fmt(percentile(s.db_ms, 50))} | {median_int(s.queries)} "
            f"| {p50 / s.target_ms:.2f}× | {today} |"
        )
    return "\n".join(lines)


def wait_for_quiet(threshold: float, minutes: float) -> bool:
    deadline = time.monotonic() + minutes * 60
    while os.getloadavg()[0] >= threshold:
        if time.monotonic() > deadline:
            return False
        time.sleep(15)
    return True


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="", help="run scenarios whose name contains this")
    parser.add_argument("--quiet-below", type=float, help="wait for a 1-min load below this")
    parser.add_argument("--wait", type=float, default=10, help="minutes to wait for quiet")
    parser.add_argument(
        "--per-filter", type=int, default=5, help="requests per filter of the AND (0: none)"
    )
    parser.add_argument(
        "--explain", action="store_true", help="summarise each filter's plans (--per-filter)"
    )
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)
    setup_django(allow_any_database=args.allow_any_database)

    groups = []
    for prefix, build in (("leads", lead_scenarios), ("customers", customer_scenarios)):
        if args.only.startswith(("leads", "customers")) and not args.only.startswith(prefix):
            continue  # `--only "leads page"` needs no customer data (nor its set-up)
        found = build(args.iterations, args.seed)
        if found is not None:
            scenarios, membership = found
            scenarios = [s for s in scenarios if args.only in s.name]
            groups.append((scenarios, membership))
    if not groups:
        raise SystemExit("No bench data: run bench.leads.generate or bench.customfields.generate.")
    if args.quiet_below is not None:
        quiet = wait_for_quiet(args.quiet_below, args.wait)
        print(f"waited for load < {args.quiet_below}: {'yes' if quiet else 'not reached'}")
    before = load_average()
    run(groups, iterations=args.iterations, warmup=args.warmup)
    print(f"{database_label()}; load average before {before}, after {load_average()}; ")
    print(f"{args.iterations} iterations after {args.warmup} warm-ups per scenario\n")
    print(table([s for scenarios, _ in groups for s in scenarios]))
    if args.per_filter <= 0:
        return
    for scenarios, membership in groups:
        api, _ = clients(membership)
        for scenario in (s for s in scenarios if s.per_filter):
            before = load_average()
            cases = run_per_filter(scenario, api, membership, args.per_filter, explain=args.explain)
            print(f"\n{scenario.name}, filter by filter; load average before {before}, ")
            print(f"after {load_average()}\n")
            print(filter_table(cases, and_target=scenario.target_ms))


if __name__ == "__main__":
    main()
