"""The priority of a callback request at a given `now`: one set of SQL expressions over the
request, its customer and lead, and the tenant's settings (docs/metrics.md "Callbacks").

Every part is whole points in integer arithmetic, so PostgreSQL and SQLite agree to the point,
and the queue is ordered, filtered by category and claimed by exactly the figures that are shown.
Waiting counts from the request's arrival until it closes (or `now` while it is open). The score
(the queue order) counts all of it, so no request waits for ever; the category counts it up to
the tenant's waiting cap, so waiting lifts a request by one category at most.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Floor, Greatest, Least

from crm.models import CustomerTag
from tenancy.models import Tenant

from ..models import (
    OPEN_CALLBACK_STATUSES,
    CallbackRequest,
    CallbackSettings,
    PriorityCategory,
)

PRIORITY_PARTS = ("customer_value", "lead_score", "reason", "vip", "waiting")


def callback_settings_of(tenant: Tenant) -> CallbackSettings:
    """The tenant's settings, or unsaved defaults when it has none yet (reading never writes)."""
    return CallbackSettings.objects.filter(tenant=tenant).first() or CallbackSettings(tenant=tenant)


class EpochSeconds(Func):
    """Whole seconds since 1970-01-01 UTC of a datetime column (rounded down)."""

    output_field = BigIntegerField()
    template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)"

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django stores UTC; strftime('%s') reads it as such and drops the fraction. The '%'
        # is doubled twice: once for this template, once for the backend's placeholders.
        return self.as_sql(
            compiler,
            connection,
            template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
            **extra_context,
        )


def _int(value: int) -> Cast:
    """A 64-bit integer constant (a bare literal is 32-bit on PostgreSQL and could overflow)."""
    return Cast(Value(value), BigIntegerField())


def _when_present(relation: str, expression) -> Case:
    """`expression` when the request has that relation, else 0 (SQL's LEAST and GREATEST treat
    NULL differently on PostgreSQL and SQLite, so a missing customer never reaches them)."""
    return Case(
        When(**{f"{relation}__isnull": True}, then=_int(0)),
        default=expression,
        output_field=BigIntegerField(),
    )


def waiting_seconds(now: datetime) -> Greatest:
    """Whole seconds the request has waited at `now`: from its arrival until `now` while it is
    open, until it closed (`closed_at`; the last change for a closed row without one) once it
    is closed, and never more than until `now` nor less than 0 (a reading before the request
    arrived or closed)."""
    big = BigIntegerField()
    now_seconds = _int(int(now.timestamp() // 1))
    closed = EpochSeconds(Coalesce("closed_at", "updated_at"))
    until = Case(
        When(status__in=OPEN_CALLBACK_STATUSES, then=now_seconds),
        default=Least(closed, now_seconds, output_field=big),
        output_field=big,
    )
    return Greatest(until - EpochSeconds("created_at"), _int(0), output_field=big)


def priority_expressions(settings: CallbackSettings, now: datetime) -> dict[str, object]:
    """{part: SQL expression} for the five parts of the priority at `now`.

    customer_value = ⌊points × (100 × min(⌊total_spent⌋, cap) + cap × crm_score) / (200 × cap)⌋
        (crm_score clamped to 0–100): half from spending up to the cap, half from the CRM score;
    lead_score = ⌊points × lead_score / 100⌋;  reason = the reason's points;
    vip = points when the customer has the VIP tag;
    waiting = ⌊points per hour × seconds waited / 3600⌋ (`waiting_seconds`: until it closes).
    """
    cap = settings.value_spend_cap
    big = BigIntegerField()
    spent = Least(Cast(Floor("customer__total_spent"), big), _int(cap), output_field=big)
    crm = Greatest(
        Least(F("customer__crm_score"), _int(100), output_field=big), _int(0), output_field=big
    )
    vip_tagged = CustomerTag.objects.filter(
        customer=OuterRef("customer"), tag__name=settings.vip_tag
    )
    return {
        "customer_value": _when_present(
            "customer",
            _int(settings.customer_value_points)
            * (spent * _int(100) + _int(cap) * crm)
            / _int(200 * cap),
        ),
        "lead_score": _when_present(
            "lead", _int(settings.lead_score_points) * F("lead__lead_score") / _int(100)
        ),
        "reason": Case(
            *(
                When(reason=reason, then=_int(points))
                for reason, points in settings.reason_points().items()
            ),
            default=_int(0),
            output_field=BigIntegerField(),
        ),
        "vip": Case(
            When(Exists(vip_tagged), then=_int(settings.vip_points)),
            default=_int(0),
            output_field=BigIntegerField(),
        ),
        "waiting": _int(settings.aging_points_per_hour) * waiting_seconds(now) / _int(3600),
    }


def category_expression(settings: CallbackSettings, score: str) -> Case:
    return Case(
        When(**{f"{score}__gte": settings.urgent_threshold}, then=Value(PriorityCategory.URGENT)),
        When(**{f"{score}__gte": settings.high_threshold}, then=Value(PriorityCategory.HIGH)),
        When(**{f"{score}__gte": settings.normal_threshold}, then=Value(PriorityCategory.NORMAL)),
        default=Value(PriorityCategory.LOW),
        output_field=CharField(),
    )


def breached_q(now: datetime) -> Q:
    """Past its SLA due time: closed after it, or still open when it passed."""
    return Q(closed_at__isnull=False, closed_at__gt=F("sla_due_at")) | Q(
        status__in=OPEN_CALLBACK_STATUSES, sla_due_at__lt=now
    )


def with_priority(
    callbacks: QuerySet[CallbackRequest], *, settings: CallbackSettings, now: datetime
) -> QuerySet[CallbackRequest]:
    """Annotate `priority_<part>` for each part, `priority_score` (their sum: the queue order),
    `priority_category_score` (the sum with waiting counted up to the tenant's waiting cap),
    `priority_category` (the category of that), and `is_breached`, all as of `now`."""
    big = BigIntegerField()
    parts = priority_expressions(settings, now)
    callbacks = callbacks.annotate(**{f"priority_{name}": expr for name, expr in parts.items()})
    first, *others = (F(f"priority_{name}") for name in PRIORITY_PARTS)
    static = [F(f"priority_{name}") for name in PRIORITY_PARTS if name != "waiting"]
    capped = Least(F("priority_waiting"), _int(settings.waiting_category_cap), output_field=big)
    return callbacks.annotate(
        priority_score=sum(others, first),
        priority_category_score=sum(static, capped),
    ).annotate(
        priority_category=category_expression(settings, "priority_category_score"),
        is_breached=Case(
            When(breached_q(now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


@dataclass(frozen=True)
class Priority:
    score: int
    category: str
    category_score: int
    parts: dict[str, int]


def priority_of(callback: CallbackRequest) -> Priority:
    """The priority read from a callback annotated by `with_priority`."""
    return Priority(
        score=callback.priority_score,
        category=callback.priority_category,
        category_score=callback.priority_category_score,
        parts={name: getattr(callback, f"priority_{name}") for name in PRIORITY_PARTS},
    )


def category_counts(callbacks: QuerySet[CallbackRequest]) -> dict[str, int]:
    """{category: count} over callbacks annotated by `with_priority` (every category present)."""
    rows = (
        callbacks.order_by()
        .values("priority_category")
        .annotate(n=Count("pk"))
        .values_list("priority_category", "n")
    )
    counts = dict(rows)
    return {category: counts.get(category, 0) for category in PriorityCategory.values}
