"""Timing the reads: every system round-robin over scenarios and cases, and for ours the
planning time, the locks a query takes, and EXPLAIN of a case."""

import statistics
import time
from dataclasses import dataclass, field

from bench.lib.querylog import explain_analyze
from bench.lib.timing import percentile

from .context import OURS_ONLY, SCENARIOS, Context
from .ours import OursAPI, captured_sql


@dataclass
class Samples:
    ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    def p(self, q: float) -> float:
        return percentile(self.ms, q)


def time_reads(systems, ctx: Context, *, iterations: int, warmup: int, only=None):
    """{scenario: {system: Samples}}, round-robin over scenarios and systems.

    Within an iteration each system runs a different case of the scenario (system k takes case
    i + 7k), and the systems' order rotates from one iteration to the next: no system reads
    pages the one before it has just brought into the cache for the same parameters, and each
    takes every position equally often. Over the run every system runs every case."""
    results: dict[str, dict[str, Samples]] = {}
    by_scenario: dict[str, list] = {}
    for scenario in SCENARIOS:
        if only and only not in scenario:
            continue
        for system in systems:
            if isinstance(system, OursAPI) and scenario not in system.scenarios:
                continue
            if scenario in OURS_ONLY and system.name not in ("ours ORM", "ours SQL"):
                continue
            by_scenario.setdefault(scenario, []).append(system)
            results.setdefault(scenario, {})[system.name] = Samples()
    for scenario, members in by_scenario.items():
        for system in members:
            if hasattr(system, "prepare"):  # compile every case before timing
                system.prepare(scenario)
            for i in range(warmup):
                system.run(scenario, i)
    offsets = {system.name: 7 * k for k, system in enumerate(systems)}
    for i in range(iterations):
        for scenario, members in by_scenario.items():
            turn = i % len(members)
            for system in members[turn:] + members[:turn]:
                started = time.perf_counter()
                queries = system.run(scenario, i + offsets[system.name])
                results[scenario][system.name].ms.append((time.perf_counter() - started) * 1000)
                results[scenario][system.name].queries.append(queries)
    return results


def planner_cost(ctx: Context, scenario: str = "eq", runs: int = 30) -> dict:
    """Planning time of ours' main statement (EXPLAIN without ANALYZE), and the relation locks a
    query on crm_customer takes (the planner opens every index of the table)."""
    from django.db import connection, transaction

    sql, params = captured_sql(ctx, scenario, ctx.cases[scenario][0])[0]
    times = []
    with connection.cursor() as cur:
        for _ in range(runs):
            cur.execute(f"EXPLAIN (SUMMARY ON) {sql}", params)
            plan = [row[0] for row in cur.fetchall()]
            line = next(x for x in plan if x.startswith("Planning Time"))
            times.append(float(line.split(":")[1].split()[0]))
        with transaction.atomic():
            cur.execute(sql, params)
            cur.fetchall()
            cur.execute(
                "SELECT count(*), count(*) FILTER (WHERE NOT fastpath) FROM pg_locks "
                "WHERE pid = pg_backend_pid() AND locktype = 'relation'"
            )
            locks, slow = cur.fetchone()
    return {"planning_ms_p50": statistics.median(times), "locks": locks, "locks_not_fastpath": slow}


def explain(ctx: Context, scenario: str, p: dict) -> str:
    return "\n".join(explain_analyze(sql, params) for sql, params in captured_sql(ctx, scenario, p))
