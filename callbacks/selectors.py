"""Reads for callbacks: who sees which (and the one way to fetch a request), the actions a member
may take on one, the priority (computed at read time from a `now` passed
in), the claimable pool, agents' load, and the SLA figures of the manager view.

The priority is one set of SQL expressions over the request, its customer and lead, and the
tenant's settings (docs/metrics.md "Callbacks"). Every part is whole points in integer
arithmetic, so PostgreSQL and SQLite agree to the point, and the queue is ordered, filtered by
category and claimed by exactly the score that is shown.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
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
from django.db.models.functions import Cast, Floor, Greatest, Least
from django.utils import timezone

from crm.models import Customer, CustomerTag
from crm.selectors.leads import leads_visible_to
from tenancy.access import one_or_404
from tenancy.dates import DateRange
from tenancy.figures import rate
from tenancy.models import Membership, Tenant

from .businesstime import BusinessCalendar
from .models import (
    OPEN_CALLBACK_STATUSES,
    BusinessHoliday,
    CallbackRequest,
    CallbackSettings,
    CallbackStatus,
    PriorityCategory,
)
from .rules import ASSIGNABLE_ROLES, allowed_actions, check_worker

PRIORITY_PARTS = ("customer_value", "lead_score", "reason", "vip", "waiting")
# The queue's order: highest score first; among equals the one waiting longest.
QUEUE_ORDER = ("-priority_score", "created_at", "id")


def callback_settings_of(tenant: Tenant) -> CallbackSettings:
    """The tenant's settings, or unsaved defaults when it has none yet (reading never writes)."""
    return CallbackSettings.objects.filter(tenant=tenant).first() or CallbackSettings(tenant=tenant)


def business_calendar(tenant: Tenant, settings: CallbackSettings) -> BusinessCalendar:
    holidays = frozenset(BusinessHoliday.objects.for_tenant(tenant).values_list("date", flat=True))
    return BusinessCalendar(tz=tenant.tzinfo, hours=settings.business_hours(), holidays=holidays)


def callbacks_visible_to(*, tenant: Tenant, membership: Membership) -> QuerySet[CallbackRequest]:
    """Managers and admins see every callback of the tenant; agents see the ones assigned to
    them and the unassigned ones (the pool they claim from)."""
    callbacks = CallbackRequest.objects.for_tenant(tenant)
    if not membership.can_manage:
        callbacks = callbacks.filter(
            Q(assigned_to=membership.user_id) | Q(assigned_to__isnull=True)
        )
    return callbacks


def callback_for(
    *, tenant: Tenant, membership: Membership, pk: object, now: datetime | None = None
) -> CallbackRequest:
    """The callback `pk` as the member sees it, with its priority at `now` (its contacts and
    assignee loaded), or Http404: the same for a missing request, another tenant's and one
    the member may not see. The API, the pages and the admin fetch a request through this."""
    queue = callback_queue(tenant=tenant, membership=membership, now=now or timezone.now())
    return one_or_404(queue.select_related("customer", "lead", "assigned_to"), pk, what="callback")


def callback_actions_for(*, callback: CallbackRequest, membership: Membership) -> list[str]:
    """The actions the member may take on the callback now — what the pages offer, by the same
    rules `callback_change_status` enforces."""
    actions = []
    for action in allowed_actions(callback.status):
        try:
            check_worker(callback, membership, action)
        except (PermissionDenied, ValidationError):
            continue
        actions.append(action)
    return actions


CONTACT_KINDS = ("customer", "lead")


def contact_choices(kind: str, *, tenant: Tenant, membership: Membership) -> QuerySet:
    """Whom a new callback may be for: any customer of the tenant, or a lead the member sees
    that is not archived. The form validates against it and the picker searches it."""
    if kind == "customer":
        return Customer.objects.for_tenant(tenant).order_by("last_name", "first_name", "pk")
    return (
        leads_visible_to(tenant=tenant, membership=membership)
        .filter(archived_at__isnull=True)
        .order_by("last_name", "first_name", "pk")
    )


# ---------------------------------------------------------------------------------------------
# Priority


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


