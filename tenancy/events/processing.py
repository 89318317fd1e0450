"""Consumers and the processing of the outbox: claiming with SKIP LOCKED, handing over,
marking, retrying, purging (tenancy.events)."""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..actors import Actor, require_role
from ..models.events import LAST_ERROR_MAX_LENGTH, EventStatus, OutboxEvent
from ..models.tenants import Role, Tenant
from . import wakeup

logger = logging.getLogger(__name__)

# Who may retry failed events (the admin's action).
RETRY_ROLES = (Role.ADMIN,)


@dataclass(frozen=True)
class Consumer:
    name: str
    handler: Callable[..., object]
    event_types: frozenset[str] | None = None

    def wants(self, event: OutboxEvent) -> bool:
        return self.event_types is None or event.event_type in self.event_types


_consumers: dict[str, Consumer] = {}


def register_consumer(
    name: str, handler: Callable[..., object], *, event_types: Collection[str] | None = None
) -> None:
    """Hand events to `handler(*, tenant, events)` (a batch of one tenant's events, oldest
    first; only those of `event_types` when given). Registering a name again replaces it. Call
    it from AppConfig.ready: every web and worker process registers the same consumers.

    The handler may answer the pks of events it could not take now (a row it needs is another
    worker's until that one commits): they are left pending, in their place in the queue,
    and handed over again (to every consumer: delivery is at least once) by a later batch."""
    _consumers[name] = Consumer(
        name, handler, frozenset(event_types) if event_types is not None else None
    )


def unregister_consumer(name: str) -> None:
    _consumers.pop(name, None)


def consumers() -> list[Consumer]:
    return list(_consumers.values())


# ---------------------------------------------------------------------------------------------
# Processing


@dataclass
class Processed:
    """What one `process_events` call did."""

    claimed: int = 0
    processed: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # handed back by a consumer, left pending for a later batch
    errors: dict[int, str] = field(default_factory=dict)


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long an event waits after its `attempts`-th failed try: base × 2^(attempts-1),
    at most OUTBOX_RETRY_MAX_SECONDS."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _hold_lease() -> None:
    """On PostgreSQL, a worker idle inside its claim for longer than the lease loses its
    session, and with it the row locks: another worker takes the events."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('idle_in_transaction_session_timeout', %s, true)",
                [f"{int(settings.OUTBOX_LEASE_SECONDS * 1000)}"],
            )


def _error_text(consumer: Consumer, exc: BaseException) -> str:
    text = f"{consumer.name}: {type(exc).__name__}: {exc}"
    return text[:LAST_ERROR_MAX_LENGTH]


# How long a drain waits when a whole batch was handed back (its events' rows are other
# workers' until they commit): doubling while it goes on, up to the longest.
DEFERRED_PAUSE = 0.05
DEFERRED_PAUSE_LONGEST = 1.0

# PostgreSQL's deadlock and serialization failures: the other transaction went on, so the
# same work again (its savepoint was rolled back) usually goes through.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
TRANSIENT_RETRIES = 3


def _transient(exc: BaseException) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in TRANSIENT_SQLSTATES


def _call(
    consumer: Consumer, tenant: Tenant, events: list[OutboxEvent]
) -> tuple[str | None, set[int]]:
    """Run the handler in a savepoint: (the error's text when it raised, its writes undone;
    the pks of the events it handed back).
    A deadlock with another worker (two batches writing the same customers in different
    orders) runs the handler again at once, up to TRANSIENT_RETRIES times, rather than
    counting as the events' failure and sending the whole batch round one event at a time."""
    for attempt in range(TRANSIENT_RETRIES + 1):
        try:
            with transaction.atomic():
                handed_back = consumer.handler(tenant=tenant, events=events)
        except Exception as exc:  # a consumer's failure is the event's, not the worker's
            if connection.needs_rollback:
                # The savepoint could not be rolled back: the transaction (the connection, the
                # claim) is gone, and with it everything this batch did. Stop; nothing marked.
                raise
            if _transient(exc) and attempt < TRANSIENT_RETRIES:
                logger.info("Outbox consumer %s: %s; again", consumer.name, type(exc).__name__)
                continue
            logger.warning("Outbox consumer %s failed", consumer.name, exc_info=True)
            return _error_text(consumer, exc), set()
        back = set(handed_back or ())
        return None, {event.pk for event in events if event.pk in back}
    return None, set()  # (not reached: the last attempt returns)


def _claim(batch_size: int) -> list[OutboxEvent]:
    return list(
        OutboxEvent.objects.select_for_update(skip_locked=True)
        .filter(status=EventStatus.PENDING, available_at__lte=timezone.now())
        .order_by("available_at", "pk")[:batch_size]
    )


