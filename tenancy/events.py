"""The event outbox: emitting events in the caller's transaction, and handing them to the
consumers that apps above register.

Emitting (a service that changed something a trigger may react to)::

    emit(tenant=tenant, event_type="tag_added", customer_id=customer.pk, data={"tag": "vip"})
    emit_many(tenant=tenant, events=[EventSpec("tag_added", customer_id=pk, data=…), …])
    emit_for(tenant=tenant, event_type="tag_added", customers=queryset, data={"tag": "vip"})

Each is one INSERT (emit_many one multi-row INSERT per 2,000 events, emit_for one INSERT …
SELECT) in the caller's transaction: a rolled-back change emits nothing. `event_id` (the
sender's key) makes a repeat the same event: the unique constraint decides, and `emit` answers
the row that is there (`.is_new` False).

Consuming (in AppConfig.ready)::

    register_consumer("automation", handle, event_types={"tag_added", "purchase"})

`handle(*, tenant, events)` gets a batch of one tenant's events, oldest first, inside the
worker's transaction: what it writes commits together with the events being marked processed.
Delivery is at least once (a failure elsewhere in the batch, or a worker stopped after a
message went out, repeats it), so a handler must be idempotent — a unique key per (thing,
event), not a check before the insert.

Processing: `process_events()` claims due events with SELECT … FOR UPDATE SKIP LOCKED (so N
workers share them), calls the consumers and marks the events in the same transaction. A worker
that dies mid-batch takes its transaction with it: the row locks go, nothing it wrote stays, and
the next worker takes the events. A worker stuck longer than OUTBOX_LEASE_SECONDS between two
statements loses its session the same way (PostgreSQL's idle-in-transaction timeout). A
consumer that raises is retried with exponential backoff, event by event so one bad event does
not hold back its batch, and after OUTBOX_MAX_ATTEMPTS tries the event is marked failed with the
error (the admin shows it and can retry it).
"""

from __future__ import annotations

import datetime
import decimal
import json
import logging
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Value
from django.utils import timezone

from .actors import Actor, require_role
from .models import EventStatus, OutboxEvent, Role, Tenant
from .services.common import insert_select

logger = logging.getLogger(__name__)

# The event types Atrium emits itself (CONTRACT.md, "Automation"); an event sent through the API
# may not use them.
BUILTIN_EVENT_TYPES = (
    "customer_created",
    "customer_updated",
    "field_changed",
    "tag_added",
    "tag_removed",
    "segment_entered",
    "segment_left",
    "lead_created",
    "lead_status_changed",
    "milestone_completed",
    "campaign_opened",
    "campaign_clicked",
    "callback_completed",
    "date_reached",
    "inactive",
)
EVENT_TYPE_MAX_LENGTH = 64
EVENT_TYPE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
EVENT_ID_MAX_LENGTH = 200
DATA_MAX_BYTES = 64 * 1024
DATA_MAX_DEPTH = 10
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
EMIT_MANY_BATCH = 2000
ERROR_MAX_LENGTH = 2000
# Who may retry failed events (the admin's action).
RETRY_ROLES = (Role.ADMIN,)


# ---------------------------------------------------------------------------------------------
# Validating what is emitted