def priority_expressions(settings: CallbackSettings, now: datetime) -> dict[str, object]:
    """{part: SQL expression} for the five parts of the priority at `now`.

    customer_value = ⌊points × (100 × min(⌊total_spent⌋, cap) + cap × crm_score) / (200 × cap)⌋
        (crm_score clamped to 0–100): half from spending up to the cap, half from the CRM score;
    lead_score = ⌊points × lead_score / 100⌋;  reason = the reason's points;
    vip = points when the customer has the VIP tag;
    waiting = ⌊points per hour × seconds since created / 3600⌋, without limit.
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
    seconds = Greatest(
        _int(int(now.timestamp() // 1)) - EpochSeconds("created_at"), _int(0), output_field=big
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
        "waiting": _int(settings.aging_points_per_hour) * seconds / _int(3600),
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
    """Annotate `priority_<part>` for each part, `priority_score`, `priority_category` and
    `is_breached`, all as of `now`."""
    parts = priority_expressions(settings, now)
    callbacks = callbacks.annotate(**{f"priority_{name}": expr for name, expr in parts.items()})
    first, *others = (F(f"priority_{name}") for name in PRIORITY_PARTS)
    return callbacks.annotate(priority_score=sum(others, first)).annotate(
        priority_category=category_expression(settings, "priority_score"),
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
    parts: dict[str, int]


def priority_of(callback: CallbackRequest) -> Priority:
    """The priority read from a callback annotated by `with_priority`."""
    return Priority(
        score=callback.priority_score,
        category=callback.priority_category,
        parts={name: getattr(callback, f"priority_{name}") for name in PRIORITY_PARTS},
    )


def callback_queue(
    *, tenant: Tenant, membership: Membership, now: datetime
) -> QuerySet[CallbackRequest]:
    """The callbacks the member sees, annotated with their priority at `now`, in queue order."""
    return with_priority(
        callbacks_visible_to(tenant=tenant, membership=membership),
        settings=callback_settings_of(tenant),
        now=now,
    ).order_by(*QUEUE_ORDER)


# Waiting in the pool: pending and nobody's.
UNASSIGNED_PENDING = Q(status=CallbackStatus.PENDING, assigned_to__isnull=True)


def claimable(*, tenant: Tenant, now: datetime) -> Q:
    """In the pool, and the customer's preferred window (if any) has opened."""
    return (
        Q(tenant=tenant)
        & UNASSIGNED_PENDING
        & (Q(preferred_start__isnull=True) | Q(preferred_start__lte=now))
    )


# ---------------------------------------------------------------------------------------------
# Load and SLA figures


def assignable_members(tenant: Tenant) -> QuerySet:
    """Active agents and managers of the tenant: whom a callback can be assigned to."""
    return (
        get_user_model()
        .objects.filter(
            memberships__tenant=tenant,
            memberships__is_active=True,
            memberships__role__in=ASSIGNABLE_ROLES,
        )
        .order_by("username")
    )


def open_load(tenant: Tenant) -> Count:
    """Per user: the tenant's open callbacks assigned to them."""
    return Count(
        "assigned_callbacks",
        filter=Q(
            assigned_callbacks__tenant=tenant,
            assigned_callbacks__status__in=OPEN_CALLBACK_STATUSES,
        ),
    )


def agent_load(*, tenant: Tenant, period: DateRange, now: datetime) -> list[dict]:
    """One row per agent and manager: open, in progress and breached open callbacks assigned to
    them now, and the callbacks they completed in the period."""
    start, end = period.bounds(tenant)
    mine = Q(assigned_callbacks__tenant=tenant)
    open_ = mine & Q(assigned_callbacks__status__in=OPEN_CALLBACK_STATUSES)
    rows = assignable_members(tenant).annotate(
        open_count=open_load(tenant),
        in_progress=Count(
            "assigned_callbacks",
            filter=mine & Q(assigned_callbacks__status=CallbackStatus.IN_PROGRESS),
        ),
        breached_open=Count(
            "assigned_callbacks", filter=open_ & Q(assigned_callbacks__sla_due_at__lt=now)
        ),
        completed=Count(
            "assigned_callbacks",
            filter=mine
            & Q(
                assigned_callbacks__status=CallbackStatus.COMPLETED,
                assigned_callbacks__closed_at__gte=start,
                assigned_callbacks__closed_at__lt=end,
            ),
        ),
    )
    roles = dict(
        Membership.objects.filter(tenant=tenant, is_active=True).values_list("user_id", "role")
    )
    return [
        {
            "user_id": user.pk,
            "username": user.get_username(),
            "role": roles[user.pk],
            "open": user.open_count,
            "in_progress": user.in_progress,
            "breached_open": user.breached_open,
            "completed": user.completed,
        }
        for user in rows
    ]


def sla_figures(*, tenant: Tenant, period: DateRange, now: datetime) -> dict:
    """The SLA figures of docs/metrics.md: open callbacks now (unassigned and breached ones
    among them), and of the callbacks completed in the period, how many were completed after
    their due time, and the breach rate."""
    start, end = period.bounds(tenant)
    callbacks = CallbackRequest.objects.for_tenant(tenant).order_by()
    open_ = Q(status__in=OPEN_CALLBACK_STATUSES)
    completed = Q(status=CallbackStatus.COMPLETED, closed_at__gte=start, closed_at__lt=end)
    totals = callbacks.aggregate(
        open=Count("pk", filter=open_),
        open_breached=Count("pk", filter=open_ & Q(sla_due_at__lt=now)),
        unassigned=Count("pk", filter=open_ & Q(assigned_to__isnull=True)),
        completed=Count("pk", filter=completed),
        completed_breached=Count("pk", filter=completed & Q(closed_at__gt=F("sla_due_at"))),
    )
    return {
        **totals,
        "breach_rate": rate(totals["completed_breached"], totals["completed"]),
        "start_date": period.start.isoformat(),
        "end_date": period.end.isoformat(),
    }


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
