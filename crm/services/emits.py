"""The built-in events crm's services emit into the outbox (tenancy.events), in the transaction
of the change itself: a rolled-back change emits nothing. The payloads are shaped here, in one
place; each is small and JSON-safe (values as the field history shows them: text or None).

Which change emits which event (docs/architecture.md has the table):

- a customer created (page, API, a lead converted, an import): `customer_created`, plus a
  `tag_added` for each tag it starts with;
- a customer's own fields changed (core or custom values: an edit, a captured answer, a bulk
  set, an import): one `customer_updated` {"fields": [...]} per customer and one
  `field_changed` {"field", "old", "new"} per field that changed;
- a tag added or removed (an edit, a bulk edit, a smart-tag rule, a tag merged or deleted, an
  import, a merge of duplicates): `tag_added` / `tag_removed` {"tag": name} only — a tag-only
  change is not also a `customer_updated` (a 50,000-customer bulk tag edit is 50,000 events,
  not 100,000);
- a segment's membership moved (a change, or a rebuild after the first one):
  `segment_entered` / `segment_left` {"segment": id, "name": name};
- a lead created: `lead_created` {"lead": id, "status": status}; its status changed (an edit,
  bulk status): `lead_status_changed` {"from", "to", "lead"}. A lead event carries the lead's
  customer when it has been converted, else None (recorded; triggers, which send to a customer,
  pass over it).

Set-based writers use `emit_for` (one INSERT … SELECT) or `emit_many` (one multi-row INSERT
per 2,000), never a loop of single inserts."""

from collections.abc import Iterable, Mapping, Sequence

from django.db import connection, models
from django.db.models import F, Value
from django.db.models.functions import JSONObject
from django.utils import timezone

from customfields.models import FieldHistory
from tenancy.events import EventSpec, emit, emit_for, emit_many, emit_select
from tenancy.events.emitting import EMIT_SELECT_FIELDS
from tenancy.models import EventStatus, OutboxEvent, Tenant

CUSTOMER_CREATED = "customer_created"
CUSTOMER_UPDATED = "customer_updated"
FIELD_CHANGED = "field_changed"
TAG_ADDED = "tag_added"
TAG_REMOVED = "tag_removed"
SEGMENT_ENTERED = "segment_entered"
SEGMENT_LEFT = "segment_left"
LEAD_CREATED = "lead_created"
LEAD_STATUS_CHANGED = "lead_status_changed"


def tag_event(added: bool) -> str:
    return TAG_ADDED if added else TAG_REMOVED


def segment_event(entered: bool) -> str:
    return SEGMENT_ENTERED if entered else SEGMENT_LEFT


def tag_data(name: str) -> dict:
    return {"tag": name}


def segment_data(segment_id: int, name: str) -> dict:
    return {"segment": segment_id, "name": name}


def field_data(key: str, old: str | None, new: str | None) -> dict:
    return {"field": key, "old": old, "new": new}


# ---------------------------------------------------------------------------------------------
# Customers


def customer_created(*, tenant: Tenant, customer_id: int, data: dict | None = None) -> None:
    emit(tenant=tenant, event_type=CUSTOMER_CREATED, customer_id=customer_id, data=data or {})


def customers_created(*, tenant: Tenant, customer_ids: Sequence[int], data: dict) -> int:
    return emit_many(
        tenant=tenant,
        events=(EventSpec(CUSTOMER_CREATED, customer_id=pk, data=data) for pk in customer_ids),
    )


def customer_fields_changed(
    *, tenant: Tenant, customer_id: int, history: Iterable[FieldHistory]
) -> None:
    """One `customer_updated` naming the changed fields and one `field_changed` per field, from
    the field-history rows of the change (core and custom alike)."""
    rows = list(history)
    if not rows:
        return
    emit_many(
        tenant=tenant,
        events=[
            EventSpec(
                CUSTOMER_UPDATED,
                customer_id=customer_id,
                data={"fields": sorted({row.field_key for row in rows})},
            ),
            *(
                EventSpec(
                    FIELD_CHANGED,
                    customer_id=customer_id,
                    data=field_data(row.field_key, row.old_value, row.new_value),
                )
                for row in rows
            ),
        ],
    )


def customers_fields_changed(*, tenant: Tenant, history: Iterable[FieldHistory]) -> int:
    """The same for many customers' history rows (an import's batch): one `customer_updated`
    per customer, one `field_changed` per row, in one multi-row INSERT per 2,000."""
    per_customer: dict[int, list[FieldHistory]] = {}
    for row in history:
        per_customer.setdefault(row.customer_id, []).append(row)
    specs = []
    for pk, rows in per_customer.items():
        fields = sorted({row.field_key for row in rows})
        specs.append(EventSpec(CUSTOMER_UPDATED, customer_id=pk, data={"fields": fields}))
        specs += [
            EventSpec(
                FIELD_CHANGED,
                customer_id=pk,
                data=field_data(r.field_key, r.old_value, r.new_value),
            )
            for r in rows
        ]
    return emit_many(tenant=tenant, events=specs)


def history_mark() -> int:
    """The newest field-history id now: `fields_changed_since` reads the rows written after it."""
    return FieldHistory.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def fields_changed_since(
    *, tenant: Tenant, customer_ids: Sequence[int], mark: int, reason: str, fields: Sequence[str]
) -> int:
    """A bulk set of values (crm.services.bulk): `field_changed` for each field-history row the
    write just made for `customer_ids` (ids above `mark`, with the write's `reason`), and one
    `customer_updated` per customer they name — two INSERT … SELECT, the old values never
    travelling through Python."""
    rows = FieldHistory.objects.filter(
        tenant=tenant, customer_id__in=customer_ids, pk__gt=mark, reason=reason
    )
    count = _insert_events(
        tenant,
        FIELD_CHANGED,
        rows.annotate(
            _data=JSONObject(field=F("field_key"), old=F("old_value"), new=F("new_value"))
        ),
        customer="customer_id",
    )
    if count:
        count += _insert_events(
            tenant,
            CUSTOMER_UPDATED,
            rows.values("customer_id")
            .distinct()
            .annotate(_data=Value({"fields": sorted(fields)}, output_field=models.JSONField())),
            customer="customer_id",
        )
    return count


