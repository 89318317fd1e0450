"""Writes for notes and tasks: create, update, delete, complete, reopen; each one recorded as a
NoteEvent (who, what, which fields).

Who may do what (each service checks it for its actor `by`):
- write a note: every active member, on a customer or on a lead they see (an agent: theirs or
  unassigned); a note on a lead that belongs to a customer is on that customer too;
- assign a task: managers and admins to any active member, agents only to themselves;
- edit: managers and admins every note; an agent the notes they wrote and the tasks assigned to
  them; delete: managers and admins, or the author;
- complete and reopen a task: every member who sees it (an agent: assigned to them, written by
  them or unassigned)."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tenancy.actors import Actor, actor_user, is_operator, require_role
from tenancy.models import Membership, Role, Tenant
from tenancy.services.common import assign_fields, save_validated

from ..models import CustomerNote, NoteAction, NoteEvent
from ..selectors.leads import leads_visible_to
from ..selectors.notes import notes_visible_to
from . import reactions  # at call time: reactions imports the rules, which import these

NOTE_WRITE_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT)
# What clients may set on a note, in display order (the API, the admin and the forms use it).
NOTE_FIELDS = (
    "customer",
    "lead",
    "note",
    "is_task",
    "is_completed",
    "due_date",
    "due_time",
    "assigned_to",
)


def _describe(value: Any) -> Any:
    """A field's value as the history keeps it (JSON): text, a flag, a username, ISO dates."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "get_username"):
        return value.get_username()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value.pk) if hasattr(value, "pk") else str(value)


def _record(
    note: CustomerNote, *, by: Actor, action: str, changes: dict | None = None
) -> NoteEvent:
    return NoteEvent.objects.create(
        tenant=note.tenant,
        note=note if action != NoteAction.DELETED else None,
        customer_id=note.customer_id,
        lead_id=note.lead_id,
        actor=actor_user(by),
        action=action,
        is_task=note.is_task,
        changes=changes or {},
    )


def _sees(note: CustomerNote, by: Actor) -> bool:
    if is_operator(by):
        return True
    visible = notes_visible_to(tenant=note.tenant, membership=by)
    return visible.filter(pk=note.pk).exists()


def _check_subject(note: CustomerNote, *, by: Actor) -> None:
    """A note on a lead the actor may not see is refused like an unknown lead; a lead linked to a
    customer brings the customer along."""
    if note.lead_id is None:
        return
    if not is_operator(by):
        leads = leads_visible_to(tenant=note.tenant, membership=by)
        if not leads.filter(pk=note.lead_id).exists():
            raise ValidationError({"lead": ["Unknown lead."]})
    if note.customer_id is None and note.lead.customer_id is not None:
        note.customer_id = note.lead.customer_id


def _check_assignee(note: CustomerNote, *, by: Actor) -> None:
    if (
        isinstance(by, Membership)
        and not is_operator(by)
        and not by.can_manage
        and note.assigned_to_id not in (None, by.user_id)
    ):
        raise ValidationError({"assigned_to": ["Agents can only assign tasks to themselves."]})


def _stamp_completion(note: CustomerNote) -> None:
    if note.is_completed and note.completed_at is None:
        note.completed_at = timezone.now()
    elif not note.is_completed:
        note.completed_at = None


def require_note_edit(*, note: CustomerNote, by: Actor) -> None:
    require_role(by, tenant=note.tenant, roles=NOTE_WRITE_ROLES)
    if is_operator(by) or by.can_manage:
        return
    if by.user_id not in (note.user_id, note.assigned_to_id) or not _sees(note, by):
        raise PermissionDenied("Only its author, its assignee or a manager may change this note.")


def require_note_delete(*, note: CustomerNote, by: Actor) -> None:
    require_role(by, tenant=note.tenant, roles=NOTE_WRITE_ROLES)
    if is_operator(by) or by.can_manage:
        return
    if note.user_id != by.user_id:
        raise PermissionDenied("Only its author or a manager may delete this note.")


