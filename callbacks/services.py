"""Writes for callbacks: create and edit a request, move it through its statuses, assign it,
claim the next one, auto-assign the waiting ones, add notes; the tenant's callback settings and
holidays.

Statuses move pending → scheduled → in_progress → completed / failed / cancelled (the graph in
TRANSITIONS); "no answer" is logged on a call in progress and returns the request to pending
with the attempt counted, until the tenant's maximum, when it fails. Every change lands in the
request's activity log. A refused move or bad input raises ValidationError, a role that may not
act raises PermissionDenied, both before anything is written.
"""

import time as clock
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from crm.selectors.leads import leads_visible_to
from tenancy.models import Membership, Role, Tenant
from tenancy.services.common import assign_fields, save_validated
from tenancy.validators import NOTES_MAX_LENGTH, length_errors

from .models import (
    CLOSED_CALLBACK_STATUSES,
    BusinessHoliday,
    CallbackActivity,
    CallbackActivityKind,
    CallbackOutcome,
    CallbackRequest,
    CallbackSettings,
    CallbackStatus,
)
from .selectors import (
    ASSIGNABLE_ROLES,
    QUEUE_ORDER,
    UNASSIGNED_PENDING,
    assignable_members,
    business_calendar,
    claimable,
    open_load,
    with_priority,
)

# What clients may set on a request, in display order (the API, the admin and the forms use it).
EDITABLE_FIELDS = (
    "customer",
    "lead",
    "phone",
    "preferred_start",
    "preferred_end",
    "reason",
    "source",
    "notes",
)
# A change to one of these re-evaluates the request's SLA promise.
SLA_INPUTS = frozenset({"customer", "lead", "reason", "preferred_start"})
SETTINGS_FIELDS = tuple(
    field.name
    for field in CallbackSettings._meta.fields
    if field.editable and field.name not in ("id", "tenant")
)
HOLIDAY_FIELDS = ("date", "name")

S = CallbackStatus
# Where each status may move (a status update or the result of a call). Scheduled → scheduled
# moves the appointment. In progress → pending happens only through NO_ANSWER.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PENDING: (S.SCHEDULED, S.IN_PROGRESS, S.CANCELLED),
    S.SCHEDULED: (S.PENDING, S.SCHEDULED, S.IN_PROGRESS, S.CANCELLED),
    S.IN_PROGRESS: (S.COMPLETED, S.FAILED, S.CANCELLED),
    S.COMPLETED: (),
    S.FAILED: (),
    S.CANCELLED: (),
}
# Who holds a request can change only while it waits.
ASSIGNABLE_STATUSES = (S.PENDING, S.SCHEDULED)
NO_ANSWER = "no_answer"
# What the status update accepts: a status, or "no_answer" for an unanswered call.
STATUS_ACTIONS = (*CallbackStatus.values, NO_ANSWER)
# Results of a call: each counts as an attempt.
CALL_RESULTS = frozenset({NO_ANSWER, S.COMPLETED, S.FAILED})
# A claim that loses a race on SQLite (which refuses a second writer rather than queueing it
# behind a row lock) tries again this many times, pausing a little longer each time.
SQLITE_CLAIM_TRIES = 50
SQLITE_CLAIM_PAUSE = 0.01


def _actor(by: Membership | None) -> AbstractBaseUser | None:
    return by.user if by else None


def _who(by: Membership | None) -> str:
    return by.user.get_username() if by else "system"


def _local(moment: datetime, tenant: Tenant) -> str:
    return timezone.localtime(moment, tenant.tzinfo).strftime("%Y-%m-%d %H:%M")


def callback_log_activity(
    callback: CallbackRequest,
    *,
    by: Membership | None,
    kind: str,
    message: str,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    now: datetime | None = None,
) -> CallbackActivity:
    # The callers write in a transaction: a refused note undoes what they changed before.
    if problems := length_errors(note.strip(), NOTES_MAX_LENGTH):
        raise ValidationError({"note": problems})
    return CallbackActivity.objects.create(
        tenant=callback.tenant,
        callback=callback,
        actor=_actor(by),
        kind=kind,
        message=message,
        note=note.strip(),
        from_status=from_status,
        to_status=to_status,
        created_at=now or timezone.now(),
    )


# ---------------------------------------------------------------------------------------------
# Settings and holidays


def callback_settings_ensure(tenant: Tenant) -> CallbackSettings:
    """The tenant's settings, created with the defaults on first use."""
    settings, _ = CallbackSettings.objects.get_or_create(tenant=tenant)
    return settings


