"""Issue 16's triggers at speed: events matched against 100 active triggers by 2 worker
processes, beside the naive path (one task per event).

    .venv/bin/python -m bench.triggers.data             # once: the data set (~40 s)
    .venv/bin/python -m bench.triggers.run [--events 20000] [--rate 2000] [--naive-events 2000]
        [--steady-events N] [--workers 2] [--batch 500] [--profile PATH] [--only ours|naive]

Every scenario starts from the same state: a fresh copy of `atrium_trigbench` made with
CREATE DATABASE … TEMPLATE (`atrium_trigbench_run`), so the tags and values the actions wrote
in one scenario never make "No change." in the next.

Workers: `--workers` processes, each warmed up as a worker that has run before (the URL conf,
the tasks and the email backend loaded: `_warm_up`), then looping on
`tenancy.events.process_events` (claim a batch with SKIP LOCKED, hand it to the consumers, mark
it, one transaction) and polling every 20 ms when nothing is due — what a `drain` task does on
a Celery worker, without the broker between batches. No broker is configured, so a trigger's
send runs the campaign's sending path in the same process after the batch commits (render,
personalise, hand to Django's locmem email backend, record): the workers pay for the sending
too.

Scenarios:
- backlog: `--events` emitted first (emit_many), then the workers start; events/s is
  events / the time from the start to the last event processed.
- steady: `--events` emitted at `--rate` events/s (emit_many every 100 ms) while the workers
  run; latency per event is recorded_at → processed_at (the runs commit with the mark), and per
  message recorded_at → the execution's sent_at (handed to the backend).
- naive: the same, one event per transaction (`process_events(batch_size=1)`): each event
  fetched and locked alone, the triggers read for it, their conditions judged and their
  actions run for that one customer — a Celery task per event, as a signal-per-save workflow
  engine does (without the broker's own cost per message, which bench.events measures), on
  `--naive-events`.
"""

import argparse
import multiprocessing
import os
import random
import resource
import sys
import time

from bench.lib.setup import setup_django

SOURCE_DB = "atrium_trigbench"
RUN_DB = "atrium_trigbench_run"
BASE_URL = "postgres://postgres@127.0.0.1:5432/"
TICK = 0.1  # seconds between the steady emitter's inserts


def _setup(db: str = RUN_DB) -> None:
    os.environ["DATABASE_URL"] = BASE_URL + db
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    setup_django(default_url=BASE_URL + db)


