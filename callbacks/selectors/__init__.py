"""Reads for callbacks: who sees which (and the one way to fetch a request), the actions a member
may take on one, the queue (open requests unless closed ones are asked for) and the claimable
pool. The priority, computed at read time from a `now` passed in, is in `.priority`; agents'
load and the SLA figures of the manager view are in `.figures`. Both are re-exported here.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from crm.models import Customer
from crm.selectors.leads import leads_visible_to
from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..businesstime import BusinessCalendar
from ..models import (
    OPEN_CALLBACK_STATUSES,
    BusinessHoliday,
    CallbackRequest,
    CallbackSettings,
    CallbackStatus,
)
from ..rules import allowed_actions, check_worker
from .figures import agent_load, assignable_members, open_load, sla_figures
from .priority import (
    PRIORITY_PARTS,
    Priority,
    breached_q,
    callback_settings_of,
    category_counts,
    priority_of,
    with_priority,
)

__all__ = [
    "CONTACT_KINDS",
    "PRIORITY_PARTS",
    "QUEUE_ORDER",
    "UNASSIGNED_PENDING",
    "Priority",
    "agent_load",
    "assignable_members",
    "breached_q",
    "business_calendar",
    "callback_actions_for",
    "callback_for",
    "callback_queue",
    "callback_settings_of",
    "callbacks_visible_to",
    "category_counts",
    "claimable",
    "closed_asked_for",
    "contact_choices",
    "open_load",
    "priority_of",
    "sla_figures",
    "with_priority",
]

# The queue's order: highest score first; among equals the one waiting longest.
QUEUE_ORDER = ("-priority_score", "created_at", "id")


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
    """The callback `pk` as the member sees it, open or closed, with its priority at `now` (its
    contacts and assignee loaded), or Http404: the same for a missing request, another
    tenant's and one the member may not see. The API, the pages and the admin fetch a request
    through this."""
    queue = callback_queue(
        tenant=tenant, membership=membership, now=now or timezone.now(), include_closed=True
    )
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
# The queue


def closed_asked_for(
    *, include_closed: bool | None, statuses: list[str] | tuple[str, ...], open_: bool | None
) -> bool:
    """Whether a list of the queue shows closed requests too. It does not unless asked for:
    `include_closed` true, or (with `include_closed` not given) a status filter or the
    open/closed filter, which say themselves which requests they want. `include_closed` false
    keeps the list to open requests whatever the other filters say."""
    if include_closed is not None:
        return include_closed
    return bool(statuses) or open_ is not None


def callback_queue(
    *, tenant: Tenant, membership: Membership, now: datetime, include_closed: bool = False
) -> QuerySet[CallbackRequest]:
    """The open callbacks the member sees (closed ones too with `include_closed`), annotated
    with their priority at `now`, in queue order."""
    callbacks = callbacks_visible_to(tenant=tenant, membership=membership)
    if not include_closed:
        callbacks = callbacks.filter(status__in=OPEN_CALLBACK_STATUSES)
    return with_priority(callbacks, settings=callback_settings_of(tenant), now=now).order_by(
        *QUEUE_ORDER
    )


# Waiting in the pool: pending and nobody's.
UNASSIGNED_PENDING = Q(status=CallbackStatus.PENDING, assigned_to__isnull=True)


def claimable(*, tenant: Tenant, now: datetime) -> Q:
    """In the pool, and the customer's preferred window (if any) has opened."""
    return (
        Q(tenant=tenant)
        & UNASSIGNED_PENDING
        & (Q(preferred_start__isnull=True) | Q(preferred_start__lte=now))
    )
