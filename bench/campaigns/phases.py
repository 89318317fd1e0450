"""The phases of the campaign bench: make and launch a campaign to the whole tenant, then send
it the naive way (one Celery task per message), through the app's batch path, and through the
batch path in several processes at once; each phase reports what the backend received."""

import time
from collections import defaultdict
from datetime import timedelta

from bench.lib.querylog import QueryLog
from bench.lib.timing import Timers

from .sink import Sink

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


class CountingOutbox(list):
    """Stands in for django.core.mail.outbox: the locmem backend appends (after rendering the
    MIME message and deep-copying it) and we only count, so 200K messages stay out of memory."""

    count = 0

    def append(self, message) -> None:
        self.count += 1


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
    from tenancy.actors import OPERATOR

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
        by=OPERATOR,
    )


def launch(campaign) -> dict:
    from django.db.models import Count

    from campaigns.models import CampaignExecution
    from campaigns.services.launch import campaign_launch
    from tenancy.actors import OPERATOR

    log = QueryLog()
    from django.db import connection

    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(log):
        campaign_launch(campaign=campaign, by=OPERATOR)
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
    """sending.send_campaign's loop (send_next_batch: claim → send_batch) stopped once `limit`
    messages went."""
    from django.utils import timezone

    from campaigns.services import sending

    totals = {"sent": 0, "failed": 0, "skipped": 0}
    while totals["sent"] + totals["failed"] < limit:
        moment = timezone.now()
        campaign = sending._sendable(campaign_id, moment)
        if campaign is None:
            break
        size = min(batch_size, limit - totals["sent"] - totals["failed"])
        done = sending.send_next_batch(campaign=campaign, now=moment, size=size)
        if done is None:
            break
        for key, count in done.items():
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