@transaction.atomic
def callback_settings_create(*, tenant: Tenant, data: dict[str, Any]) -> CallbackSettings:
    if CallbackSettings.objects.filter(tenant=tenant).exists():
        raise ValidationError({"detail": ["This tenant has its callback settings; edit them."]})
    settings = CallbackSettings(tenant=tenant)
    assign_fields(settings, data, allowed=SETTINGS_FIELDS)
    save_validated(settings)
    return settings


@transaction.atomic
def callback_settings_update(
    *, settings: CallbackSettings, data: dict[str, Any]
) -> CallbackSettings:
    assign_fields(settings, data, allowed=SETTINGS_FIELDS)
    try:
        save_validated(settings)
    except ValidationError:
        settings.refresh_from_db()
        raise
    return settings


@transaction.atomic
def holiday_create(*, tenant: Tenant, data: dict[str, Any]) -> BusinessHoliday:
    holiday = BusinessHoliday(tenant=tenant)
    assign_fields(holiday, data, allowed=HOLIDAY_FIELDS)
    save_validated(holiday)
    return holiday


@transaction.atomic
def holiday_update(*, holiday: BusinessHoliday, data: dict[str, Any]) -> BusinessHoliday:
    assign_fields(holiday, data, allowed=HOLIDAY_FIELDS)
    try:
        save_validated(holiday)
    except ValidationError:
        holiday.refresh_from_db()
        raise
    return holiday


def holiday_delete(*, holiday: BusinessHoliday) -> None:
    holiday.delete()


# ---------------------------------------------------------------------------------------------
# Creating and editing


def _contact_errors(
    callback: CallbackRequest, by: Membership | None, changed: set[str]
) -> dict[str, list[str]]:
    """A new or changed lead must be live and, for an agent, one they may see; without a phone
    the contact's applies."""
    errors: dict[str, list[str]] = {}
    lead = callback.lead
    if "lead" in changed and lead is not None and lead.tenant_id == callback.tenant_id:
        if lead.is_archived:
            errors["lead"] = ["This lead is archived; restore it first."]
        elif (
            by is not None
            and not leads_visible_to(tenant=callback.tenant, membership=by)
            .filter(pk=lead.pk)
            .exists()
        ):
            errors["lead"] = [f"Unknown lead {lead.pk}."]
    contacts = [c for c in (callback.customer, lead) if c is not None]
    if not callback.phone and contacts:
        phones = [contact.phone for contact in contacts if contact.phone]
        if phones:
            callback.phone = phones[0]
        else:
            errors["phone"] = ["Give a phone number: the contact has none."]
    return errors


def _validate(callback: CallbackRequest, by: Membership | None, changed: set[str]) -> None:
    """Every problem at once: the contact rules, then the model's validation of the fields they
    did not already fault."""
    errors = _contact_errors(callback, by, changed)
    try:
        callback.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


def _set_sla(callback: CallbackRequest, settings: CallbackSettings) -> None:
    """Promise a due time: the SLA hours of the category the saved request has on arrival
    (waiting 0), counted in business time from the start of its SLA clock."""
    arrival = with_priority(
        CallbackRequest.objects.filter(pk=callback.pk), settings=settings, now=callback.created_at
    ).get()
    category = arrival.priority_category
    due = business_calendar(callback.tenant, settings).add(
        callback.sla_start, timedelta(hours=settings.sla_hours(category))
    )
    callback.sla_category, callback.sla_due_at = category, due
    CallbackRequest.objects.filter(pk=callback.pk).update(sla_category=category, sla_due_at=due)


@transaction.atomic
def callback_create(
    *,
    tenant: Tenant,
    by: Membership | None,
    data: dict[str, Any],
    now: datetime | None = None,
) -> CallbackRequest:
    """A new pending request; without a phone, the customer's (or else the lead's) applies."""
    settings = callback_settings_ensure(tenant)
    callback = CallbackRequest(
        tenant=tenant, created_by=_actor(by), created_at=now or timezone.now()
    )
    assign_fields(callback, dict(data), allowed=EDITABLE_FIELDS)
    _validate(callback, by, changed=set(data))
    save_validated(callback)
    _set_sla(callback, settings)
    callback_log_activity(
        callback,
        by=by,
        kind=CallbackActivityKind.CREATED,
        message=(
            f"Callback requested ({callback.get_source_display().lower()}, "
            f"{callback.get_reason_display().lower()}) by {_who(by)}; "
            f"{callback.get_sla_category_display().lower()}, due "
            f"{_local(callback.sla_due_at, tenant)}."
        ),
        to_status=callback.status,
        now=callback.created_at,
    )
    return callback


