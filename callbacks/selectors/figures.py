"""The managers' figures: whom a callback can be assigned to, each agent's load, and the SLA
figures of the manager view (docs/metrics.md "Callbacks")."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet

from tenancy.dates import DateRange
from tenancy.figures import rate
from tenancy.models import Membership, Tenant

from ..models import OPEN_CALLBACK_STATUSES, CallbackRequest, CallbackStatus
from ..rules import ASSIGNABLE_ROLES


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
