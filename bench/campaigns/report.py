"""What the campaign bench prints, phase by phase and in the summary."""

import resource

from bench.lib.timing import load_average

TARGET = 2000.0  # messages rendered and handed off per second, 2 cores


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_launch(r: dict) -> None:
    statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(r["by_status"].items()))
    print(
        f"  launch: {r['executions']:,} executions in {r['seconds']:.1f}s = "
        f"{r['per_second']:,.0f}/s ({statuses}); this process on CPU {r['cpu_seconds']:.1f}s; "
        f"{r['queries']} SQL statements, "
        f"{r['sql_seconds']:.1f}s in SQL"
    )


def print_naive(r: dict) -> None:
    print(
        f"  naive: {r['sent']:,} sent in {r['seconds']:.1f}s = {r['per_second']:,.0f} msg/s "
        f"({r['per_second'] / TARGET:.2f}× target); this process on CPU {r['cpu_seconds']:.1f}s; "
        f"received {r['received']:,}, "
        f"{r['connections']:,} SMTP connections; {r['queries_per_message']:.1f} SQL/message, "
        f"{r['sql_seconds']:.1f}s in SQL"
    )


def print_batch(r: dict) -> None:
    print(
        f"  batch ({r['how']}): {r['sent']:,} sent, {r['skipped']:,} skipped, "
        f"{r['failed']:,} failed in {r['seconds']:.1f}s = {r['per_second']:,.0f} msg/s "
        f"({r['per_second'] / TARGET:.2f}× target); this process on CPU {r['cpu_seconds']:.1f}s "
        f"({r['sent'] / max(r['cpu_seconds'], 1e-9):,.0f} msg per CPU-second); "
        f"received {r['received']:,}; "
        f"{r['batches']} batches, {r['connections']:,} SMTP connections; "
        f"{r['queries_per_batch']:.1f} SQL/batch, {r['sql_seconds']:.1f}s in SQL"
    )
    sent = max(r["sent"], 1)
    parts = ", ".join(
        f"{label} {seconds:.1f}s ({seconds / sent * 1e6:.0f} µs/msg)"
        for label, seconds in r["breakdown_seconds"].items()
    )
    print(f"  breakdown: {parts}")


def print_parallel(r: dict) -> None:
    print(
        f"  {r['processes']} processes: {r['sent']:,} sent ({r['per_process']}), "
        f"{r['skipped']:,} skipped, {r['failed']:,} failed in {r['seconds']:.1f}s = "
        f"{r['per_second']:,.0f} msg/s ({r['per_second'] / TARGET:.2f}× target); "
        f"the processes on CPU {r['cpu_seconds']:.1f}s; received {r['received']:,}"
    )


def print_summary(results: list[dict]) -> None:
    print("\n## Summary (target: ≥ 2,000 messages/s on 2 cores)\n")
    print(
        f"{'backend':<8} {'launch exec/s':>13} {'naive msg/s':>12} {'batch msg/s':>12} "
        f"{'batch/target':>12} {'batch/naive':>11} {'sent (batch)':>12} {'parallel msg/s':>14}"
    )
    for r in results:
        naive = r.get("naive", {}).get("per_second")
        batch = r["batch"]["per_second"]
        print(
            f"{r['backend']:<8} {r['launch']['per_second']:>13,.0f} "
            f"{naive or 0:>12,.0f} {batch:>12,.0f} {batch / TARGET:>11.2f}× "
            f"{(batch / naive if naive else 0):>10.1f}× {r['batch']['sent']:>12,} "
            f"{r.get('parallel', {}).get('per_second', 0):>14,.0f}"
        )
    print(f"\npeak RSS {peak_rss_mb():,.0f} MB; load average now {load_average()}")