def _describe(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(getattr(value, "pk", value))


@transaction.atomic
def callback_update(
    *, callback: CallbackRequest, by: Membership | None, data: dict[str, Any]
) -> CallbackRequest:
    """Edit an open request's details; a change to what its SLA rests on renews the promise."""
    if not callback.is_open:
        raise ValidationError(
            {"detail": [f"This callback is {callback.get_status_display().lower()}; it is closed."]}
        )
    try:
        changes = assign_fields(callback, dict(data), allowed=EDITABLE_FIELDS)
        _validate(callback, by, changed=set(changes))
        save_validated(callback)
    except ValidationError:
        callback.refresh_from_db()  # the caller's object shows what is saved, not what was refused
        raise
    if SLA_INPUTS & set(changes):
        old_due = callback.sla_due_at
        _set_sla(callback, callback_settings_ensure(callback.tenant))
        if callback.sla_due_at != old_due:
            changes["sla_due_at"] = (old_due, callback.sla_due_at)
    if changes:
        with timezone.override(callback.tenant.tzinfo):
            parts = [
                "notes changed"
                if name == "notes"
                else f"{name}: {_describe(old)} → {_describe(new)}"
                for name, (old, new) in changes.items()
            ]
        callback_log_activity(
            callback, by=by, kind=CallbackActivityKind.UPDATED, message="; ".join(parts)
        )
    return callback


@transaction.atomic
def callback_add_note(
    *, callback: CallbackRequest, by: Membership | None, note: str
) -> CallbackActivity:
    if not (note or "").strip():
        raise ValidationError({"note": ["Write a note."]})
    return callback_log_activity(
        callback, by=by, kind=CallbackActivityKind.NOTE, message="Note", note=note
    )


# ---------------------------------------------------------------------------------------------
# Statuses


def _locked(callback: CallbackRequest) -> CallbackRequest:
    """The request, locked until the transaction ends (on PostgreSQL), so two people acting on
    it at once take turns and the second sees what the first did."""
    return CallbackRequest.objects.select_for_update().select_related("tenant").get(pk=callback.pk)


def allowed_actions(status: str) -> tuple[str, ...]:
    """What a request in `status` accepts: the statuses it may move to, and NO_ANSWER during a
    call."""
    moves = TRANSITIONS[status]
    return (*moves, NO_ANSWER) if status == S.IN_PROGRESS else moves


def _refuse_move(callback: CallbackRequest, action: str) -> None:
    allowed = allowed_actions(callback.status)
    label = callback.get_status_display().lower()
    if action == NO_ANSWER:
        problem = f"No answer is logged on a call in progress; this callback is {label}."
    elif not allowed:
        problem = f"This callback is {label}; it cannot change any more."
    else:
        problem = (
            f"This callback is {label}: it cannot become {action}; "
            f"it can become {', '.join(allowed)}."
        )
    raise ValidationError({"status": [problem]})


def _check_worker(callback: CallbackRequest, by: Membership | None, action: str) -> None:
    """The call is made by whoever the request is assigned to (starting an unassigned one takes
    it); otherwise agents act only on their own requests, managers and admins on any."""
    assignee = callback.assigned_to_id
    if action == S.IN_PROGRESS:
        if assignee is None and (by is None or by.role not in ASSIGNABLE_ROLES):
            raise PermissionDenied("Callbacks are called by agents and managers.")
        if assignee is not None and (by is None or assignee != by.user_id):
            raise ValidationError(
                {"status": [f"Assigned to {callback.assigned_to}; reassign it to call it."]}
            )
    elif by is not None and not by.can_manage and assignee != by.user_id:
        raise PermissionDenied("Agents work only the callbacks assigned to them.")


def callback_actions_for(callback: CallbackRequest, by: Membership) -> list[str]:
    """The actions `by` may take on the callback now — what the pages offer, by the same rules
    `callback_change_status` enforces."""
    actions = []
    for action in allowed_actions(callback.status):
        try:
            _check_worker(callback, by, action)
        except (PermissionDenied, ValidationError):
            continue
        actions.append(action)
    return actions


def _input_errors(
    callback: CallbackRequest,
    *,
    action: str,
    note: str,
    scheduled_for: datetime | None,
    resolution: str,
    outcome: str,
    now: datetime,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if action == S.SCHEDULED:
        if scheduled_for is None:
            errors["scheduled_for"] = ["Give the time of the call."]
        elif scheduled_for < now:
            errors["scheduled_for"] = ["Schedule the call for a time from now on."]
        if callback.assigned_to_id is None:
            errors["detail"] = ["Assign the callback before scheduling it."]
    elif action == S.COMPLETED:
        if not resolution.strip():
            errors["resolution"] = ["Say how the callback was resolved."]
        if outcome not in CallbackOutcome.values:
            errors["outcome"] = [f"Choose an outcome: {', '.join(CallbackOutcome.values)}."]
    elif action in (S.FAILED, S.CANCELLED) and not note:
        errors["note"] = ["Say why."]
    for name, text in (("note", note), ("resolution", resolution.strip())):
        if problems := length_errors(text, NOTES_MAX_LENGTH):
            errors[name] = problems
    return errors


@transaction.atomic
def callback_change_status(
    *,
    callback: CallbackRequest,
    by: Membership | None,
    status: str,
    note: str = "",
    scheduled_for: datetime | None = None,
    resolution: str = "",
    outcome: str = "",
    now: datetime | None = None,
) -> CallbackRequest:
    """Move the request to `status`, or log NO_ANSWER. Scheduling needs an assignee and a time
    from now on; completing needs a resolution and an outcome; failing and cancelling need a
    reason (the note). A logged call result (no answer, completed, failed) counts an attempt;
    the tenant's last allowed unanswered attempt fails the request."""
    now = now or timezone.now()
    note = (note or "").strip()
    if status not in STATUS_ACTIONS:
        raise ValidationError({"status": [f"'{status}' is not a callback status."]})
    callback = _locked(callback)
    if status not in allowed_actions(callback.status):
        _refuse_move(callback, status)
    _check_worker(callback, by, status)
    errors = _input_errors(
        callback,
        action=status,
        note=note,
        scheduled_for=scheduled_for,
        resolution=resolution or "",
        outcome=outcome or "",
        now=now,
    )
    if errors:
        raise ValidationError(errors)

    old = callback.status
    new = S.PENDING if status == NO_ANSWER else status
    if status in CALL_RESULTS:
        callback.attempts += 1
    if status == NO_ANSWER:
        max_attempts = callback_settings_ensure(callback.tenant).max_attempts
        message = f"No answer (attempt {callback.attempts} of {max_attempts})"
        if callback.attempts >= max_attempts:
            new = S.FAILED
            callback.close_reason = f"No answer after {callback.attempts} attempts."
            message += "; failed"
    else:
        message = f"status: {old} → {new}"
    if new == S.IN_PROGRESS and callback.assigned_to_id is None:
        callback.assigned_to, callback.assigned_at = by.user, now
        message += f", taken by {_who(by)}"
    if new == S.SCHEDULED:
        callback.scheduled_for = scheduled_for
        message += f" for {_local(scheduled_for, callback.tenant)}"
    elif new != S.IN_PROGRESS:
        callback.scheduled_for = None
    if new == S.COMPLETED:
        callback.resolution, callback.outcome = resolution.strip(), outcome
        message += f" ({callback.get_outcome_display().lower()})"
    if status in (S.FAILED, S.CANCELLED):
        callback.close_reason = note
    if new in CLOSED_CALLBACK_STATUSES:
        callback.closed_at = now
    callback.status = new
    callback.save()
    callback_log_activity(
        callback,
        by=by,
        kind=CallbackActivityKind.NO_ANSWER if status == NO_ANSWER else CallbackActivityKind.STATUS,
        message=message + ".",
        note=note,
        from_status=old,
        to_status=new,
        now=now,
    )
    return callback


def callback_complete(
    *,
    callback: CallbackRequest,
    by: Membership | None,
    resolution: str,
    outcome: str,
    note: str = "",
    now: datetime | None = None,
) -> CallbackRequest:
    return callback_change_status(
        callback=callback,
        by=by,
        status=S.COMPLETED,
        resolution=resolution,
        outcome=outcome,
        note=note,
        now=now,
    )


# ---------------------------------------------------------------------------------------------
# Assignment


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
    if not by.can_manage:
        raise PermissionDenied("Only managers and admins assign callbacks.")
    now = now or timezone.now()
    callback = _locked(callback)
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
        message=f"assigned_to: {old or '—'} → {assignee or '—'}"
        + (f"; status: {old_status} → {callback.status}" if moved else ""),
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
            f"Claimed by {_who(by)} at priority {candidate.priority_score} "
            f"({candidate.priority_category}); status: pending → in_progress."
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
    if by.role not in ASSIGNABLE_ROLES:
        raise PermissionDenied("Callbacks are claimed by agents and managers.")
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
    if not by.can_manage:
        raise PermissionDenied("Only managers and admins assign callbacks.")
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
            message=f"assigned_to: — → {agent} (auto-assigned with {agent.load} open).",
            now=now,
        )
        agent.load += 1
        assigned.append(callback)
    return assigned


def _ids(ids: Iterable[int]) -> str:
    return ", ".join(str(pk) for pk in sorted(ids))
