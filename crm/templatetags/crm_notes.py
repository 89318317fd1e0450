"""The notes panel of the customer and lead pages, the rows of its lists and of My tasks, and
the navigation's count of the member's tasks due today or before."""

from html import escape  # django.utils.html.escape without its lazy-string wrapper

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe

from ..models import CustomerNote
from ..selectors.notes import due_task_count
from ..views.tasks import notes_panel_context

register = template.Library()

# Reversed in place of an id, then replaced by each row's id (see `_pk_url`).
_PK_MARK = "2147483647"


@register.inclusion_tag("crm/notes/_panel.html", takes_context=True)
def notes_panel(context, customer=None, lead=None):
    """`{% notes_panel customer=customer %}` or `{% notes_panel lead=lead %}`."""
    return notes_panel_context(context["request"], customer=customer, lead=lead)


@register.simple_tag
def note_items(notes, panel: str, target: str) -> SafeString:
    """`{% note_items notes panel target %}`: the `<li>` of each note or task, for the customer
    and lead panels (panel `customer` or `lead`, target `#notes-panel`) and My tasks (`tasks`,
    `#my-tasks`). Each note carries `can_delete`, and `overdue` when it is an open task. The
    Complete / Reopen buttons post the part's one form (crm/notes/_actions_form.html), each to
    its task's URL.

    Built here rather than by a template included for each row: Django's template engine took
    ~240 µs a row (format_html ~95 µs) and rendering the rows was most of My tasks
    (bench/tasks). The URLs are reversed once per list. **Every value that is not a constant
    of this module goes through `escape`** (or linebreaksbr, which escapes), as a template
    would escape it."""
    urls = _Urls()
    return mark_safe("".join(_item(note, panel, target, urls) for note in notes))


class _Urls:
    """The URLs the rows link to (the notes' actions, and the customers' and leads' pages as
    their get_absolute_url gives them), one `reverse` per kind for all the rows."""

    def __init__(self):
        self.complete = _pk_url("crm:note-complete")
        self.reopen = _pk_url("crm:note-reopen")
        self.delete = _pk_url("crm:note-delete")
        self.customer = _pk_url("crm:customer-detail")
        self.lead = _pk_url("crm:lead-detail")


def _pk_url(name: str):
    """`reverse(name, args=[pk])` as a function of `pk`, at the cost of one `reverse`."""
    head, tail = reverse(name, args=[_PK_MARK]).split(_PK_MARK)
    return lambda pk: escape(f"{head}{pk}{tail}")


def _item(note: CustomerNote, panel: str, target: str, urls: _Urls) -> str:
    overdue = getattr(note, "overdue", False)
    classes = "note-item"
    if note.is_task:
        classes += " is-task"
    if note.is_completed:
        classes += " is-done"
    if overdue:
        classes += " is-overdue"
    meta = []
    if note.is_task:
        meta.append(_due(note, overdue))
        meta.append(
            f"for {escape(note.assigned_to.get_username())}" if note.assigned_to else "unassigned"
        )
    if panel == "tasks":
        if note.customer:
            meta.append(_link(urls.customer(note.customer_id), note.customer.full_name))
        elif note.lead:
            meta.append(f"{_link(urls.lead(note.lead_id), note.lead.full_name)} (lead)")
    elif panel == "customer" and note.lead:
        meta.append(f"on lead {_link(urls.lead(note.lead_id), note.lead.full_name)}")
    author = (note.user.get_username() if note.user else "") or "system"
    created = timezone.localtime(note.created_at)
    meta.append(
        f'{escape(author)}, <time datetime="{created.isoformat()}">{created:%Y-%m-%d %H:%M}</time>'
    )
    actions = []
    if note.is_task:
        url = (urls.reopen if note.is_completed else urls.complete)(note.pk)
        kind, label = ("", "Reopen") if note.is_completed else (" primary", "Complete")
        actions.append(
            f'<button type="submit" form="note-actions" formaction="{url}" hx-post="{url}" '
            f'hx-target="{escape(target)}" hx-swap="outerHTML" class="button small{kind}">'
            f"{label}</button>"
        )
    if note.can_delete:
        url = f"{urls.delete(note.pk)}?panel={escape(panel)}"
        actions.append(
            f'<a class="button small quiet" href="{url}" hx-get="{url}" '
            f'hx-target="#note-{note.pk}" hx-swap="outerHTML">Delete</a>'
        )
    return (
        f'<li class="{classes}" id="note-{note.pk}">\n'
        f'  <p class="note-text foldable">{linebreaksbr(note.note, autoescape=True)}</p>\n'
        f'  <p class="meta">{" · ".join(meta)}</p>\n'
        f'  <div class="note-actions">{" ".join(actions)}</div>\n'
        "</li>\n"
    )


def _due(note: CustomerNote, overdue: bool) -> str:
    """The task's badge: done when, or due when (and whether overdue)."""
    if note.is_completed:
        done = note.completed_at and f"{timezone.localtime(note.completed_at):%Y-%m-%d %H:%M}"
        return f'<span class="badge ok">Done {done or ""}</span>'
    # The date filter's "D Y-m-d" (the day's name in the active language), at a third of its cost.
    due = note.due_date
    day = escape(f"{WEEKDAYS_ABBR[due.weekday()]} {due:%Y-%m-%d}") if due else ""
    at = f" {note.due_time:%H:%M}" if note.due_time else ""
    if overdue:
        return f'<span class="badge hot">Overdue · Due {day}{at}</span>'
    return f'<span class="badge">Due {day}{at}</span>'


def _link(url: str, text: str) -> str:
    return f'<a href="{url}">{escape(text)}</a>'


@register.inclusion_tag("crm/tasks/_badge.html", takes_context=True)
def task_badge(context, oob=False):
    """The count of the member's open tasks due today or before (none outside a tenant);
    `oob=True` in an htmx answer replaces the navigation's copy."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    count = 0
    if membership is not None:
        count = due_task_count(tenant=request.tenant, membership=membership)
    return {"count": count, "oob": oob}
