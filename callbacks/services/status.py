"""Moving a request through its statuses, and logging the result of a call.

Who may make which move is callbacks.rules' (the call is made by whoever holds the request;
otherwise agents act only on their own, managers and admins on any). "No answer" is logged on a
call in progress and returns the request to pending with the attempt counted, until the
tenant's maximum, when it fails.

Completing a request emits `callback_completed` in the same transaction (tenancy.events) for its
customer (or its lead's customer), with data {"callback": id, "outcome": outcome code, "lead":
id or null} and the event key `callback_completed:<id>` (completed is a closed status: once).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.services.scoring import InteractionKind, customer_record_interaction
from tenancy.actors import Actor, actor_user
from tenancy.events import emit
from tenancy.validators import NOTES_MAX_LENGTH, length_errors

from ..models import (
    CLOSED_CALLBACK_STATUSES,
    CallbackActivityKind,
    CallbackOutcome,
    CallbackRequest,
    CallbackStatus,
)
from ..rules import NO_ANSWER, STATUS_ACTIONS, check_move, check_worker
from .requests import (
    actor_name,
    callback_log_activity,
    check_sees,
    local_time,
    locked,
    status_line,
)
from .settings import callback_settings_ensure

S = CallbackStatus
# Results of a call: each counts as an attempt.
CALL_RESULTS = frozenset({NO_ANSWER, S.COMPLETED, S.FAILED})


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
            errors["outcome"] = [
                "Choose an outcome: " + ", ".join(o.label.lower() for o in CallbackOutcome) + "."
            ]
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
    by: Actor,
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
    callback = locked(callback)
    check_sees(callback, by)
    check_move(callback, status)
    check_worker(callback, by, status)
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
        message = status_line(old, new)
    if new == S.IN_PROGRESS and callback.assigned_to_id is None:
        callback.assigned_to, callback.assigned_at = actor_user(by), now
        message += f", taken by {actor_name(by)}"
    if new == S.SCHEDULED:
        callback.scheduled_for = scheduled_for
        message += f" for {local_time(scheduled_for, callback.tenant)}"
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
    if new == S.COMPLETED:
        _count_interaction(callback, by=by, now=now)
        _emit_completed(callback)
    return callback


def _customer_id(callback: CallbackRequest) -> int | None:
    if callback.customer_id is not None:
        return callback.customer_id
    return callback.lead.customer_id if callback.lead_id else None


def _emit_completed(callback: CallbackRequest) -> None:
    emit(
        tenant=callback.tenant,
        event_type="callback_completed",
        customer_id=_customer_id(callback),
        data={"callback": callback.pk, "outcome": callback.outcome, "lead": callback.lead_id},
        event_id=f"callback_completed:{callback.pk}",
    )


def _count_interaction(callback: CallbackRequest, *, by: Actor, now: datetime) -> None:
    """A completed callback is an interaction of its customer's (or its lead's customer's)."""
    customer = callback.customer or (callback.lead.customer if callback.lead_id else None)
    if customer is not None:
        customer_record_interaction(
            tenant=callback.tenant,
            customer=customer,
            kind=InteractionKind.CALLBACK,
            at=now,
            by=by,
        )


def callback_complete(
    *,
    callback: CallbackRequest,
    by: Actor,
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