def clean_event_type(value: object) -> str:
    """The event type as stored: a lower-case slug (letters, digits, _ and -), at most 64."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if not text:
        raise ValidationError({"event_type": ["Give the event's type, e.g. purchase."]})
    if len(text) > EVENT_TYPE_MAX_LENGTH:
        raise ValidationError({"event_type": [f"At most {EVENT_TYPE_MAX_LENGTH} characters."]})
    if not EVENT_TYPE_PATTERN.match(text):
        raise ValidationError(
            {
                "event_type": [
                    "Use lower-case letters, digits, underscores and hyphens, e.g. order_shipped."
                ]
            }
        )
    return text


def clean_event_id(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError({"event_id": ["Give the event's key as text."]})
    if len(value) > EVENT_ID_MAX_LENGTH:
        raise ValidationError({"event_id": [f"At most {EVENT_ID_MAX_LENGTH} characters."]})
    if "\x00" in value:
        raise ValidationError({"event_id": ["Null characters are not allowed."]})
    return value


class _Refused(Exception):
    def __init__(self, message: str):
        self.message = message


def _json_safe(value, depth: int):
    """`value` as plain JSON (dates and times as ISO text, decimals as numbers, UUIDs as text,
    tuples and sets as lists), or _Refused saying why not."""
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str) and "\x00" in value:
            raise _Refused("Null characters are not allowed.")
        return value
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise _Refused("Numbers beyond 64 bits (±9.2e18) are not accepted.")
        return value
    if isinstance(value, float | decimal.Decimal):
        if not math.isfinite(value):
            raise _Refused("Give a finite number.")
        number = float(value)
        if not math.isfinite(number):
            raise _Refused("Give a finite number.")
        if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
            whole = int(value)
            if INT64_MIN <= whole <= INT64_MAX:
                return whole
        return number
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list | tuple | set | frozenset):
        if depth > DATA_MAX_DEPTH:
            raise _Refused(f"Nested deeper than {DATA_MAX_DEPTH} levels.")
        if isinstance(value, dict):
            cleaned = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise _Refused("Names must be text.")
                if "\x00" in key:
                    raise _Refused("Null characters are not allowed in names.")
                cleaned[key] = _json_safe(item, depth + 1)
            return cleaned
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [_json_safe(item, depth + 1) for item in items]
    raise _Refused(f"A {type(value).__name__} cannot be stored in an event; give JSON values.")


def clean_data(data: object) -> dict:
    """The event's data as stored: a JSON object of at most 64 KB, nested at most 10 deep."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError({"data": ["Give an object of names and values."]})
    try:
        cleaned = _json_safe(data, 1)
    except _Refused as exc:
        raise ValidationError({"data": [exc.message]}) from None
    except RecursionError:
        raise ValidationError({"data": [f"Nested deeper than {DATA_MAX_DEPTH} levels."]}) from None
    size = len(json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")).encode())
    if size > DATA_MAX_BYTES:
        raise ValidationError(
            {"data": [f"At most {DATA_MAX_BYTES // 1024} KB of data ({size:,} bytes given)."]}
        )
    return cleaned


def clean_occurred_at(value: datetime.datetime | None, *, now: datetime.datetime):
    if value is None:
        return now
    if not isinstance(value, datetime.datetime):
        raise ValidationError({"occurred_at": ["Give a date and time."]})
    if timezone.is_naive(value):
        raise ValidationError({"occurred_at": ["Give a date and time with its time zone."]})
    return value


# ---------------------------------------------------------------------------------------------
# Emitting


@dataclass(frozen=True)
class EventSpec:
    """One event of `emit_many`."""

    event_type: str
    customer_id: int | None = None
    data: dict | None = None
    occurred_at: datetime.datetime | None = None
    event_id: str | None = None


def _new_event(tenant: Tenant, spec: EventSpec, now: datetime.datetime) -> OutboxEvent:
    if spec.customer_id is not None and not (
        isinstance(spec.customer_id, int) and 0 < spec.customer_id <= INT64_MAX
    ):
        raise ValidationError({"customer": ["Not a customer's id."]})
    return OutboxEvent(
        tenant=tenant,
        event_type=clean_event_type(spec.event_type),
        customer_id=spec.customer_id,
        data=clean_data(spec.data),
        occurred_at=clean_occurred_at(spec.occurred_at, now=now),
        recorded_at=now,
        event_id=clean_event_id(spec.event_id),
        available_at=now,
    )


def emit(
    *,
    tenant: Tenant,
    event_type: str,
    customer_id: int | None = None,
    data: dict | None = None,
    occurred_at: datetime.datetime | None = None,
    event_id: str | None = None,
) -> OutboxEvent:
    """Record an event in the caller's transaction (one INSERT; with `event_id`, an INSERT …
    ON CONFLICT DO NOTHING and the read of the row that is there). Answers the event, with
    `is_new` False when `event_id` named an event already recorded (that one is answered, as
    it was first sent). The consumers get it after the commit. ValidationError for a bad type
    or data."""
    now = timezone.now()
    event = _new_event(tenant, EventSpec(event_type, customer_id, data, occurred_at, event_id), now)
    if event.event_id is None:
        event.save(force_insert=True)
        event.is_new = True
    else:
        # The unique constraint decides between two senders of the same key (a concurrent
        # transaction's INSERT waits for the first to commit, then fails): not a check first.
        try:
            with transaction.atomic():
                event.save(force_insert=True)
            event.is_new = True
        except IntegrityError:
            event = OutboxEvent.objects.get(tenant=tenant, event_id=event.event_id)
            event.is_new = False
            return event
    _process_after_commit()
    return event


def emit_many(*, tenant: Tenant, events: Iterable[EventSpec]) -> int:
    """Record many events of one tenant in the caller's transaction, one multi-row INSERT per
    2,000 (repeats of an `event_id` already recorded are skipped). Returns how many were
    given. All are validated before any is written."""
    now = timezone.now()
    rows = [_new_event(tenant, spec, now) for spec in events]
    for start in range(0, len(rows), EMIT_MANY_BATCH):
        OutboxEvent.objects.bulk_create(
            rows[start : start + EMIT_MANY_BATCH],
            ignore_conflicts=any(row.event_id for row in rows[start : start + EMIT_MANY_BATCH]),
        )
    if rows:
        _process_after_commit()
    return len(rows)


def emit_for(
    *,
    tenant: Tenant,
    event_type: str,
    customers: models.QuerySet,
    data: dict | None = None,
    occurred_at: datetime.datetime | None = None,
) -> int:
    """One event of `event_type` (with the same `data`) for every customer of `customers` (a
    queryset of the tenant's customers, already narrowed by the caller), in one INSERT …
    SELECT: 50,000 customers' events never travel through Python. Returns how many."""
    now = timezone.now()
    event_type = clean_event_type(event_type)
    data = clean_data(data)
    occurred_at = clean_occurred_at(occurred_at, now=now)
    json_field = OutboxEvent._meta.get_field("data")
    rows = customers.filter(tenant=tenant).annotate(
        _tenant=Value(tenant.pk, output_field=models.BigIntegerField()),
        _type=Value(event_type, output_field=models.CharField()),
        _data=Value(data, output_field=json_field),
        _occurred=Value(occurred_at, output_field=models.DateTimeField()),
        _recorded=Value(now, output_field=models.DateTimeField()),
        _available=Value(now, output_field=models.DateTimeField()),
        _status=Value(EventStatus.PENDING, output_field=models.CharField()),
        _zero=Value(0, output_field=models.IntegerField()),
        _blank=Value("", output_field=models.TextField()),
    )
    fields = [
        "tenant",
        "event_type",
        "customer_id",
        "data",
        "occurred_at",
        "recorded_at",
        "available_at",
        "status",
        "attempts",
        "last_error",
    ]
    values = rows.values_list(
        "_tenant",
        "_type",
        "pk",
        "_data",
        "_occurred",
        "_recorded",
        "_available",
        "_status",
        "_zero",
        "_blank",
    )
    count = insert_select(OutboxEvent, fields, values)
    if count:
        _process_after_commit()
    return count


# ---------------------------------------------------------------------------------------------
# Consumers


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
    it from AppConfig.ready: every web and worker process registers the same consumers."""
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
    return text[:ERROR_MAX_LENGTH]


def _call(consumer: Consumer, tenant: Tenant, events: list[OutboxEvent]) -> str | None:
    """Run the handler in a savepoint; the error's text when it raised (its writes undone)."""
    try:
        with transaction.atomic():
            consumer.handler(tenant=tenant, events=events)
    except Exception as exc:  # a consumer's failure is the event's, not the worker's
        if connection.needs_rollback:
            # The savepoint could not be rolled back: the transaction (the connection, the
            # claim) is gone, and with it everything this batch did. Stop; nothing is marked.
            raise
        logger.warning("Outbox consumer %s failed", consumer.name, exc_info=True)
        return _error_text(consumer, exc)
    return None


def _claim(batch_size: int) -> list[OutboxEvent]:
    return list(
        OutboxEvent.objects.select_for_update(skip_locked=True)
        .filter(status=EventStatus.PENDING, available_at__lte=timezone.now())
        .order_by("available_at", "pk")[:batch_size]
    )


def _deliver(events: list[OutboxEvent]) -> dict[int, str]:
    """Hand the events to every consumer, by tenant; {event pk: error} of those that failed."""
    errors: dict[int, str] = {}
    registered = consumers()
    if not registered:
        return errors
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
            error = _call(consumer, tenant, mine)
            if error is None:
                continue
            if len(mine) == 1:
                errors.setdefault(mine[0].pk, error)
                continue
            # One by one, so the events that are fine go through and the error is pinned on
            # the one that causes it.
            for event in mine:
                error = _call(consumer, tenant, [event])
                if error is not None:
                    errors.setdefault(event.pk, error)
    return errors


def _mark(events: list[OutboxEvent], errors: dict[int, str], result: Processed) -> None:
    now = timezone.now()
    done = [event.pk for event in events if event.pk not in errors]
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


_local = threading.local()


def process_events(*, batch_size: int | None = None) -> Processed:
    """Claim one batch of due events (SKIP LOCKED: what another worker holds is left to it),
    hand them to the consumers and mark them, all in one transaction."""
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    result = Processed()
    draining = getattr(_local, "draining", False)
    _local.draining = True  # a consumer's own emits are taken by the loop, not a new kick
    try:
        with transaction.atomic():
            _hold_lease()
            events = _claim(batch_size)
            result.claimed = len(events)
            if events:
                errors = _deliver(events)
                _mark(events, errors, result)
    finally:
        _local.draining = draining
    return result


def drain(*, seconds: float | None = None, batch_size: int | None = None) -> int:
    """Process batches until none is due or `seconds` have passed; returns how many events
    were taken. When time runs out on a worker, another drain is queued for the rest."""
    seconds = settings.OUTBOX_DRAIN_SECONDS if seconds is None else seconds
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    deadline = time.monotonic() + seconds
    total = 0
    while True:
        result = process_events(batch_size=batch_size)
        total += result.claimed
        if not result.claimed:  # (a consumer's own events were committed with the batch)
            return total
        if time.monotonic() >= deadline:
            if not _eager():  # a worker hands the rest to a fresh task
                _queue_drain(debounced=False)
            return total


# ---------------------------------------------------------------------------------------------
# Waking the workers


KICK_KEY = "tenancy:outbox:kick"


def _eager() -> bool:
    """No broker: tasks run in the calling process."""
    from .tasks import process_events_task

    return bool(process_events_task.app.conf.task_always_eager)


def _queue_drain(*, debounced: bool) -> None:
    from .tasks import process_events_task

    if _eager():
        if not getattr(_local, "draining", False):
            drain()
        return
    countdown = settings.OUTBOX_KICK_SECONDS
    # One task per window however many transactions emit: the first to set the flag queues a
    # drain that starts when the flag lapses, so it sees every event whose emitter found the
    # flag set. Beat's schedule is the safety net.
    if debounced and not cache.add(KICK_KEY, 1, timeout=countdown):
        return
    process_events_task.apply_async(countdown=countdown if debounced else 0)


def _kick() -> None:
    if getattr(_local, "draining", False):
        return  # the running drain takes the events a consumer emitted
    try:
        _queue_drain(debounced=True)
    except Exception:  # the events are committed; beat's schedule will take them
        logger.exception("Could not queue the outbox's processing")


def _process_after_commit() -> None:
    """After the caller's commit, process (in-process without a broker, else queue a worker's
    drain); once per transaction however many events it emits."""
    if connection.in_atomic_block and any(
        func is _kick for _savepoints, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_kick, robust=True)


# ---------------------------------------------------------------------------------------------
# Keeping and retrying


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
            _process_after_commit()
    return count


__all__ = [
    "BUILTIN_EVENT_TYPES",
    "EventSpec",
    "Processed",
    "clean_data",
    "clean_event_type",
    "consumers",
    "drain",
    "emit",
    "emit_for",
    "emit_many",
    "events_retry",
    "process_events",
    "purge_processed",
    "register_consumer",
    "retry_delay",
    "unregister_consumer",
]