def fresh_copy() -> None:
    """RUN_DB as a copy of SOURCE_DB (no one may be connected to either)."""
    import psycopg

    with psycopg.connect(BASE_URL + "postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{RUN_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{RUN_DB}" TEMPLATE "{SOURCE_DB}"')


def event_specs(count: int, *, seed: int = 16) -> list:
    from bench.triggers.data import EVENT_TYPES, TAGS, TENANT_SLUG
    from crm.models import Customer
    from tenancy.events import EventSpec

    ids = list(
        Customer.objects.filter(tenant__slug=TENANT_SLUG)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng = random.Random(f"{seed}:events:{count}")
    types = [t for t, _, _ in EVENT_TYPES]
    weights = [share for _, share, _ in EVENT_TYPES]
    specs = []
    for _ in range(count):
        kind = rng.choices(types, weights)[0]
        if kind == "purchase":
            data = {"amount": rng.randint(5, 400), "sku": f"S-{rng.randint(1, 500)}"}
        elif kind == "tag_added":
            data = {"tag": rng.choice(TAGS)}
        elif kind == "order_shipped":
            data = {"carrier": rng.choice(["dhl", "ups", "fedex"])}
        else:
            data = {"page": f"/p/{rng.randint(1, 50)}"}
        specs.append(EventSpec(kind, customer_id=rng.choice(ids), data=data))
    return specs


def _no_kick() -> None:
    from tenancy.events import wakeup

    wakeup._kick = lambda: None


def _warm_up() -> None:
    """Load what a worker that has run before has loaded: the URL conf (a message's links are
    reversed), the tasks and the email backend. A worker pays this once (~0.5 s here, 235
    modules), not per batch; inside the timing it was ~10 % of a 4-second backlog run."""
    from django.core.mail import get_connection
    from django.urls import get_resolver

    import campaigns.tasks  # noqa: F401

    get_resolver().reverse_dict  # noqa: B018 (it fills the resolver)
    get_connection()


def _backend_cpu(connection) -> float | None:
    """CPU seconds the server process of this connection has used (PostgreSQL on this
    machine: /proc/<backend pid>/stat), or None where it cannot be read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker(start, done_emitting, batch: int, profile: str | None, out) -> None:
    _setup()
    from django.db import connection

    from tenancy.events import process_events

    _no_kick()
    connection.ensure_connection()
    _warm_up()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    server_before = _backend_cpu(connection)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime  # Django's start and the warm-up: not counted
    start.wait()
    taken = 0
    if profiler:
        profiler.enable()
    while True:
        result = process_events(batch_size=batch)
        taken += result.processed
        if not result.claimed:
            if done_emitting.is_set():
                result = process_events(batch_size=batch)  # one more look after the last emit
                taken += result.processed
                if not result.claimed:
                    break
            else:
                time.sleep(0.02)
        elif result.deferred == result.claimed:  # all held by the other worker: let it commit
            time.sleep(0.005)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    server_after = _backend_cpu(connection)
    server = None if server_before is None else server_after - server_before
    out.put((taken, usage.ru_utime + usage.ru_stime - cpu_before, server))
    connection.close()


def _emit(specs: list, *, rate: float | None) -> float:
    """Emit the events (all at once without a rate); answers the seconds it took."""
    from django.db import transaction

    from bench.triggers.data import TENANT_SLUG
    from tenancy.events import emit_many
    from tenancy.models import Tenant

    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    began = time.perf_counter()
    if rate is None:
        with transaction.atomic():
            emit_many(tenant=tenant, events=specs)
        return time.perf_counter() - began
    per_tick = max(1, int(rate * TICK))
    for n, start in enumerate(range(0, len(specs), per_tick)):
        wait = began + n * TICK - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        with transaction.atomic():
            emit_many(tenant=tenant, events=specs[start : start + per_tick])
    return time.perf_counter() - began


def scenario(
    label: str, *, events: int, rate: float | None, workers: int, batch: int, profile=None
) -> dict:
    from django.db import connection

    connection.close()
    fresh_copy()
    specs = event_specs(events)
    ctx = multiprocessing.get_context("spawn")
    start, done_emitting, out = ctx.Event(), ctx.Event(), ctx.Queue()
    children = [
        ctx.Process(
            target=_worker,
            args=(start, done_emitting, batch, profile if i == 0 else None, out),
        )
        for i in range(workers)
    ]
    if rate is None:
        _emit(specs, rate=None)
        done_emitting.set()
    connection.close()
    for child in children:
        child.start()
    time.sleep(4)  # let them import Django and connect
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    began = time.perf_counter()
    start.set()
    if rate is not None:
        _emit(specs, rate=rate)
        done_emitting.set()
    reports = [out.get() for _ in children]
    seconds = time.perf_counter() - began
    taken = sum(n for n, _, _ in reports)
    for child in children:
        child.join()
    # Every event the workers processed: those emitted here and those the actions emitted
    # (tag_added, field_changed, customer_updated), each matched against the triggers.
    figures = {"label": label, "events": events, "taken": taken, "seconds": seconds}
    figures["cpu"] = sum(cpu for _, cpu, _ in reports)  # the workers' own (not PostgreSQL's)
    # Their connections' server processes (not the WAL writer's, the checkpointer's …).
    servers = [server for _, _, server in reports]
    figures["server_cpu"] = None if None in servers else sum(servers)
    figures.update(measure(events_per_second=None if rate is not None else events / seconds))
    figures["load"] = load
    _print(figures)
    return figures


def measure(*, events_per_second) -> dict:
    from django.db import connection

    from bench.lib.timing import percentile

    with connection.cursor() as cur:
        cur.execute(
            "SELECT EXTRACT(EPOCH FROM processed_at - recorded_at), processed_at, recorded_at "
            "FROM tenancy_outboxevent WHERE status = 'processed'"
        )
        rows = cur.fetchall()
        processed = [float(r[0]) for r in rows]
        span = (max(r[1] for r in rows) - min(r[2] for r in rows)).total_seconds() if rows else 0
        cur.execute(
            "SELECT EXTRACT(EPOCH FROM x.sent_at - o.recorded_at) "
            "FROM campaigns_triggerrun r "
            "JOIN tenancy_outboxevent o ON o.id = r.event "
            "JOIN campaigns_campaigntrigger t ON t.id = r.trigger_id "
            "JOIN campaigns_campaignexecution x "
            "  ON x.campaign_id = t.campaign_id AND x.customer_id = r.customer_id "
            'WHERE r.results @> \'[{"type": "send", "detail": "Message queued."}]\' '
            "AND x.sent_at IS NOT NULL"
        )
        sent = [float(r[0]) for r in cur.fetchall()]
        cur.execute("SELECT outcome, count(*) FROM campaigns_triggerrun GROUP BY 1")
        outcomes = dict(cur.fetchall())
        cur.execute("SELECT count(*) FROM tenancy_outboxevent WHERE status <> 'processed'")
        (left,) = cur.fetchone()
    return {
        "per_second": events_per_second or (len(processed) / span if span else 0),
        "p50": percentile(processed, 50),
        "p95": percentile(processed, 95),
        "sent": len(sent),
        "sent_p50": percentile(sent, 50),
        "sent_p95": percentile(sent, 95),
        "runs": outcomes,
        "left": left,
    }


def _print(f: dict) -> None:
    runs = ", ".join(f"{k} {v:,}" for k, v in sorted(f["runs"].items()))
    print(
        f"  {f['label']:<44} {f['per_second']:>8,.0f} events/s  p50 {f['p50']:.2f} s"
        f"  p95 {f['p95']:.2f} s  | sent {f['sent']:,} p50 {f['sent_p50']:.2f} s"
        f" p95 {f['sent_p95']:.2f} s | {f['events']:,} events in {f['seconds']:.1f} s"
        f" ({f['taken']:,} with the actions' own: {f['taken'] / f['seconds']:,.0f}/s),"
        f" left {f['left']} | runs: {runs} | workers' CPU {f['cpu']:.1f} s"
        + (f", their server processes' {f['server_cpu']:.1f} s" if f["server_cpu"] else "")
        + f" | load {f['load']}",
        flush=True,
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=2_000)
    parser.add_argument("--steady-events", type=int, help="events of the steady run (--events)")
    parser.add_argument("--naive-events", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--profile", help="cProfile the first worker of the steady run to PATH")
    parser.add_argument("--only", choices=("ours", "naive"))
    args = parser.parse_args(argv)
    fresh_copy()
    _setup(RUN_DB)
    from bench.lib.environment import environment
    from bench.lib.setup import database_label

    _no_kick()
    print(f"database: {database_label()} (copied to {RUN_DB} for each scenario)")
    print(f"environment: {environment()}")
    results = []
    w, b = args.workers, args.batch
    if args.only != "naive":
        results.append(
            scenario(
                f"ours: backlog, {w} workers, batch {b}",
                events=args.events,
                rate=None,
                workers=w,
                batch=b,
            )
        )
        results.append(
            scenario(
                f"ours: steady {args.rate:,.0f}/s, {w} workers",
                events=args.steady_events or args.events,
                rate=args.rate,
                workers=w,
                batch=b,
                profile=args.profile,
            )
        )
    if args.only != "ours":
        n = args.naive_events
        results.append(
            scenario(
                f"naive: backlog, {w} workers, 1 event/task",
                events=n,
                rate=None,
                workers=w,
                batch=1,
            )
        )
        results.append(
            scenario(
                f"naive: steady {args.rate:,.0f}/s, {w} workers",
                events=n,
                rate=args.rate,
                workers=w,
                batch=1,
            )
        )
    backlog = {
        r["label"].split(":")[0]: r["per_second"] for r in results if "backlog" in r["label"]
    }
    if "ours" in backlog and "naive" in backlog:
        print(f"ratio (backlog events/s, ours / naive): {backlog['ours'] / backlog['naive']:.1f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
