"""Emitting events into the outbox, in the caller's transaction (tenancy.events)."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Value
from django.utils import timezone
from psycopg.types.json import Jsonb

from ..models import EventStatus, OutboxEvent, Tenant
from ..services.common import insert_select
from .data import INT64_MAX, clean_data, clean_event_id, clean_event_type, clean_occurred_at
from .wakeup import process_after_commit

EMIT_MANY_BATCH = 2000


@dataclass(frozen=True)
class EventSpec:
    """One event of `emit_many`."""

    event_type: str
    customer_id: int | None = None
    data: dict | None = None
    occurred_at: datetime.datetime | None = None
    event_id: str | None = None


def _cleaned(spec: EventSpec, now: datetime.datetime) -> tuple:
    """(event_type, customer_id, data, occurred_at, event_id) of a spec, checked."""
    if spec.customer_id is not None and not (
        isinstance(spec.customer_id, int) and 0 < spec.customer_id <= INT64_MAX
    ):
        raise ValidationError({"customer": ["Not a customer's id."]})
    return (
        clean_event_type(spec.event_type),
        spec.customer_id,
        clean_data(spec.data),
        clean_occurred_at(spec.occurred_at, now=now),
        clean_event_id(spec.event_id),
    )


def _new_event(tenant: Tenant, cleaned: tuple, now: datetime.datetime) -> OutboxEvent:
    event_type, customer_id, data, occurred_at, event_id = cleaned
    return OutboxEvent(
        tenant=tenant,
        event_type=event_type,
        customer_id=customer_id,
        data=data,
        occurred_at=occurred_at,
        recorded_at=now,
        event_id=event_id,
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
    spec = EventSpec(event_type, customer_id, data, occurred_at, event_id)
    event = _new_event(tenant, _cleaned(spec, now), now)
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
    process_after_commit()
    return event


def emit_many(*, tenant: Tenant, events: Iterable[EventSpec]) -> int:
    """Record many events of one tenant in the caller's transaction. Returns how many were
    given. All are validated before any is written. On PostgreSQL, when none carries an
    `event_id`, one COPY (no model instance per event: a batch of trigger runs emits ~8 events
    per external one); otherwise one multi-row INSERT per 2,000 that skips the repeats of an
    `event_id` already recorded (COPY has no ON CONFLICT)."""
    now = timezone.now()
    cleaned = [_cleaned(spec, now) for spec in events]
    if not cleaned:
        return 0
    if connection.vendor == "postgresql" and not any(row[4] for row in cleaned):
        _copy_events(tenant, cleaned, now)
    else:
        rows = [_new_event(tenant, row, now) for row in cleaned]
        for start in range(0, len(rows), EMIT_MANY_BATCH):
            chunk = rows[start : start + EMIT_MANY_BATCH]
            OutboxEvent.objects.bulk_create(
                chunk, ignore_conflicts=any(row.event_id for row in chunk)
            )
    process_after_commit()
    return len(cleaned)


def _copy_events(tenant: Tenant, cleaned: list[tuple], now: datetime.datetime) -> None:
    """COPY the checked events (none with a key) into the outbox, pending and due now."""
    fields = [OutboxEvent._meta.get_field(name) for name in EMIT_SELECT_FIELDS]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {OutboxEvent._meta.db_table} ({columns}) FROM STDIN"
    began = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(statement) as copy:
            for event_type, customer_id, data, occurred_at, event_id in cleaned:
                copy.write_row(
                    (
                        tenant.pk,
                        event_type,
                        customer_id,
                        Jsonb(data),
                        event_id,  # None: a key needs ON CONFLICT, which COPY has not
                        occurred_at,
                        now,
                        now,
                        EventStatus.PENDING,
                        0,
                        "",
                    )
                )
    if connection.queries_logged:  # logged as Django logs its statements (debug, tests)
        seconds = time.perf_counter() - began
        connection.queries_log.append(
            {"sql": f"{statement} ({len(cleaned)} rows)", "time": f"{seconds:.3f}"}
        )


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
    return emit_select(
        tenant=tenant,
        event_type=event_type,
        rows=customers.filter(tenant=tenant),
        data=data,
        occurred_at=occurred_at,
    )


EMIT_SELECT_FIELDS = (
    "tenant",
    "event_type",
    "customer_id",
    "data",
    "event_id",
    "occurred_at",
    "recorded_at",
    "available_at",
    "status",
    "attempts",
    "last_error",
)


def emit_select(
    *,
    tenant: Tenant,
    event_type: str,
    rows: models.QuerySet,
    customer: str = "pk",
    data: dict | models.Expression | models.F | None = None,
    event_id: models.Expression | None = None,
    occurred_at: datetime.datetime | None = None,
) -> int:
    """One event per row of `rows` (a queryset the caller has narrowed to the tenant's), in one
    INSERT … SELECT … ON CONFLICT DO NOTHING — the set-based emit every other one builds on.
    `customer` names the rows' customer id; `data` is a dict (the same for every row, checked
    as `emit` checks it) or an expression computed per row (the caller keeps it JSON-safe and
    small); `event_id` an expression for the key, so a repeat is the same event and is
    skipped. Returns how many went in; the consumers get them after the commit."""
    now = timezone.now()
    json_field = OutboxEvent._meta.get_field("data")
    if not hasattr(data, "resolve_expression"):  # a dict: the same, checked, for every row
        data = Value(clean_data(data), output_field=json_field)
    fixed = {
        "_ev_tenant": Value(tenant.pk, output_field=models.BigIntegerField()),
        "_ev_type": Value(clean_event_type(event_type), output_field=models.CharField()),
        "_ev_data": data,
        "_ev_key": Value(None, output_field=models.TextField()) if event_id is None else event_id,
        "_ev_occurred": Value(
            clean_occurred_at(occurred_at, now=now), output_field=models.DateTimeField()
        ),
        "_ev_now": Value(now, output_field=models.DateTimeField()),
        "_ev_status": Value(EventStatus.PENDING, output_field=models.CharField()),
        "_ev_zero": Value(0, output_field=models.IntegerField()),
        "_ev_blank": Value("", output_field=models.TextField()),
    }
    values = rows.annotate(**fixed).values_list(
        "_ev_tenant",
        "_ev_type",
        customer,
        "_ev_data",
        "_ev_key",
        "_ev_occurred",
        "_ev_now",
        "_ev_now",
        "_ev_status",
        "_ev_zero",
        "_ev_blank",
    )
    count = insert_select(OutboxEvent, EMIT_SELECT_FIELDS, values)
    if count:
        process_after_commit()
    return count
