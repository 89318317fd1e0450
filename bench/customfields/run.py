"""Time custom-field queries and writes for the largest tenant (cfb-00, 200,000 customers): ours
(crm_customer's typed slots, through the app's own code) under each slot index strategy, side by
side with the EAV, JSONB and naive baselines built from the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_cfbench \\
        .venv/bin/python -m bench.customfields.run [--strategies none,partial,tenant]
            [--iterations 40] [--writes 3000] [--explain] [--json PATH]

For every strategy in turn the script rebuilds crm_customer's slot indexes (bench/customfields/
strategies.py), then times each read scenario with varied parameters, round-robin over the
systems (ours through the ORM, ours as bare SQL, ours through the API in-process, and the three
baselines as bare SQL), so load elsewhere on the machine is shared out. Writes (single-field
updates, bulk insert) follow each phase. At the end the slot indexes are put back as the
migrations define them. Figures: p50/p95 per scenario and system, the ratio of each baseline to
ours, SQL statements per request, sizes, and for ours the planning time and locks per query.
"""

import argparse
import sys
from pathlib import Path

from bench.lib.environment import environment
from bench.lib.setup import RESULTS_DIR, database_label
from bench.lib.tables import vacuum_analyze

from . import baselines as bl
from . import strategies
from .baseline_queries import EAVSystem, JSONBSystem, Naive
from .context import build_context
from .data import NUMBER_FIELD
from .ours import OursAPI, OursORM, OursSQL
from .reads import Samples, explain, planner_cost, time_reads
from .report import dump, mb, print_phase, print_writes_and_sizes, sizes, summary_table
from .writes import (
    WRITE_THREADS,
    bulk_insert_rate,
    new_customers,
    service_create_rate,
    service_update_rate,
    service_update_rate_parallel,
    update_cost,
    update_rate,
)