def may_delete(*, note: CustomerNote, by: Actor) -> bool:
    """Whether `by` may delete `note` (the pages offer the button only then)."""
    try:
        require_note_delete(note=note, by=by)
    except PermissionDenied:
        return False
    return True


# What a note changes that a segment or a rule can read (crm.conditions' activities).
NOTE_ACTIVITY = frozenset({"activity.note_added"})


def _announce(tenant: Tenant, customer_ids: list[int | None], *, by: Actor) -> None:
    """Segments and rules reading "a note added in the last N days" follow at once."""
    reactions.customers_changed(
        tenant=tenant, customer_ids=[pk for pk in customer_ids if pk], by=by, fields=NOTE_ACTIVITY
    )


@transaction.atomic
def note_create(*, tenant: Tenant, by: Actor, data: dict[str, Any]) -> CustomerNote:
    require_role(by, tenant=tenant, roles=NOTE_WRITE_ROLES)
    note = CustomerNote(tenant=tenant, user=actor_user(by))
    assign_fields(note, dict(data), allowed=NOTE_FIELDS)
    _check_subject(note, by=by)
    _check_assignee(note, by=by)
    _stamp_completion(note)
    save_validated(note)
    _record(note, by=by, action=NoteAction.CREATED, changes={"note": [None, note.note]})
    _announce(tenant, [note.customer_id], by=by)
    return note


@transaction.atomic
def note_update(*, note: CustomerNote, by: Actor, data: dict[str, Any]) -> CustomerNote:
    """Only the fields given change. Completing or reopening through an update is recorded as
    such when it is the only change."""
    require_note_edit(note=note, by=by)
    try:
        changes = assign_fields(note, dict(data), allowed=NOTE_FIELDS)
        if "lead" in changes or "customer" in changes:
            _check_subject(note, by=by)
        if "assigned_to" in changes:
            _check_assignee(note, by=by)
        _stamp_completion(note)
        save_validated(note)
    except ValidationError:
        note.refresh_from_db()  # the caller's object shows what is saved, not what was refused
        raise
    if changes:
        action = NoteAction.UPDATED
        if set(changes) == {"is_completed"}:
            action = NoteAction.COMPLETED if note.is_completed else NoteAction.REOPENED
        described = {k: [_describe(old), _describe(new)] for k, (old, new) in changes.items()}
        _record(note, by=by, action=action, changes=described)
    if "customer" in changes:
        _announce(note.tenant, [getattr(c, "pk", None) for c in changes["customer"]], by=by)
    return note


@transaction.atomic
def note_delete(*, note: CustomerNote, by: Actor) -> None:
    require_note_delete(note=note, by=by)
    _record(note, by=by, action=NoteAction.DELETED, changes={"note": [note.note, None]})
    customer_id = note.customer_id
    note.delete()
    _announce(note.tenant, [customer_id], by=by)


def _set_completed(note: CustomerNote, *, by: Actor, completed: bool) -> CustomerNote:
    require_role(by, tenant=note.tenant, roles=NOTE_WRITE_ROLES)
    if not _sees(note, by):
        raise PermissionDenied("This task is someone else's.")
    if not note.is_task:
        raise ValidationError({"detail": ["This is a note, not a task."]})
    if note.is_completed == completed:
        state = "completed" if completed else "open"
        raise ValidationError({"detail": [f"This task is already {state}."]})
    note.is_completed = completed
    _stamp_completion(note)
    note.save(update_fields=["is_completed", "completed_at", "updated_at"])
    action = NoteAction.COMPLETED if completed else NoteAction.REOPENED
    _record(note, by=by, action=action, changes={"is_completed": [not completed, completed]})
    return note


@transaction.atomic
def task_complete(*, note: CustomerNote, by: Actor) -> CustomerNote:
    return _set_completed(note, by=by, completed=True)


@transaction.atomic
def task_reopen(*, note: CustomerNote, by: Actor) -> CustomerNote:
    return _set_completed(note, by=by, completed=False)
