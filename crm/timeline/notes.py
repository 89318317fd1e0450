"""The timeline's notes and tasks: every NoteEvent on the customer (written, changed, completed,
reopened, deleted), read through its (tenant, customer, created_at) index. An agent sees the
events of the notes they may see (notes_visible_to), and of deleted ones only their own."""

from django.db.models import Q

from ..models import NoteAction, NoteEvent
from ..selectors.notes import notes_visible_to
from .registry import Entry, Provider, TimelineQuery, keyset_page, register

KIND_Q = {
    "note": Q(is_task=False),
    "task": Q(is_task=True) & ~Q(action=NoteAction.COMPLETED),
    "task_completed": Q(is_task=True, action=NoteAction.COMPLETED),
}
ACTIONS = dict(NoteAction.choices)
SHOWN = 140  # characters of a note's text in the summary; the whole text is in `data`


def _kind(row: dict) -> str:
    if not row["is_task"]:
        return "note"
    return "task_completed" if row["action"] == NoteAction.COMPLETED else "task"


def _text(row: dict) -> str:
    before, after = (row["changes"] or {}).get("note") or (None, None)
    return row["note__note"] or after or before or ""


def note_entries(query: TimelineQuery) -> list[Entry]:
    events = NoteEvent.objects.filter(tenant=query.tenant, customer=query.customer)
    if query.membership is not None and not query.membership.can_manage:
        visible = notes_visible_to(tenant=query.tenant, membership=query.membership)
        events = events.filter(
            Q(note__in=visible.values("pk")) | Q(note__isnull=True, actor=query.membership.user_id)
        )
    wanted = Q()
    for kind in query.kinds:
        wanted |= KIND_Q[kind]
    rows = keyset_page(events.filter(wanted), query, source="note", time_field="created_at")
    entries = []
    for row in rows.values(
        "pk",
        "created_at",
        "actor__username",
        "action",
        "is_task",
        "changes",
        "note_id",
        "note__note",
        "note__due_date",
    ):
        text = _text(row)
        what = "Task" if row["is_task"] else "Note"
        short = text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
        entries.append(
            Entry.make(
                "note",
                row["pk"],
                kind=_kind(row),
                occurred_at=row["created_at"],
                actor=row["actor__username"],
                summary=f"{what} {ACTIONS[row['action']].lower()}: {short}",
                data={
                    "note": row["note_id"],
                    "action": row["action"],
                    "text": text,
                    "due_date": row["note__due_date"] and row["note__due_date"].isoformat(),
                },
            )
        )
    return entries


def register_note_provider() -> None:
    register(Provider(source="note", kinds=tuple(KIND_Q), fetch=note_entries))
