"""Creating and editing callback requests, their notes, and the activity log every write adds
to.

Any member may request a callback, for any customer of the tenant or a lead they may see; a
request is edited, and noted on, by the members who see it (callbacks.selectors). When the
system itself writes (the command line, an automation acting for the tenant) `by` is OPERATOR,
which may act on every request and lead of any tenant and is logged as "system".
"""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst

from crm.selectors.leads import leads_visible_to
from tenancy.actors import Actor, Operator, actor_user
from tenancy.models import Tenant
from tenancy.services.common import assign_fields, reverted_on_refusal, save_validated
from tenancy.validators import NOTES_MAX_LENGTH, length_errors

from ..models import (
    CallbackActivity,
    CallbackActivityKind,
    CallbackRequest,
    CallbackSettings,
    CallbackStatus,
)
from ..rules import check_member
from ..selectors import business_calendar, callbacks_visible_to, with_priority
from .settings import callback_settings_ensure

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


def actor_name(by: Actor) -> str:
    user = actor_user(by)
    return "system" if user is None else user.get_username()


def local_time(moment: datetime, tenant: Tenant) -> str:
    return timezone.localtime(moment, tenant.tzinfo).strftime("%Y-%m-%d %H:%M")


def locked(callback: CallbackRequest) -> CallbackRequest:
    """The request, locked until the transaction ends (on PostgreSQL), so two people acting on
    it at once take turns and the second sees what the first did."""
    return CallbackRequest.objects.select_for_update().select_related("tenant").get(pk=callback.pk)


def check_sees(callback: CallbackRequest, by: Actor) -> None:
    """`by` works on the request only if it is one they see: an agent's own or the pool's (the
    operator sees every request)."""
    if isinstance(by, Operator):
        return
    check_member(by, callback.tenant)
    visible = callbacks_visible_to(tenant=callback.tenant, membership=by)
    if not visible.filter(pk=callback.pk).exists():
        raise PermissionDenied("Agents work only their own callbacks and the pool's.")


def callback_log_activity(
    callback: CallbackRequest,
    *,
    by: Actor,
    kind: str,
    message: str,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    now: datetime | None = None,
) -> CallbackActivity:
    """One entry of the request's log, written by the service that made the change (whose
    transaction a refused note undoes)."""
    if problems := length_errors(note.strip(), NOTES_MAX_LENGTH):
        raise ValidationError({"note": problems})
    return CallbackActivity.objects.create(
        tenant=callback.tenant,
        callback=callback,
        actor=actor_user(by),
        kind=kind,
        message=message,
        note=note.strip(),
        from_status=from_status,
        to_status=to_status,
        created_at=now or timezone.now(),
    )


def _contact_errors(
    callback: CallbackRequest, by: Actor, changed: set[str]
) -> dict[str, list[str]]:
    """A new or changed lead must be live and, for an agent, one they may see; without a phone
    the contact's applies."""
    errors: dict[str, list[str]] = {}
    lead = callback.lead
    if "lead" in changed and lead is not None and lead.tenant_id == callback.tenant_id:
        if lead.is_archived:
            errors["lead"] = ["This lead is archived; restore it first."]
        elif (
            not isinstance(by, Operator)
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


def _validate(callback: CallbackRequest, by: Actor, changed: set[str]) -> None:
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
    by: Actor,
    data: dict[str, Any],
    now: datetime | None = None,
) -> CallbackRequest:
    """A new pending request; without a phone, the customer's (or else the lead's) applies."""
    if not isinstance(by, Operator):
        check_member(by, tenant)
    settings = callback_settings_ensure(tenant)
    callback = CallbackRequest(
        tenant=tenant, created_by=actor_user(by), created_at=now or timezone.now()
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
            f"{callback.get_reason_display().lower()}) by {actor_name(by)}; "
            f"{callback.get_sla_category_display().lower()}, due "
            f"{local_time(callback.sla_due_at, tenant)}."
        ),
        to_status=callback.status,
        now=callback.created_at,
    )
    return callback


def _describe(name: str, value: Any) -> str:
    """A value as the activity log shows it: a time in the tenant's zone, a choice by its
    label, a customer, lead or member by name."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "get_username"):
        return value.get_username()
    if hasattr(value, "full_name"):
        return value.full_name
    field = CallbackRequest._meta.get_field(name) if name in FIELD_NAMES else None
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(getattr(value, "pk", value))


FIELD_NAMES = {field.name for field in CallbackRequest._meta.get_fields()}


def status_line(old: str, new: str) -> str:
    """ "Status: In progress → Completed" — a move in words."""
    return f"Status: {CallbackStatus(old).label} → {CallbackStatus(new).label}"


# Field names whose verbose name reads badly in a sentence.
LABELS = {"sla_due_at": "SLA due"}


def change_line(name: str, old: Any, new: Any) -> str:
    """ "Reason: Support → Complaint" — one change in words."""
    if name in LABELS:
        label = LABELS[name]
    elif name in FIELD_NAMES:
        label = capfirst(CallbackRequest._meta.get_field(name).verbose_name)
    else:
        label = capfirst(name.replace("_", " "))
    return f"{label}: {_describe(name, old)} → {_describe(name, new)}"


@transaction.atomic
def callback_update(
    *, callback: CallbackRequest, by: Actor, data: dict[str, Any]
) -> CallbackRequest:
    """Edit an open request's details; a change to what its SLA rests on renews the promise."""
    check_sees(callback, by)
    if not callback.is_open:
        raise ValidationError(
            {"detail": [f"This callback is {callback.get_status_display().lower()}; it is closed."]}
        )
    with reverted_on_refusal(callback):
        changes = assign_fields(callback, dict(data), allowed=EDITABLE_FIELDS)
        _validate(callback, by, changed=set(changes))
        save_validated(callback)
    if SLA_INPUTS & set(changes):
        old_due = callback.sla_due_at
        _set_sla(callback, callback_settings_ensure(callback.tenant))
        if callback.sla_due_at != old_due:
            changes["sla_due_at"] = (old_due, callback.sla_due_at)
    if changes:
        with timezone.override(callback.tenant.tzinfo):
            parts = [
                "Notes changed" if name == "notes" else change_line(name, old, new)
                for name, (old, new) in changes.items()
            ]
        callback_log_activity(
            callback, by=by, kind=CallbackActivityKind.UPDATED, message="; ".join(parts)
        )
    return callback


@transaction.atomic
def callback_add_note(*, callback: CallbackRequest, by: Actor, note: str) -> CallbackActivity:
    check_sees(callback, by)
    if not (note or "").strip():
        raise ValidationError({"note": ["Write a note."]})
    return callback_log_activity(
        callback, by=by, kind=CallbackActivityKind.NOTE, message="Note", note=note
    )
