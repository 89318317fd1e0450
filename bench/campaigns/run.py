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
import sys
import time
from pathlib import Path

from bench.lib.timing import load_average

from .data import DEFAULT_DATABASE_URL, TENANT_SLUG
from .phases import (
    CountingOutbox,
    clear_campaigns,
    launch,
    make_campaign,
    naive_task,
    run_batches,
    run_naive,
    run_parallel,
)
from .report import (
    TARGET,
    peak_rss_mb,
    print_batch,
    print_launch,
    print_naive,
    print_parallel,
    print_summary,
)
from .sink import Sink

BACKENDS = {
    "locmem": {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    "smtp": {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"},
}


def run_backend(tenant, backend: str, args, sink: Sink | None, task) -> dict:
    from django.core import mail
    from django.test import override_settings

    from campaigns.models import Campaign

    overrides = dict(BACKENDS[backend])
    if backend == "smtp":
        overrides.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=sink.port, EMAIL_USE_TLS=False)
    result = {"backend": backend, "load_before": load_average()}
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
    result["load_after"] = load_average()
    result["peak_rss_mb"] = peak_rss_mb()
    return result


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
    from bench.lib import createdb

    createdb.main()
    from .data import ensure_data, setup

    setup()
    from django.db import connection

    from bench.lib.setup import database_label
    from campaigns.services import sending

    sending.BATCH_SIZE = args.batch_size  # the task's default batch size
    sending.send_campaign.__kwdefaults__["batch_size"] = args.batch_size
    tenant = ensure_data(total=args.customers)
    clear_campaigns(tenant)
    print(
        f"Atrium campaign bench — {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, PostgreSQL {connection.pg_version // 10000} "
        f"({database_label()}), tenant {TENANT_SLUG}, load average {load_average()}"
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
