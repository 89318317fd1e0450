"""Who holds a request: managers and admins assign one (or put it back in the pool) and
auto-assign the waiting ones to the least-loaded agents; agents and managers claim the next one
from the queue."""

import time as clock
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from tenancy.models import Membership, Role, Tenant

from ..models import (
    CallbackActivityKind,
    CallbackRequest,
    CallbackSettings,
    CallbackStatus,
    PriorityCategory,
)
from ..rules import ASSIGNABLE_STATUSES, check_assigns, check_claims, check_member
from ..selectors import (
    QUEUE_ORDER,
    UNASSIGNED_PENDING,
    assignable_members,
    claimable,
    open_load,
    with_priority,
)
from .requests import actor_name, callback_log_activity, locked, status_line
from .settings import callback_settings_ensure

S = CallbackStatus
# A claim that loses a race on SQLite (which refuses a second writer rather than queueing it
# behind a row lock) tries again this many times, pausing a little longer each time.
SQLITE_CLAIM_TRIES = 50
SQLITE_CLAIM_PAUSE = 0.01


def _check_assignee(tenant: Tenant, user_id: int) -> AbstractBaseUser:
    assignee = assignable_members(tenant).filter(pk=user_id).first()
    if assignee is None:
        raise ValidationError(
            {"assigned_to": ["Assign callbacks to an active agent or manager of this tenant."]}
        )
    return assignee


@transaction.atomic
def callback_assign(
    *,
    callback: CallbackRequest,
    by: Membership,
    assignee_id: int | None,
    note: str = "",
    now: datetime | None = None,
) -> CallbackRequest:
    """Managers and admins hand a pending or scheduled request to an agent or manager, or put
    it back in the pool (None; a scheduled one then waits as pending)."""
    check_assigns(by)
    now = now or timezone.now()
    callback = locked(callback)
    check_member(by, callback.tenant)
    if callback.status not in ASSIGNABLE_STATUSES:
        label = callback.get_status_display().lower()
        reason = "log its result first" if callback.status == S.IN_PROGRESS else "it is closed"
        raise ValidationError({"detail": [f"This callback is {label}; {reason}."]})
    assignee = _check_assignee(callback.tenant, assignee_id) if assignee_id is not None else None
    if callback.assigned_to_id == assignee_id:
        return callback
    old, old_status = callback.assigned_to, callback.status
    callback.assigned_to = assignee
    callback.assigned_at = now if assignee else None
    if assignee is None:
        callback.status, callback.scheduled_for = S.PENDING, None
    callback.save()
    moved = callback.status != old_status
    callback_log_activity(
        callback,
        by=by,
        kind=CallbackActivityKind.ASSIGNED,
        message=f"Assigned to: {old or '—'} → {assignee or '—'}"
        + (f"; {status_line(old_status, callback.status)}" if moved else ""),
        note=note,
        from_status=old_status if moved else "",
        to_status=callback.status if moved else "",
        now=now,
    )
    return callback


def _claim_once(
    *, tenant: Tenant, by: Membership, settings: CallbackSettings, now: datetime
) -> tuple[CallbackRequest | None, bool]:
    """One try: (the claimed request, True), (None, True) when nothing is waiting, or
    (None, False) when another claimer took the chosen request first."""
    pool = with_priority(
        CallbackRequest.objects.filter(claimable(tenant=tenant, now=now)),
        settings=settings,
        now=now,
    ).order_by(*QUEUE_ORDER)
    if connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: lock the best request; concurrent claimers skip it and lock the next.
        pool = pool.select_for_update(skip_locked=True, of=("self",))
    candidate = pool.first()
    if candidate is None:
        return None, True
    # Taken only while still claimable: without row locks (SQLite), a claimer that chose the
    # same request as another one a moment earlier updates nothing here and tries again.
    taken = CallbackRequest.objects.filter(
        claimable(tenant=tenant, now=now), pk=candidate.pk
    ).update(status=S.IN_PROGRESS, assigned_to=by.user, assigned_at=now, updated_at=now)
    if not taken:
        return None, False
    candidate.status, candidate.assigned_to, candidate.assigned_at = S.IN_PROGRESS, by.user, now
    callback_log_activity(
        candidate,
        by=by,
        kind=CallbackActivityKind.CLAIMED,
        message=(
            f"Claimed by {actor_name(by)} at priority {candidate.priority_score} "
            f"({PriorityCategory(candidate.priority_category).label.lower()}); "
            f"{status_line(S.PENDING, S.IN_PROGRESS)}."
        ),
        from_status=S.PENDING,
        to_status=S.IN_PROGRESS,
        now=now,
    )
    return candidate, True


