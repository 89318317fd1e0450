"""Launch an email campaign to the 200,000 customers of one tenant (camp-00) and send it, through
Django's locmem email backend and through SMTP to a local sink, side by side with a naive path.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_campbench \\
        .venv/bin/python -m bench.campaigns.run [--backends locmem,smtp] [--naive 1000]
            [--smtp-limit 20000] [--locmem-limit 0] [--batch-size 500] [--processes 2]
            [--locmem-parallel-limit 0] [--smtp-parallel-limit 20000] [--json PATH]

Per backend: a fresh campaign (all customers, one EMAIL channel, content with five personalisation
tags and two links) is launched with `campaign_launch` — the service that fixes the audience and
bulk-creates one execution per customer, skipping opted-out and email-less customers — with a
start time in the future, so the launch's eager Celery task finds nothing to send yet and the
launch is timed alone. Then the start time is cleared and:

1. naive: the first N pending executions, one Celery task per message (eager, in-process), each
   loading its execution and customer, checking the opt-out, compiling the content, rendering,
   opening its own email connection, sending, closing it and recording the outcome;
2. batch: the rest through the app's path — the `campaigns.send_campaign` Celery task run eagerly
   in-process (claim 500 → render + hand off over one connection → record, until nothing is
   due), or, when a limit is given, the same claim/send_batch loop stopped after that many
   messages (SMTP by default: the sink is the bottleneck there, see the report);
3. parallel: what is still pending, sent by N processes at once (`--processes`, default 2), each
   running the same loop as one Celery worker process would, sharing the campaign through the
   claim's FOR UPDATE SKIP LOCKED — how the app scales out on more cores (launch enqueues
   CAMPAIGN_SEND_TASKS tasks per campaign).

Counts are checked against what the backend received (locmem's outbox, the sink's DATA count)
and the executions' statuses. Every run first deletes the previous bench campaigns.
"""

import argparse
import json
import os
import platform
import resource
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from bench.leads import QueryLog

from .data import DEFAULT_DATABASE_URL, TENANT_SLUG
from .sink import Sink