def merge(into: dict, reads: dict, names=("EAV", "JSONB", "naive")) -> None:
    for scenario, by_system in reads.items():
        for name in names:
            if name in by_system:
                target = into.setdefault(scenario, {}).setdefault(name, Samples())
                target.ms += by_system[name].ms
                target.queries += by_system[name].queries


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategies", default=",".join(strategies.STRATEGIES))
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--writes", type=int, default=3000, help="updates per write test")
    parser.add_argument("--inserts", type=int, default=10_000, help="rows per bulk insert")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--only", default="", help="read scenarios whose name contains this")
    parser.add_argument("--no-writes", action="store_true")
    parser.add_argument(
        "--no-baselines", action="store_true", help="time ours only (no baseline queries between)"
    )
    parser.add_argument("--keep", action="store_true", help="leave the last strategy in place")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE ours' slowest")
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "customfields.json")
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)

    from .generate import setup

    setup(args.allow_any_database)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SET statement_timeout = '120s'")
    env = environment()
    print(
        f"{database_label()}: PostgreSQL {env['postgresql']} {env['pg_settings']}; "
        f"{env['cpus']} CPUs; Python {env['python']}, Django {env['django']}"
    )
    print(f"load average before the run: {env['load_average']}")
    ctx = build_context(iterations=args.iterations, seed=args.seed)
    print(
        f"tenant {ctx.tenant.slug}: {len(ctx.update_ids):,} customers with {NUMBER_FIELD}; "
        f"{len(ctx.definitions)} active fields; {args.iterations} iterations per scenario"
    )
    systems_base = [] if args.no_baselines else [EAVSystem(ctx), JSONBSystem(ctx), Naive(ctx)]
    phases: dict[str, dict] = {}
    baseline_reads: dict = {}
    insert_rows = None if args.no_writes else new_customers(ctx, n=args.inserts, seed=args.seed)
    chosen = [s.strip() for s in args.strategies.split(",") if s.strip()]
    try:
        for k, strategy in enumerate(chosen):
            build = strategies.apply(strategy)
            ours = [OursORM(ctx), OursSQL(ctx), OursAPI(ctx)]
            planner = planner_cost(ctx)
            reads = time_reads(
                [*ours, *systems_base],
                ctx,
                iterations=args.iterations,
                warmup=args.warmup,
                only=args.only,
            )
            merge(baseline_reads, reads)
            print_phase(strategy, reads, planner)
            phase = {"build_s": build, "reads": reads, "planner": planner}
            if args.explain:
                for scenario, by_system in reads.items():
                    s = by_system["ours ORM"]
                    worst = max(range(len(s.ms)), key=s.ms.__getitem__)
                    cases = ctx.cases[scenario]
                    print(f"\n-- EXPLAIN {scenario} (slowest case, {s.ms[worst]:.1f} ms)")
                    print(explain(ctx, scenario, cases[worst % len(cases)]))
            if not args.no_writes:
                writes = {
                    "rate": update_rate("ours", ctx, n=args.writes, threads=WRITE_THREADS, seed=k),
                    "rate_1": update_rate("ours", ctx, n=args.writes // 5, threads=1, seed=k),
                    "cost": update_cost("ours", ctx, n=2000, seed=k),
                    "service": service_update_rate(ctx, n=300, seed=k),
                    "service_parallel": service_update_rate_parallel(
                        ctx, n=1200, processes=4, seed=k
                    ),
                    "insert": bulk_insert_rate("ours", ctx, insert_rows),
                    "service_create": service_create_rate(ctx, insert_rows[:200]),
                }
                vacuum_analyze("crm_customer", "customfields_fieldhistory")
                phase["writes"] = writes
                print(
                    f"\nwrites (ours, {strategy}): {writes['rate']:,.0f} updates/s over "
                    f"{WRITE_THREADS} connections ({writes['rate_1']:,.0f}/s on one), "
                    f"{writes['cost']['us']:,.0f} µs per update inside one transaction "
                    f"({writes['cost']['wal_records']:.0f} WAL records, "
                    f"{writes['cost']['wal_fpi']:.1f} full-page images, "
                    f"{writes['cost']['wal_bytes'] / 1024:.0f} kB); "
                    f"service path {writes['service']['per_s']:,.0f} updates/s in one process "
                    f"({writes['service']['queries']:.1f} queries each), "
                    f"{writes['service_parallel']:,.0f}/s in 4 processes; bulk COPY "
                    f"{writes['insert']['per_s']:,.0f} customers/s; customer_create "
                    f"{writes['service_create']['per_s']:,.0f}/s"
                )
            phase["sizes"] = sizes(ctx)
            print(
                f"slot indexes: {phase['sizes']['ours']['slot_indexes']}, "
                f"{mb(phase['sizes']['ours']['custom_indexes'])} MB in all, "
                f"{mb(phase['sizes']['ours']['custom_indexes_per_200k'])} MB per 200K customers"
                f" (build {build:.0f} s)"
            )
            phases[strategy] = phase
        baseline_writes = {}
        if not args.no_writes and not args.no_baselines:
            for name, layout in (("EAV", "eav"), ("JSONB", "jsonb"), ("naive", "naive")):
                baseline_writes[name] = {
                    "rate": update_rate(name, ctx, n=args.writes, threads=WRITE_THREADS, seed=99),
                    "rate_1": update_rate(name, ctx, n=args.writes // 5, threads=1, seed=99),
                    "cost": update_cost(name, ctx, n=2000, seed=99),
                    "insert": bulk_insert_rate(layout, ctx, insert_rows),
                }
                print(f"writes ({name}): {baseline_writes[name]}")
            vacuum_analyze(bl.EAV_VALUE, bl.EAV_ENTITY, bl.JSONB, bl.NAIVE)
    finally:
        if not args.keep:
            strategies.restore()
    base_sizes = sizes(ctx)
    print("\n" + summary_table(phases, baseline_reads))
    print_writes_and_sizes(phases, baseline_writes, base_sizes)
    if args.json:
        dump(args.json, env, phases, baseline_reads, baseline_writes, base_sizes, args)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main(sys.argv[1:])