def _is_sqlite_lock(exc: OperationalError) -> bool:
    """SQLite refusing a second writer: SQLITE_BUSY after its timeout, or at once between
    connections that share a cache (SQLITE_LOCKED_SHAREDCACHE)."""
    name = getattr(exc.__cause__, "sqlite_errorname", "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def callback_claim_next(
    *, tenant: Tenant, by: Membership, now: datetime | None = None
) -> CallbackRequest:
    """Take the highest-priority claimable request: assigned to the caller and in progress.

    Two claimers never get the same request. On PostgreSQL the best request is locked with
    SELECT … FOR UPDATE SKIP LOCKED, so a concurrent claimer takes the next one without
    waiting. SQLite has no row locks and refuses a second writer instead of queueing it: each
    try is one short transaction whose UPDATE only matches a request still claimable, and a try
    that loses the race, or is refused the write lock, is repeated after a short pause.
    """
    check_claims(by)
    check_member(by, tenant)
    now = now or timezone.now()
    settings = callback_settings_ensure(tenant)
    for attempt in range(1, SQLITE_CLAIM_TRIES + 1):
        try:
            with transaction.atomic():
                claimed, settled = _claim_once(tenant=tenant, by=by, settings=settings, now=now)
        except OperationalError as exc:
            if not _is_sqlite_lock(exc) or attempt == SQLITE_CLAIM_TRIES:
                raise
            settled = False
        if settled:
            if claimed is None:
                raise ValidationError({"detail": ["No callback is waiting to be claimed."]})
            return claimed
        clock.sleep(SQLITE_CLAIM_PAUSE * attempt)
    raise OperationalError("Could not claim a callback: the database stayed busy.")


def _ids(ids: Iterable[int]) -> str:
    return ", ".join(str(pk) for pk in sorted(ids))


@transaction.atomic
def callback_auto_assign(
    *,
    tenant: Tenant,
    by: Membership,
    callback_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> list[CallbackRequest]:
    """Give each pending unassigned request (those listed, or all of them), highest priority
    first, to the active agent with the fewest open callbacks at that moment; ties go to the
    lowest user id (the agent registered first)."""
    check_assigns(by)
    check_member(by, tenant)
    now = now or timezone.now()
    agents = list(
        assignable_members(tenant)
        .filter(memberships__role=Role.AGENT)
        .annotate(load=open_load(tenant))
        .order_by("pk")
    )
    if not agents:
        raise ValidationError({"detail": ["This tenant has no active agents to assign to."]})
    callbacks = CallbackRequest.objects.for_tenant(tenant)
    if callback_ids is not None:
        wanted = set(callback_ids)
        found = set(callbacks.filter(pk__in=wanted).values_list("pk", flat=True))
        waiting = set(
            callbacks.filter(UNASSIGNED_PENDING, pk__in=wanted).values_list("pk", flat=True)
        )
        errors = []
        if wanted - found:
            errors.append(f"Unknown callback ids: {_ids(wanted - found)}.")
        if found - waiting:
            errors.append(f"Not pending and unassigned: {_ids(found - waiting)}.")
        if errors:
            raise ValidationError({"callback_ids": errors})
        callbacks = callbacks.filter(pk__in=wanted)
    queue = with_priority(
        callbacks.filter(UNASSIGNED_PENDING),
        settings=callback_settings_ensure(tenant),
        now=now,
    ).order_by(*QUEUE_ORDER)
    assigned = []
    for callback in queue.select_for_update(of=("self",)):
        agent = min(agents, key=lambda user: (user.load, user.pk))
        callback.assigned_to, callback.assigned_at = agent, now
        callback.save(update_fields=["assigned_to", "assigned_at", "updated_at"])
        callback_log_activity(
            callback,
            by=by,
            kind=CallbackActivityKind.ASSIGNED,
            message=f"Assigned to: — → {agent} (auto-assigned with {agent.load} open).",
            now=now,
        )
        agent.load += 1
        assigned.append(callback)
    return assigned