def _insert_events(tenant: Tenant, event_type: str, rows: models.QuerySet, *, customer: str) -> int:
    """INSERT INTO the outbox SELECT one event per row of `rows` (annotated `_data`)."""
    return emit_select(
        tenant=tenant, event_type=event_type, rows=rows, customer=customer, data=F("_data")
    )


# ---------------------------------------------------------------------------------------------
# Tags


def tags_changed(
    *, tenant: Tenant, customer_id: int, added: Iterable[str], removed: Iterable[str]
) -> None:
    """One customer's tags: removals first, as the timeline records them."""
    specs = [
        EventSpec(tag_event(is_added), customer_id=customer_id, data=tag_data(name))
        for names, is_added in ((removed, False), (added, True))
        for name in names
    ]
    if specs:
        emit_many(tenant=tenant, events=specs)


def tag_changes(*, tenant: Tenant, changes: Iterable[tuple[int, str, bool]]) -> int:
    """Many (customer id, tag name, added) changes: one multi-row INSERT per 2,000."""
    return emit_many(
        tenant=tenant,
        events=(
            EventSpec(tag_event(added), customer_id=pk, data=tag_data(name))
            for pk, name, added in changes
        ),
    )


def tag_changed_for(*, tenant: Tenant, customers: models.QuerySet, name: str, added: bool) -> int:
    """The tag `name` added to (removed from) every customer of `customers`: one INSERT … SELECT."""
    return emit_for(
        tenant=tenant, event_type=tag_event(added), customers=customers, data=tag_data(name)
    )


# ---------------------------------------------------------------------------------------------
# Leads


def lead_created(*, lead) -> None:
    emit(
        tenant=lead.tenant,
        event_type=LEAD_CREATED,
        customer_id=lead.customer_id,
        data={"lead": lead.pk, "status": lead.status},
    )


def leads_created(*, tenant: Tenant, leads: Iterable) -> int:
    """An import's new leads: one multi-row INSERT per 2,000."""
    return emit_many(
        tenant=tenant,
        events=[
            EventSpec(
                LEAD_CREATED,
                customer_id=lead.customer_id,
                data={"lead": lead.pk, "status": lead.status},
            )
            for lead in leads
        ],
    )


def lead_status_changes(*, tenant: Tenant, changes: Iterable[tuple]) -> int:
    """(lead, old status, new status) of one tenant: one multi-row INSERT per 2,000."""
    return emit_many(
        tenant=tenant,
        events=[
            EventSpec(
                LEAD_STATUS_CHANGED,
                customer_id=lead.customer_id,
                data={"from": old, "to": new, "lead": lead.pk},
            )
            for lead, old, new in changes
            if old != new
        ],
    )


# ---------------------------------------------------------------------------------------------
# Segments


def segment_moves(
    *,
    tenant: Tenant,
    names: Mapping[int, str],
    entered: Iterable[tuple[int, int]],
    left: Iterable[tuple[int, int]],
) -> int:
    """(segment id, customer id) pairs that entered or left: one multi-row INSERT per 2,000."""
    return emit_many(
        tenant=tenant,
        events=[
            EventSpec(segment_event(is_entered), customer_id=c, data=segment_data(s, names[s]))
            for pairs, is_entered in ((left, False), (entered, True))
            for s, c in pairs
        ],
    )


def segment_moved_for(
    *, tenant: Tenant, segment_id: int, name: str, customers: models.QuerySet, entered: bool
) -> int:
    return emit_for(
        tenant=tenant,
        event_type=segment_event(entered),
        customers=customers,
        data=segment_data(segment_id, name),
    )


def outbox_insert_sql(*, tenant: Tenant, event_type: str, data: dict) -> tuple[str, str, list]:
    """PostgreSQL's raw statements (a WITH … RETURNING chain): the outbox's column list, and
    the select list for one event per row whose customer id is the column `customer_id`, with
    its parameters. The caller calls `process_after_commit` when rows went in."""
    from tenancy.events import clean_data, clean_event_type

    now = timezone.now()
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(OutboxEvent._meta.get_field(name).column)
        for name in EMIT_SELECT_FIELDS
        if name != "event_id"  # these events carry no key
    )
    select = "%s, %s, customer_id, %s::jsonb, %s, %s, %s, %s, 0, ''"
    json_field = OutboxEvent._meta.get_field("data")
    params = [
        tenant.pk,
        clean_event_type(event_type),
        json_field.get_db_prep_value(clean_data(data), connection),
        now,
        now,
        now,
        EventStatus.PENDING,
    ]
    return columns, select, params


__all__ = [
    "CUSTOMER_CREATED",
    "CUSTOMER_UPDATED",
    "FIELD_CHANGED",
    "LEAD_CREATED",
    "LEAD_STATUS_CHANGED",
    "SEGMENT_ENTERED",
    "SEGMENT_LEFT",
    "TAG_ADDED",
    "TAG_REMOVED",
    "customer_created",
    "customer_fields_changed",
    "customers_created",
    "customers_fields_changed",
    "fields_changed_since",
    "history_mark",
    "lead_created",
    "lead_status_changes",
    "leads_created",
    "outbox_insert_sql",
    "segment_moved_for",
    "segment_moves",
    "tag_changed_for",
    "tag_changes",
    "tags_changed",
]
