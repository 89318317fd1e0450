"""What the run prints and writes: sizes of ours and of each baseline, the per-phase figures,
the summary tables, and the JSON results."""

import json
from pathlib import Path

from bench.lib.tables import relation_size
from bench.lib.tables import sizes as table_sizes
from bench.lib.timing import fmt as _fmt

from . import baselines as bl
from . import strategies
from .context import DESCRIPTIONS, SCENARIOS, TARGETS, Context

# ---------------------------------------------------------------------------------------------
# Sizes


def sizes(ctx: Context) -> dict:
    from django.db import connection

    from crm.models import Customer

    total = Customer.objects.count()
    scale = 200_000 / total
    out = {}
    heap, idx = table_sizes("crm_customer")
    slot = strategies.slot_index_sizes(ctx.tenant.pk)
    custom = slot["tenant_bytes"] if slot["tenant_bytes"] else slot["bytes"] * scale
    out["ours"] = {
        "table": heap,
        "indexes": idx,
        "custom_indexes": slot["bytes"],
        "custom_indexes_per_200k": custom,
        "slot_indexes": slot["count"],
    }
    heap, idx = table_sizes(bl.NAIVE)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT sum(pg_relation_size(c.oid)) FROM pg_class c WHERE c.relname LIKE %s",
            [f"{bl.NAIVE}_custom_%"],
        )
        naive_slots = cur.fetchone()[0] or 0
    out["naive"] = {
        "table": heap,
        "indexes": idx,
        "custom_indexes": naive_slots,
        "custom_indexes_per_200k": float(naive_slots) * scale,
    }
    heap, idx = table_sizes(bl.JSONB)
    gin = relation_size(f"{bl.JSONB}_custom_gin")
    out["JSONB"] = {
        "table": heap,
        "indexes": idx,
        "custom_indexes": gin,
        "custom_indexes_per_200k": float(gin) * scale,
    }
    eheap, eidx = table_sizes(bl.EAV_ENTITY)
    vheap, vidx = table_sizes(bl.EAV_VALUE)
    small = sum(sum(table_sizes(t)) for t in (bl.EAV_ATTRIBUTE, bl.EAV_ENUM))
    out["EAV"] = {
        "table": eheap + vheap + small,
        "indexes": eidx + vidx,
        "custom_indexes": vidx,
        "custom_indexes_per_200k": float(vidx) * scale,
    }
    return out


# ---------------------------------------------------------------------------------------------
# Printing


def fmt(value, digits: int = 1) -> str:
    return _fmt(value, digits, grouped=True)


def mb(value: float) -> str:
    return f"{value / 1024 / 1024:,.1f}"


def print_phase(strategy: str, reads: dict, planner: dict) -> None:
    print(f"\n=== ours with slot index strategy '{strategy}' ===")
    print(
        f"planning time of the equality query p50 {planner['planning_ms_p50']:.2f} ms; "
        f"relation locks per query on crm_customer {planner['locks']} "
        f"({planner['locks_not_fastpath']} outside the fast path)"
    )
    for scenario, by_system in reads.items():
        print(f"\n{scenario}: {DESCRIPTIONS[scenario]}")
        ours = by_system.get("ours SQL")
        for name, s in by_system.items():
            ratio = ""
            if ours and name in ("EAV", "JSONB", "naive"):
                ratio = f"  {s.p(50) / ours.p(50):6.1f}× ours SQL"
            q = sorted(s.queries)[len(s.queries) // 2]
            print(f"  {name:<10} p50 {s.p(50):8.2f} ms  p95 {s.p(95):8.2f} ms  queries {q}{ratio}")


def summary_table(phases: dict, baselines: dict) -> str:
    """Markdown: one row per scenario, p50 ms of ours per strategy and of each baseline."""
    strategies_run = list(phases)
    head = (
        "| scenario | target | "
        + " | ".join(f"ours ORM [{s}]" for s in strategies_run)
        + " | ours API ["
        + strategies_run[-1]
        + "] | EAV | JSONB | naive |"
    )
    lines = [head, "|" + "---|" * (len(strategies_run) + 6)]
    for scenario in SCENARIOS:
        cells = []
        for s in strategies_run:
            sample = phases[s]["reads"].get(scenario, {}).get("ours ORM")
            cells.append(fmt(sample.p(50), 2) if sample else "—")
        api = phases[strategies_run[-1]]["reads"].get(scenario, {}).get("ours API")
        cells.append(fmt(api.p(50), 1) if api else "—")
        for name in ("EAV", "JSONB", "naive"):
            sample = baselines.get(scenario, {}).get(name)
            cells.append(fmt(sample.p(50), 2) if sample else "—")
        target = TARGETS.get(scenario)
        lines.append(
            f"| {scenario} | {fmt(target, 0) if target else '—'} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def wal(w: dict) -> str:
    c = w.get("cost")
    if not c:
        return "—"
    return f"{c['wal_records']:.0f} / {c['wal_fpi']:.1f} / {c['wal_bytes'] / 1024:.1f}"


def print_writes_and_sizes(phases, baseline_writes, base_sizes) -> None:
    print(
        "\n| system | updates/s (8 conns) | updates/s (1 conn) | µs/update in 1 txn | "
        "WAL records / FPI / kB per update | bulk insert customers/s | table MB | indexes MB | "
        "custom-field indexes MB | per 200K |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for strategy, phase in phases.items():
        w = phase.get("writes", {})
        z = phase["sizes"]["ours"]
        print(
            f"| ours [{strategy}] | {fmt(w.get('rate'), 0)} | {fmt(w.get('rate_1'), 0)} | "
            f"{fmt(w.get('cost', {}).get('us'), 0)} | {wal(w)} | "
            f"{fmt(w.get('insert', {}).get('per_s'), 0)} | "
            f"{mb(z['table'])} | {mb(z['indexes'])} | {mb(z['custom_indexes'])} | "
            f"{mb(z['custom_indexes_per_200k'])} |"
        )
    for name in ("EAV", "JSONB", "naive"):
        w = baseline_writes.get(name, {})
        z = base_sizes[name]
        print(
            f"| {name} | {fmt(w.get('rate'), 0)} | {fmt(w.get('rate_1'), 0)} | "
            f"{fmt(w.get('cost', {}).get('us'), 0)} | {wal(w)} | "
            f"{fmt(w.get('insert', {}).get('per_s'), 0)} | "
            f"{mb(z['table'])} | {mb(z['indexes'])} | {mb(z['custom_indexes'])} | "
            f"{mb(z['custom_indexes_per_200k'])} |"
        )


def dump(path: Path, env, phases, baseline_reads, baseline_writes, base_sizes, args) -> None:
    def reads_json(reads):
        return {
            scenario: {
                name: {
                    "p50_ms": s.p(50),
                    "p95_ms": s.p(95),
                    "queries": sorted(s.queries)[len(s.queries) // 2],
                }
                for name, s in by_system.items()
            }
            for scenario, by_system in reads.items()
        }

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "environment": env,
                "iterations": args.iterations,
                "phases": {
                    s: {
                        **{k: v for k, v in p.items() if k != "reads"},
                        "reads": reads_json(p["reads"]),
                    }
                    for s, p in phases.items()
                },
                "baselines": {
                    "reads": reads_json(baseline_reads),
                    "writes": baseline_writes,
                    "sizes": base_sizes,
                },
            },
            indent=2,
            default=str,
        )
    )
