"""Sending a launched campaign in batches.

Exactly-once as far as we can make it, and never twice:
1. **Claim** — one UPDATE moves a batch of due executions (pending, or failed and due for a
   retry) to `sending` with a fresh claim token; only rows still due are taken, so two workers
   never claim the same execution (PostgreSQL also skips rows another worker has locked).
2. **Hand off** — each message goes to the backend with the execution's idempotency key (the
   email's Message-ID, the HTTP provider's Idempotency-Key).
3. **Record** — the batch's outcomes are written in a few UPDATEs: `sent` (with the time and
   the channel's cost per message) or `failed` with the error and, while attempts remain, a
   `retry_at` that doubles each time (1, 2, 4 minutes …).

A message that raised is known not to have been handed off, so retrying it is safe. A worker
that dies between hand-off and record leaves its rows in `sending`: nothing picks those up again
(at most once — a customer is never sent the same message twice), and the analytics count them
as in flight. Pause takes effect between batches: a batch already claimed finishes.

Sending is the system's work (the Celery worker, after a member's launch was checked), not a
member's act: these services take no actor.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import strip_tags

from customfields.services.values import active_definitions

from .. import links
from ..backends import OutgoingMessage, SendError, get_backend
from ..models import (
    Campaign,
    CampaignExecution,
    CampaignVariant,
    ChannelKind,
    ExecutionStatus,
    SkipReason,
    StatusPhase,
    Unsubscribe,
)
from ..personalization import CompiledText, compile_text, customer_columns, customer_values

BATCH_SIZE = 500
MAX_ATTEMPTS = 4
RETRY_BASE = timedelta(minutes=1)


def due_q(now: datetime) -> Q:
    return Q(status=ExecutionStatus.PENDING) | Q(status=ExecutionStatus.FAILED, retry_at__lte=now)


def _due_ids(campaign: Campaign, now: datetime, size: int) -> list[int]:
    """Up to `size` due executions, locked: failed ones due for a retry first, then pending.

    Two queries with an equality on status each, and no ORDER BY, so each is a short walk of
    the (tenant, campaign, status) index that stops at `size` rows. One query with the OR of
    `due_q` and ORDER BY pk had to read and sort every due row of the campaign (or walk the
    primary key past every other campaign's rows) for each batch: about 200 ms per batch at
    200,000 executions, quadratic over a campaign (docs/benchmarks.md, Campaigns)."""
    mine = CampaignExecution.objects.filter(tenant=campaign.tenant, campaign=campaign).order_by()
    if connection.features.has_select_for_update_skip_locked:
        mine = mine.select_for_update(skip_locked=True)
    ids = list(
        mine.filter(status=ExecutionStatus.FAILED, retry_at__lte=now).values_list("pk", flat=True)[
            :size
        ]
    )
    if len(ids) < size:
        ids += mine.filter(status=ExecutionStatus.PENDING).values_list("pk", flat=True)[
            : size - len(ids)
        ]
    return ids


def claim_batch(
    *,
    campaign: Campaign,
    now: datetime,
    size: int,
    customer_columns: Iterable[str] | None = None,
) -> list[CampaignExecution]:
    """Claim up to `size` due executions and load them with their channel and customer: only
    the customer's `customer_columns` when given (what the content's tags read, see
    `Renderer.customer_columns`), else the whole customer."""
    token = uuid.uuid4()
    with transaction.atomic():
        ids = _due_ids(campaign, now, size)
        if not ids:
            return []
        CampaignExecution.objects.filter(pk__in=ids).filter(due_q(now)).update(
            status=ExecutionStatus.SENDING, claim=token, attempts=F("attempts") + 1, retry_at=None
        )
    # By primary key: the token only tells this claim's rows from a concurrent one's, so the
    # claim column needs no index of its own (one index less to write on every row update).
    # The batch's one or two channels in a query of their own, not a copy joined to each row.
    claimed = (
        CampaignExecution.objects.filter(pk__in=ids, claim=token, status=ExecutionStatus.SENDING)
        .select_related("customer")
        .prefetch_related("channel")
        .order_by("pk")
    )
    if customer_columns is not None:
        # A customer row is ~110 columns (90 custom-field slots); turning them all into Python
        # values was a third of a message's cost (docs/benchmarks.md, issue 18).
        claimed = claimed.defer(
            *(f"customer__{name}" for name in _CUSTOMER_COLUMNS - {"id", *customer_columns})
        )
    return list(claimed)


_CUSTOMER_COLUMNS = frozenset(
    field.attname
    for field in CampaignExecution._meta.get_field("customer").related_model._meta.concrete_fields
)


@dataclass(frozen=True)
class CompiledVariant:
    subject: CompiledText
    body: CompiledText
    text: CompiledText  # the body without its HTML: an email's plain-text part


def _compile_variant(variant: CampaignVariant) -> CompiledVariant:
    # Tags survive strip_tags, so the plain-text part is stripped once per variant rather than
    # once per message (HTMLParser costs ~70 µs a message); its values go in unescaped.
    return CompiledVariant(
        subject=compile_text(variant.subject),
        body=compile_text(variant.body),
        text=compile_text(strip_tags(variant.body or "")),
    )


class Renderer:
    """Renders a campaign's messages; variants are compiled and custom fields read once."""

    def __init__(self, campaign: Campaign):
        self.tenant_id = campaign.tenant_id
        self.definitions = active_definitions(campaign.tenant)
        self.variants = {
            (v.channel_id, v.variant): _compile_variant(v)
            for v in CampaignVariant.objects.filter(tenant=campaign.tenant, campaign=campaign)
        }
        self.links = links.LinkBuilder()
        # What the tags of every variant read of a customer, and nothing else (claim_batch).
        self.customer_columns = customer_columns(
            (
                name
                for compiled in self.variants.values()
                for text in (compiled.subject, compiled.body, compiled.text)
                for name in text.names
            ),
            self.definitions,
        )

    def _values(self, execution: CampaignExecution) -> tuple[CompiledVariant, dict[str, str]]:
        compiled = self.variants[(execution.channel_id, execution.variant)]
        values = customer_values(
            execution.customer, (*compiled.subject.names, *compiled.body.names), self.definitions
        )
        return compiled, values

    def content(self, execution: CampaignExecution) -> tuple[str, str]:
        """(subject, body) personalised for the execution's customer, before tracking."""
        compiled, values = self._values(execution)
        is_html = execution.channel.kind == ChannelKind.EMAIL
        return (
            compiled.subject.render(values, html=False),
            compiled.body.render(values, html=is_html),
        )

    def content_links(self, execution: CampaignExecution) -> list[str]:
        _, body = self.content(execution)
        if execution.channel.kind == ChannelKind.EMAIL:
            return links.html_links(body)
        return links.text_links(body)

    def message(self, execution: CampaignExecution) -> OutgoingMessage:
        compiled, values = self._values(execution)
        is_email = execution.channel.kind == ChannelKind.EMAIL
        subject = compiled.subject.render(values, html=False)
        body = compiled.body.render(values, html=is_email)
        ids = (self.tenant_id, execution.pk)

        def tracked(url: str) -> str:
            return self.links.url("click", *ids, url)

        unsubscribe = self.links.url("unsubscribe", *ids)
        reference = str(execution.idempotency_key)
        if is_email:
            pixel = self.links.url("open", *ids)
            html = (
                f"{links.rewrite_html(body, tracked)}"
                f'<p style="font-size:12px;color:#6b7280">'
                f'<a href="{unsubscribe}">Unsubscribe</a></p>'
                f'<img src="{pixel}" width="1" height="1" alt="">'
            )
            return OutgoingMessage(
                to=execution.address,
                subject=subject,
                body=f"{compiled.text.render(values, html=False).strip()}"
                f"\n\nUnsubscribe: {unsubscribe}\n",
                html=html,
                reference=reference,
                headers={
                    "List-Unsubscribe": f"<{unsubscribe}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
        return OutgoingMessage(
            to=execution.address,
            body=f"{links.rewrite_text(body, tracked)}\nOpt out: {unsubscribe}",
            reference=reference,
        )


def _opted_out(executions: list[CampaignExecution]) -> set[tuple[int, int]]:
    if not executions:
        return set()
    pairs = Unsubscribe.objects.filter(
        tenant_id=executions[0].tenant_id,
        customer_id__in={e.customer_id for e in executions},
        channel_id__in={e.channel_id for e in executions},
    ).values_list("customer_id", "channel_id")
    return set(pairs)


def send_batch(
    *,
    campaign: Campaign,
    executions: list[CampaignExecution],
    now: datetime,
    renderer: Renderer | None = None,
) -> dict[str, int]:
    """Hand the claimed executions to their backends and record each outcome."""
    renderer = renderer or Renderer(campaign)
    opted_out = _opted_out(executions)
    skipped, sent, failed = [], defaultdict(list), []
    by_channel = defaultdict(list)
    for execution in executions:
        if (execution.customer_id, execution.channel_id) in opted_out:
            skipped.append(execution.pk)
        else:
            by_channel[execution.channel_id].append(execution)
    for group in by_channel.values():
        channel = group[0].channel
        backend = get_backend(channel)
        try:
            backend.open()
        except SendError as exc:
            failed.extend((execution, str(exc)) for execution in group)
            continue
        try:
            for execution in group:
                try:
                    provider_id = backend.send(renderer.message(execution))
                except SendError as exc:
                    failed.append((execution, str(exc)))
                    continue
                sent[channel].append((execution.pk, (provider_id or "")[:200]))
        finally:
            backend.close()
    _record(now=now, skipped=skipped, sent=sent, failed=failed)
    return {
        "sent": sum(len(rows) for rows in sent.values()),
        "failed": len(failed),
        "skipped": len(skipped),
    }


def _mark_sent(*, channel, now: datetime, rows: list[tuple[int, str]]) -> None:
    """One UPDATE for a channel's sent messages, each with its provider's message id: a row is
    rewritten once when it is sent (with `bulk_update` the ids were a second rewrite, through a
    CASE of 500 branches). `WITH … AS (VALUES …) UPDATE … FROM` runs on PostgreSQL and on
    SQLite ≥ 3.33."""
    table = connection.ops.quote_name(CampaignExecution._meta.db_table)
    values = ", ".join(["(%s, %s)"] * len(rows))
    ops = connection.ops
    params = [
        *(part for row in rows for part in row),
        ExecutionStatus.SENT,
        ops.adapt_datetimefield_value(now),
        ops.adapt_decimalfield_value(channel.cost_per_message, max_digits=10, decimal_places=4),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH sent (execution_id, provider_id) AS (VALUES {values}) "
            f"UPDATE {table} SET status = %s, sent_at = %s, cost = %s, last_error = '', "
            f"claim = NULL, provider_message_id = sent.provider_id "
            f"FROM sent WHERE {table}.id = sent.execution_id",
            params,
        )


def _record(*, now, skipped, sent, failed) -> None:
    with transaction.atomic():
        if skipped:
            CampaignExecution.objects.filter(pk__in=skipped).update(
                status=ExecutionStatus.SKIPPED, skip_reason=SkipReason.UNSUBSCRIBED, claim=None
            )
        for channel, rows in sent.items():
            _mark_sent(channel=channel, now=now, rows=rows)
        for execution, error in failed:
            execution.status = ExecutionStatus.FAILED
            execution.last_error = error[:500]
            execution.claim = None
            execution.retry_at = (
                now + RETRY_BASE * 2 ** (execution.attempts - 1)
                if execution.attempts < MAX_ATTEMPTS
                else None
            )
        if failed:
            CampaignExecution.objects.bulk_update(
                [execution for execution, _ in failed],
                ["status", "last_error", "claim", "retry_at"],
            )


def _sendable(campaign_id: int, now: datetime) -> Campaign | None:
    campaign = Campaign.objects.select_related("status", "tenant").filter(pk=campaign_id).first()
    if campaign is None or campaign.status.phase != StatusPhase.ACTIVE:
        return None
    if campaign.scheduled_at and campaign.scheduled_at > now:
        return None
    return campaign


def send_campaign(*, campaign_id: int, now: datetime | None = None, batch_size: int = BATCH_SIZE):
    """Send batch after batch until nothing is due or the campaign is no longer active.
    Returns the totals of what this call did."""
    totals = {"sent": 0, "failed": 0, "skipped": 0}
    while True:
        moment = now or timezone.now()
        campaign = _sendable(campaign_id, moment)
        if campaign is None:
            break
        done = send_next_batch(campaign=campaign, now=moment, size=batch_size)
        if done is None:
            break
        for key, count in done.items():
            totals[key] += count
        if sum(done.values()) < batch_size:
            # A short batch took all that was due (rows other senders held are theirs to
            # send): no claim that would find nothing. Executions added since (a trigger's
            # send) come with a send of their own, and the minutely dispatch is the net.
            break
    return totals


def send_next_batch(*, campaign: Campaign, now: datetime, size: int) -> dict[str, int] | None:
    """Claim up to `size` due executions, with only the customer columns the content reads,
    and send them; None when none was due."""
    renderer = Renderer(campaign)
    batch = claim_batch(
        campaign=campaign, now=now, size=size, customer_columns=renderer.customer_columns
    )
    if not batch:
        return None
    return send_batch(campaign=campaign, executions=batch, now=now, renderer=renderer)


def next_retry_at(*, campaign_id: int) -> datetime | None:
    """When the earliest failed execution is due for another attempt."""
    return (
        CampaignExecution.objects.filter(campaign_id=campaign_id, status=ExecutionStatus.FAILED)
        .exclude(retry_at=None)
        .order_by("retry_at")
        .values_list("retry_at", flat=True)
        .first()
    )


def due_campaign_ids(*, now: datetime) -> list[int]:
    """Active campaigns whose start time has come and that have executions due."""
    due = CampaignExecution.objects.filter(due_q(now)).values("campaign_id")
    return list(
        Campaign.objects.filter(status__phase=StatusPhase.ACTIVE, pk__in=due)
        .filter(Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now))
        .values_list("pk", flat=True)
    )