def _deliver(events: list[OutboxEvent]) -> tuple[dict[int, str], set[int]]:
    """Hand the events to every consumer, by tenant: ({event pk: error} of those that failed,
    the pks of those a consumer handed back)."""
    errors: dict[int, str] = {}
    deferred: set[int] = set()
    registered = consumers()
    if not registered:
        return errors, deferred
    tenants = Tenant.objects.in_bulk({event.tenant_id for event in events})
    by_tenant = sorted(events, key=lambda e: e.tenant_id)
    for tenant_id, group in groupby(by_tenant, key=lambda e: e.tenant_id):
        group = list(group)
        tenant = tenants[tenant_id]
        for event in group:
            event.tenant = tenant
        for consumer in registered:
            mine = [event for event in group if consumer.wants(event)]
            if not mine:
                continue
            error, handed_back = _call(consumer, tenant, mine)
            deferred |= handed_back
            if error is None:
                continue
            if len(mine) == 1:
                errors.setdefault(mine[0].pk, error)
                continue
            # One by one, so the events that are fine go through and the error is pinned on
            # the one that causes it.
            for event in mine:
                error, handed_back = _call(consumer, tenant, [event])
                deferred |= handed_back
                if error is not None:
                    errors.setdefault(event.pk, error)
    return errors, deferred


def _mark(
    events: list[OutboxEvent], errors: dict[int, str], deferred: set[int], result: Processed
) -> None:
    now = timezone.now()
    # A failure counts before a hand-back: the event is retried later either way, but only a
    # failure is a try.
    deferred = deferred - set(errors)
    result.deferred = len(deferred)
    done = [event.pk for event in events if event.pk not in errors and event.pk not in deferred]
    if done:
        OutboxEvent.objects.filter(pk__in=done).update(
            status=EventStatus.PROCESSED,
            processed_at=now,
            attempts=F("attempts") + 1,
            last_error="",
        )
    result.processed = len(done)
    max_attempts = settings.OUTBOX_MAX_ATTEMPTS
    for event in events:  # failures are few: a statement each is fine
        if event.pk not in errors:
            continue
        attempts = event.attempts + 1
        update = {"attempts": attempts, "last_error": errors[event.pk]}
        if attempts >= max_attempts:
            update["status"] = EventStatus.FAILED
            result.failed += 1
        else:
            update["available_at"] = now + retry_delay(attempts)
            result.retried += 1
        OutboxEvent.objects.filter(pk=event.pk).update(**update)
    result.errors = errors


def process_events(*, batch_size: int | None = None) -> Processed:
    """Claim one batch of due events (SKIP LOCKED: what another worker holds is left to it),
    hand them to the consumers and mark them, all in one transaction."""
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    result = Processed()
    draining = getattr(wakeup.local, "draining", False)
    wakeup.local.draining = True  # a consumer's own emits are taken by the loop, not a new kick
    try:
        with transaction.atomic():
            _hold_lease()
            events = _claim(batch_size)
            result.claimed = len(events)
            if events:
                errors, deferred = _deliver(events)
                _mark(events, errors, deferred, result)
    finally:
        wakeup.local.draining = draining
    return result


def drain(*, seconds: float | None = None, batch_size: int | None = None) -> int:
    """Process batches until none is due or `seconds` have passed; returns how many events
    were taken. When time runs out on a worker, another drain is queued for the rest."""
    seconds = settings.OUTBOX_DRAIN_SECONDS if seconds is None else seconds
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    deadline = time.monotonic() + seconds
    total = 0
    pause = DEFERRED_PAUSE
    while True:
        result = process_events(batch_size=batch_size)
        total += result.claimed - result.deferred
        if not result.claimed:  # (a consumer's own events were committed with the batch)
            return total
        if result.deferred == result.claimed:  # all held by other transactions: let them end
            time.sleep(min(pause, max(deadline - time.monotonic(), 0)))
            pause = min(pause * 2, DEFERRED_PAUSE_LONGEST)
        else:
            pause = DEFERRED_PAUSE
        if time.monotonic() >= deadline:
            if not wakeup.eager():  # a worker hands the rest to a fresh task
                wakeup.queue_drain(debounced=False)
            return total


def purge_processed(*, older_than: datetime.timedelta | None = None, chunk: int = 10_000) -> int:
    """Delete processed events processed more than OUTBOX_KEEP_DAYS ago, in chunks so no
    statement holds the table long; failed and waiting events are kept. Returns how many."""
    if older_than is None:
        older_than = datetime.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    cutoff = timezone.now() - older_than
    total = 0
    while True:
        ids = list(
            OutboxEvent.objects.filter(status=EventStatus.PROCESSED, processed_at__lt=cutoff)
            .order_by()
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return total
        total += OutboxEvent.objects.filter(pk__in=ids).delete()[0]


def events_retry(*, tenant: Tenant, by: Actor, event_ids: Collection[int]) -> int:
    """Give the tenant's failed events among `event_ids` another round of tries, now; returns
    how many. Their last error stays until they are processed."""
    require_role(by, tenant=tenant, roles=RETRY_ROLES, message="Only admins may retry events.")
    with transaction.atomic():
        count = (
            OutboxEvent.objects.for_tenant(tenant)
            .filter(pk__in=list(event_ids), status=EventStatus.FAILED)
            .update(status=EventStatus.PENDING, attempts=0, available_at=timezone.now())
        )
        if count:
            wakeup.process_after_commit()
    return count