TARGET = 2000.0  # messages rendered and handed off per second, 2 cores
RESULTS_DIR = Path(__file__).resolve().parent.parent / ".data"
SUBJECT = "{{ first_name }}, {{ custom.loyalty_points }} points are waiting"
BODY = (
    "<h1>Hello {{ first_name }} {{ last_name }},</h1>"
    "<p>Thank you for being with us since {{ custom.member_since }}. Our spring collection has "
    "arrived in {{ custom.home_city }} and you have {{ custom.loyalty_points }} loyalty points "
    "to spend before the end of the month.</p>"
    '<p><a href="https://shop.example/spring?utm_source=email&amp;utm_campaign=spring">'
    "See the collection</a></p>"
    "<p>Free delivery on every order above 50 EUR, and returns within 30 days.</p>"
    '<p><a href="https://shop.example/stores">Find your nearest store</a></p>'
    "<p>Kind regards,<br>The Atrium Shop team</p>"
)
BACKENDS = {
    "locmem": {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    "smtp": {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"},
}


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class CountingOutbox(list):
    """Stands in for django.core.mail.outbox: the locmem backend appends (after rendering the
    MIME message and deep-copying it) and we only count, so 200K messages stay out of memory."""

    count = 0

    def append(self, message) -> None:
        self.count += 1


class Timers:
    """Wall time spent inside a few functions of the sending path (wrapped in place)."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)
        self._undo = []

    def wrap(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)
        seconds, calls = self.seconds, self.calls
        clock = time.perf_counter

        def timed(*args, **kwargs):
            start = clock()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += clock() - start
                calls[label] += 1

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def unwrap(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


# ---------------------------------------------------------------------------------------------
# The naive path: one task per message


def naive_task():
    from celery import shared_task
    from django.db.models import F
    from django.utils import timezone

    from campaigns.backends import get_backend
    from campaigns.models import CampaignExecution, ExecutionStatus, SkipReason, Unsubscribe
    from campaigns.services.sending import Renderer
    from crm.models import Customer

    @shared_task(name="bench.campaigns.naive_send")
    def naive_send(execution_id: int) -> str:
        execution = CampaignExecution.objects.select_related("campaign__tenant", "channel").get(
            pk=execution_id
        )
        if execution.status != ExecutionStatus.PENDING:
            return "not pending"
        if Unsubscribe.objects.filter(
            tenant_id=execution.tenant_id,
            customer_id=execution.customer_id,
            channel_id=execution.channel_id,
        ).exists():
            CampaignExecution.objects.filter(pk=execution_id).update(
                status=ExecutionStatus.SKIPPED, skip_reason=SkipReason.UNSUBSCRIBED
            )
            return "skipped"
        execution.customer = Customer.objects.get(pk=execution.customer_id)
        # A task on its own has no batch: it reads the fields and compiles the content itself.
        message = Renderer(execution.campaign).message(execution)
        backend = get_backend(execution.channel)
        backend.open()
        try:
            backend.send(message)
        finally:
            backend.close()
        CampaignExecution.objects.filter(pk=execution_id).update(
            status=ExecutionStatus.SENT,
            sent_at=timezone.now(),
            cost=execution.channel.cost_per_message,
            attempts=F("attempts") + 1,
        )
        return "sent"

    return naive_send


# ---------------------------------------------------------------------------------------------
# Phases


def clear_campaigns(tenant) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM campaigns_campaignresponse WHERE tenant_id = %s", [tenant.pk])
        cur.execute("DELETE FROM campaigns_campaignexecution WHERE tenant_id = %s", [tenant.pk])
        cur.execute("DELETE FROM campaigns_campaignvariant WHERE tenant_id = %s", [tenant.pk])
        cur.execute("DELETE FROM campaigns_campaignchannelplan WHERE tenant_id = %s", [tenant.pk])
        cur.execute("DELETE FROM campaigns_campaign WHERE tenant_id = %s", [tenant.pk])
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) campaigns_campaignexecution")


def make_campaign(tenant, name: str):
    from django.utils import timezone

    from campaigns.models import CampaignChannel
    from campaigns.services.campaigns import campaign_create

    email = CampaignChannel.objects.get(tenant=tenant, channel_code="EMAIL")
    return campaign_create(
        tenant=tenant,
        data={
            "name": name,
            "budget": 1000,
            "audience": {},
            # Sending waits for this; the launch's eager task then finds nothing to send.
            "scheduled_at": timezone.now() + timedelta(days=1),
        },
        channels=[email],
        contents=[{"channel": email, "subject": SUBJECT, "body": BODY}],
    )


def launch(campaign) -> dict:
    from django.db.models import Count

    from campaigns.models import CampaignExecution
    from campaigns.services.launch import campaign_launch

    log = QueryLog()
    from django.db import connection

    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(log):
        campaign_launch(campaign=campaign)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    by_status = dict(
        CampaignExecution.objects.filter(campaign=campaign)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    created = sum(by_status.values())
    return {
        "executions": created,
        "by_status": by_status,
        "seconds": seconds,
        "per_second": created / seconds,
        "cpu_seconds": cpu,
        "queries": len(log.entries),
        "sql_seconds": sum(ms for ms, _, _ in log.entries) / 1000,
    }


def delivered(backend: str, sink: Sink | None) -> tuple[int, int]:
    """(messages, connections) the backend has received so far."""
    if backend == "smtp":
        messages, connections, _ = sink.counts()
        return messages, connections
    from django.core import mail

    return mail.outbox.count, 0


def run_naive(campaign, backend: str, sink: Sink | None, sample: int, task) -> dict:
    from django.db import connection

    from campaigns.models import CampaignExecution, ExecutionStatus

    ids = list(
        CampaignExecution.objects.filter(campaign=campaign, status=ExecutionStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:sample]
    )
    before = delivered(backend, sink)
    log = QueryLog()
    outcomes = defaultdict(int)
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(log):
        for execution_id in ids:
            outcomes[task.delay(execution_id).get()] += 1
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    after = delivered(backend, sink)
    return {
        "tasks": len(ids),
        "sent": outcomes["sent"],
        "outcomes": dict(outcomes),
        "received": after[0] - before[0],
        "connections": after[1] - before[1],
        "seconds": seconds,
        "per_second": outcomes["sent"] / seconds,
        "cpu_seconds": cpu,
        "queries_per_message": len(log.entries) / max(len(ids), 1),
        "sql_seconds": sum(ms for ms, _, _ in log.entries) / 1000,
    }


def send_bounded(campaign_id: int, limit: int, batch_size: int) -> dict:
    """sending.send_campaign's loop (claim → send_batch) stopped once `limit` messages went."""
    from django.utils import timezone

    from campaigns.services import sending

    totals = {"sent": 0, "failed": 0, "skipped": 0}
    while totals["sent"] + totals["failed"] < limit:
        moment = timezone.now()
        campaign = sending._sendable(campaign_id, moment)
        if campaign is None:
            break
        size = min(batch_size, limit - totals["sent"] - totals["failed"])
        batch = sending.claim_batch(campaign=campaign, now=moment, size=size)
        if not batch:
            break
        for key, count in sending.send_batch(
            campaign=campaign, executions=batch, now=moment
        ).items():
            totals[key] += count
    return totals


def run_batches(campaign, backend: str, sink: Sink | None, limit: int, batch_size: int) -> dict:
    from django.db import connection

    from campaigns.backends.mail import MailBackend
    from campaigns.services import sending
    from campaigns.tasks import send_campaign

    timers = Timers()
    timers.wrap(sending, "claim_batch", "claim")
    timers.wrap(sending.Renderer, "message", "render")
    timers.wrap(MailBackend, "send", "hand off")
    timers.wrap(sending, "_record", "record")
    timers.wrap(sending, "Renderer", "renderer setup")
    before = delivered(backend, sink)
    log = QueryLog()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with connection.execute_wrapper(log):
            if limit:
                how = f"claim/send_batch loop, stopped after {limit:,} messages"
                totals = send_bounded(campaign.pk, limit, batch_size)
            else:
                how = "campaigns.send_campaign Celery task, eager"
                totals = send_campaign.apply((campaign.pk,)).get()
    finally:
        timers.unwrap()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    after = delivered(backend, sink)
    batches = timers.calls["claim"]
    return {
        "how": how,
        **totals,
        "received": after[0] - before[0],
        "connections": after[1] - before[1],
        "batches": batches,
        "seconds": seconds,
        "per_second": totals["sent"] / seconds,
        "cpu_seconds": cpu,
        "queries_per_batch": len(log.entries) / max(batches, 1),
        "sql_seconds": sum(ms for ms, _, _ in log.entries) / 1000,
        "breakdown_seconds": dict(timers.seconds),
    }


def _worker(job: tuple[int, int, int]) -> dict:
    """One sending process, as one Celery worker process runs the campaigns.send_campaign task:
    the same claim → send_batch loop, sharing the campaign with the others through the claim
    (FOR UPDATE SKIP LOCKED). Forked from the runner, so it inherits its settings (the email
    backend) and opens its own database connection."""
    from django.core import mail

    from campaigns.services import sending

    campaign_id, limit, batch_size = job
    mail.outbox = CountingOutbox()
    cpu = time.process_time()
    if limit:
        totals = send_bounded(campaign_id, limit, batch_size)
    else:
        totals = sending.send_campaign(campaign_id=campaign_id, batch_size=batch_size)
    return {**totals, "cpu_seconds": time.process_time() - cpu, "outbox": mail.outbox.count}


def run_parallel(
    campaign, backend: str, sink: Sink | None, processes: int, limit: int, batch_size: int
) -> dict:
    """The batch path in `processes` processes at once (limit: messages in all, 0 = the rest)."""
    import multiprocessing

    from django.db import connections

    before = delivered(backend, sink)
    connections.close_all()  # each forked process opens its own connection
    share = -(-limit // processes) if limit else 0
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_worker, [(campaign.pk, share, batch_size)] * processes)
    seconds = time.perf_counter() - started
    after = delivered(backend, sink)
    sent = sum(p["sent"] for p in parts)
    received = sum(p["outbox"] for p in parts) if backend == "locmem" else after[0] - before[0]
    return {
        "processes": processes,
        "sent": sent,
        "skipped": sum(p["skipped"] for p in parts),
        "failed": sum(p["failed"] for p in parts),
        "per_process": [p["sent"] for p in parts],
        "received": received,
        "seconds": seconds,
        "per_second": sent / seconds,
        "cpu_seconds": sum(p["cpu_seconds"] for p in parts),
    }


def run_backend(tenant, backend: str, args, sink: Sink | None, task) -> dict:
    from django.core import mail
    from django.test import override_settings

    from campaigns.models import Campaign

    overrides = dict(BACKENDS[backend])
    if backend == "smtp":
        overrides.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=sink.port, EMAIL_USE_TLS=False)
    result = {"backend": backend, "load_before": load()}
    with override_settings(**overrides):
        mail.outbox = CountingOutbox()
        campaign = make_campaign(tenant, f"Bench {backend}")
        print(f"\n[{backend}] launching to the whole tenant …", flush=True)
        result["launch"] = launch(campaign)
        print_launch(result["launch"])
        Campaign.objects.filter(pk=campaign.pk).update(scheduled_at=None)
        if args.naive:
            print(f"[{backend}] naive: {args.naive:,} messages, one task each …", flush=True)
            result["naive"] = run_naive(campaign, backend, sink, args.naive, task)
            print_naive(result["naive"])
        limit = args.smtp_limit if backend == "smtp" else args.locmem_limit
        print(f"[{backend}] batch path …", flush=True)
        result["batch"] = run_batches(campaign, backend, sink, limit, args.batch_size)
        print_batch(result["batch"])
        if args.processes > 1:
            plimit = args.smtp_parallel_limit if backend == "smtp" else args.locmem_parallel_limit
            print(f"[{backend}] batch path in {args.processes} processes …", flush=True)
            result["parallel"] = run_parallel(
                campaign, backend, sink, args.processes, plimit, args.batch_size
            )
            print_parallel(result["parallel"])
    result["load_after"] = load()
    result["peak_rss_mb"] = peak_rss_mb()
    return result


# ---------------------------------------------------------------------------------------------
# Output


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
    print(f"\npeak RSS {peak_rss_mb():,.0f} MB; load average now {load()}")


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="locmem,smtp")
    parser.add_argument("--naive", type=int, default=1000, help="naive sample size (0: skip)")
    parser.add_argument("--smtp-limit", type=int, default=20_000, help="0: send everything")
    parser.add_argument("--locmem-limit", type=int, default=0, help="0: send everything")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--processes", type=int, default=2, help="then send in N processes at once (1: skip)"
    )
    parser.add_argument("--locmem-parallel-limit", type=int, default=0, help="0: the rest")
    parser.add_argument("--smtp-parallel-limit", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        raise SystemExit(f"unknown backend(s): {', '.join(sorted(unknown))}")

    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench import createdb

    createdb.main()
    from .data import ensure_data, setup

    setup()
    from django.db import connection

    from bench._setup import database_label
    from campaigns.services import sending

    sending.BATCH_SIZE = args.batch_size  # the task's default batch size
    sending.send_campaign.__kwdefaults__["batch_size"] = args.batch_size
    tenant = ensure_data(total=args.customers)
    clear_campaigns(tenant)
    print(
        f"Atrium campaign bench — {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, PostgreSQL {connection.pg_version // 10000} "
        f"({database_label()}), tenant {TENANT_SLUG}, load average {load()}"
    )
    task = naive_task()
    sink = Sink().start() if "smtp" in backends else None
    results = []
    started = time.perf_counter()
    try:
        for backend in backends:
            results.append(run_backend(tenant, backend, args, sink, task))
    finally:
        if sink is not None:
            sink.stop()
    print_summary(results)
    print(f"total {time.perf_counter() - started:.0f}s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"target": TARGET, "results": results}, indent=2))
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
    sys.exit(0)
