"""Time-based events: `date_reached` (a customer's date field has its day) and `inactive` (no
activity for N days), emitted into the event outbox (tenancy.events) by a scheduled task rather
than by a change, set-based: one INSERT … SELECT … ON CONFLICT DO NOTHING per date field and
per threshold, so a 200,000-customer tenant never travels through Python.

The day is the TENANT's: `now` (default: the clock) is read in the tenant's time zone. The task
(crm.tasks.emit_time_events) runs hourly and is idempotent: each event carries a key (event_id)
naming its customer and day, so the first run after the tenant's local midnight emits the day's
events and the other 23 runs of that day find them there and add nothing.

`date_reached`, for each active date field of the tenant (a slot column or an overflow key of
`custom_fields_extra`; customers have no core date field): customers whose date's month and day
are today's — every date recurs yearly (a birthday, a membership's anniversary) — and whose
date is today or earlier (a date in the future has not been reached; on the date itself
`years` is 0, so a trigger on a one-off date conditions on `event.years eq 0`). A 29 February
is reached on 28 February in years without one. Data: {"field": key, "date": the stored date,
"years": whole years since it}; key `date_reached:<field>:<customer>:<today>`.

`inactive`, for each N of settings.INACTIVE_THRESHOLDS_DAYS: customers whose last activity
(`last_contacted_at`, the contact every interaction moves and the score's recency reads; a
customer never contacted counts from its creation) fell on the local day N days ago or on one
of the TIME_EVENTS_CATCHUP_DAYS days before (so a day the task did not run is caught up). Data:
{"days": N, "last_activity": the local date}; key `inactive:<N>:<customer>:<that date>`, so it
fires once per spell of inactivity: a new contact starts a new spell. Customers already
inactive for longer than N + catch-up days when the feature arrives are not swept up at once.
The catch-up must stay shorter than OUTBOX_KEEP_DAYS (the keys live as long as the events)."""

import datetime

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import (
    Cast,
    Concat,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    JSONObject,
    Substr,
    TruncDate,
)
from django.utils import timezone

from customfields.models import FieldDefinition, FieldType
from tenancy.dates import tenant_today
from tenancy.events import emit_select
from tenancy.models import Tenant

from ..models import Customer


def inactive_thresholds() -> tuple[int, ...]:
    return tuple(sorted({int(n) for n in settings.INACTIVE_THRESHOLDS_DAYS if int(n) > 0}))


def _insert(
    *,
    tenant: Tenant,
    event_type: str,
    customers: models.QuerySet,
    data,
    event_id,
    now: datetime.datetime,
) -> int:
    """INSERT the events of `customers` (data and key computed per row) … ON CONFLICT DO
    NOTHING: a key already there is the same event. They occurred at `now` (the moment the
    day was read at) and are recorded and due at the clock's now."""
    return emit_select(
        tenant=tenant,
        event_type=event_type,
        rows=customers.filter(tenant=tenant),
        data=data,
        event_id=event_id,
        occurred_at=now,
    )


def _text(expression) -> Cast:
    return Cast(expression, output_field=models.CharField())


def _key(prefix: str, suffix) -> Concat:
    return Concat(
        Value(prefix),
        _text("pk"),
        Value(":"),
        suffix,
        output_field=models.CharField(),
    )


def _days_of(today: datetime.date) -> list[tuple[int, int]]:
    """The (month, day) pairs whose date is reached today: 29 February also on 28 February of a
    year without one."""
    days = [(today.month, today.day)]
    if (today.month, today.day) == (2, 28):
        try:
            datetime.date(today.year, 2, 29)
        except ValueError:
            days.append((2, 29))
    return days


def _date_field_events(
    *, tenant: Tenant, definition: FieldDefinition, today: datetime.date, now
) -> int:
    key = definition.field_key
    days = _days_of(today)
    if definition.mapped_field_name:
        column = definition.mapped_field_name
        customers = Customer.objects.filter(**{f"{column}__isnull": False, f"{column}__lte": today})
        customers = customers.annotate(_m=ExtractMonth(column), _d=ExtractDay(column))
        date_text = _text(F(column))
        years = Value(today.year) - ExtractYear(column)
    else:
        text = _text(KeyTextTransform(key, "custom_fields_extra"))
        customers = Customer.objects.annotate(_value=text).filter(
            _value__isnull=False, _value__lte=today.isoformat(), _value__regex=r"^\d{4}-\d\d-\d\d$"
        )
        customers = customers.annotate(
            _m=Cast(Substr("_value", 6, 2), models.IntegerField()),
            _d=Cast(Substr("_value", 9, 2), models.IntegerField()),
        )
        date_text = F("_value")
        years = Value(today.year) - Cast(Substr("_value", 1, 4), models.IntegerField())
    on_day = Q()
    for month, day in days:
        on_day |= Q(_m=month, _d=day)
    return _insert(
        tenant=tenant,
        event_type="date_reached",
        customers=customers.filter(on_day),
        data=JSONObject(field=Value(key), date=date_text, years=years),
        event_id=_key(f"date_reached:{key}:", Value(today.isoformat())),
        now=now,
    )


def _day_start(tenant: Tenant, day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tenant.tzinfo)


def _inactive_events(*, tenant: Tenant, days: int, today: datetime.date, now) -> int:
    catchup = settings.TIME_EVENTS_CATCHUP_DAYS
    last_day = today - datetime.timedelta(days=days)
    since = _day_start(tenant, last_day - datetime.timedelta(days=catchup))
    until = _day_start(tenant, last_day + datetime.timedelta(days=1))
    # Two ranges rather than one over a COALESCE, so (tenant, last_contacted_at) serves the
    # first.
    customers = Customer.objects.filter(
        Q(last_contacted_at__gte=since, last_contacted_at__lt=until)
        | Q(last_contacted_at__isnull=True, created_at__gte=since, created_at__lt=until)
    ).annotate(
        _active_day=_text(
            TruncDate(
                models.functions.Coalesce("last_contacted_at", "created_at"),
                tzinfo=tenant.tzinfo,
            )
        )
    )
    return _insert(
        tenant=tenant,
        event_type="inactive",
        customers=customers,
        data=JSONObject(days=Value(days), last_activity=F("_active_day")),
        event_id=_key(f"inactive:{days}:", F("_active_day")),
        now=now,
    )


@transaction.atomic
def time_events_emit(*, tenant: Tenant, now: datetime.datetime | None = None) -> dict[str, int]:
    """Emit the tenant's time-based events of its local day at `now` (default: the clock);
    answers how many were new of each type ({"date_reached": …, "inactive": …}). A second run
    on the same local day adds nothing."""
    now = now or timezone.now()
    today = tenant_today(tenant, now)
    counts = {"date_reached": 0, "inactive": 0}
    definitions = FieldDefinition.objects.for_tenant(tenant).filter(
        is_active=True, field_type=FieldType.DATE
    )
    for definition in definitions.order_by("pk"):
        counts["date_reached"] += _date_field_events(
            tenant=tenant, definition=definition, today=today, now=now
        )
    for days in inactive_thresholds():
        counts["inactive"] += _inactive_events(tenant=tenant, days=days, today=today, now=now)
    return counts  # (each INSERT that wrote events woke the workers after the commit)
