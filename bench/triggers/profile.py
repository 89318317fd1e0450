"""One batch of the trigger bench's events through the consumer, in this process, under
cProfile, with the SQL statements counted by kind: where a batch's time goes.

    .venv/bin/python -m bench.triggers.profile [--events 500] [--top 25]

Works on a fresh copy of the data set (bench.triggers.run.fresh_copy)."""

import argparse
import cProfile
import pstats
import sys
import time
from collections import Counter


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", help="pstats key: cumulative, tottime")
    args = parser.parse_args(argv)
    from bench.triggers import run

    run.fresh_copy()
    run._setup(run.RUN_DB)
    run._no_kick()
    from django.db import connection

    from tenancy.events import process_events

    run._emit(run.event_specs(args.events), rate=None)
    kinds: Counter = Counter()
    spent: Counter = Counter()

    def count(execute, sql, params, many, context):
        words = sql.split()
        table = next((w for w in words if w.startswith('"')), "?")
        kind = f"{words[0]} {table}"
        kinds[kind] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[kind] += time.perf_counter() - started

    profiler = cProfile.Profile()
    began = time.perf_counter()
    with connection.execute_wrapper(count):
        profiler.enable()
        result = process_events(batch_size=args.events)
        profiler.disable()
    seconds = time.perf_counter() - began
    print(f"{result.claimed} events in {seconds:.2f} s ({result.claimed / seconds:,.0f}/s)")
    print(f"{sum(kinds.values()):,} statements, {sum(spent.values()):.2f} s; the costliest:")
    for kind, t in spent.most_common(15):
        print(f"  {kinds[kind]:>7,}  {t:>6.2f} s  {kind}")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main(sys.argv[1:])
