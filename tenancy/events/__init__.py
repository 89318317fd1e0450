"""The event outbox: emitting events in the caller's transaction, and handing them to the
consumers that apps above register.

Emitting (a service that changed something a trigger may react to)::

    emit(tenant=tenant, event_type="tag_added", customer_id=customer.pk, data={"tag": "vip"})
    emit_many(tenant=tenant, events=[EventSpec("tag_added", customer_id=pk, data=…), …])
    emit_for(tenant=tenant, event_type="tag_added", customers=queryset, data={"tag": "vip"})
    emit_select(tenant=tenant, event_type="field_changed", rows=history, customer="customer_id",
                data=JSONObject(field=F("field_key")), event_id=…)  # data/key per row

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

from .data import (
    BUILTIN_EVENT_TYPES,
    DATA_MAX_BYTES,
    DATA_MAX_DEPTH,
    EVENT_ID_MAX_LENGTH,
    EVENT_TYPE_MAX_LENGTH,
    clean_data,
    clean_event_id,
    clean_event_type,
)
from .emitting import EventSpec, emit, emit_for, emit_many, emit_select
from .processing import (
    Consumer,
    Processed,
    consumers,
    drain,
    events_retry,
    process_events,
    purge_processed,
    register_consumer,
    retry_delay,
    unregister_consumer,
)

__all__ = [
    "BUILTIN_EVENT_TYPES",
    "DATA_MAX_BYTES",
    "DATA_MAX_DEPTH",
    "EVENT_ID_MAX_LENGTH",
    "EVENT_TYPE_MAX_LENGTH",
    "Consumer",
    "EventSpec",
    "Processed",
    "clean_data",
    "clean_event_id",
    "clean_event_type",
    "consumers",
    "drain",
    "emit",
    "emit_for",
    "emit_select",
    "emit_many",
    "events_retry",
    "process_events",
    "purge_processed",
    "register_consumer",
    "retry_delay",
    "unregister_consumer",
]
