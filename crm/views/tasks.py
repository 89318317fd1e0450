"""Notes and tasks on the pages: the note box and task list of the customer and lead pages, the
complete / reopen / delete buttons, and My tasks (`/tasks/`).

Every action answers htmx with the part of the page it changed — the notes panel of the
customer or lead (`panel=customer|lead`) or the task groups of My tasks (`panel=tasks`) — and
updates the navigation's task count out of band; without htmx it goes back to `next`. A note is
fetched through `note_for`, a customer through `customer_for`, a lead through `lead_for`, so
another tenant's (or, for an agent, another agent's) is a 404 like a missing one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView

from tenancy.forms import add_service_errors, error_text
from tenancy.htmx import HtmxPartialMixin, is_htmx, vary_on_htmx
from tenancy.scoping import TenantPageMixin

from ..forms.notes import CustomerNoteForm
from ..models import CustomerNote
from ..selectors.customers import customer_for
from ..selectors.leads import lead_for
from ..selectors.notes import TaskDay, my_tasks, note_for, notes_on
from ..services.notes import may_delete, note_create, note_delete, task_complete, task_reopen
from .base import safe_next

# How many notes the panel lists (newest first); open tasks are listed whole.
PANEL_NOTES = 50


def notes_panel_context(request, *, customer=None, lead=None, form=None) -> dict:
    """What templates/crm/notes/_panel.html shows for a customer or a lead."""
    tenant, membership = request.tenant, request.membership
    notes = notes_on(tenant=tenant, membership=membership, customer=customer, lead=lead)
    now = timezone.now()
    day = TaskDay.of(tenant, now)
    open_tasks = list(
        notes.filter(is_task=True, is_completed=False).order_by("due_date", "due_time", "id")
    )
    for task in open_tasks:
        task.overdue = task.is_overdue(today=day.today, now=now, tz=tenant.tzinfo)
    others = list(notes.exclude(is_task=True, is_completed=False)[:PANEL_NOTES])
    for note in [*open_tasks, *others]:
        note.tenant = tenant  # the services' role check reads it
        note.can_delete = may_delete(note=note, by=membership)
    kind = "customer" if customer is not None else "lead"
    subject = customer if customer is not None else lead
    return {
        "request": request,
        "panel": kind,
        "subject": subject,
        "post_url": reverse(f"crm:{kind}-notes", args=[subject.pk]),
        "note_form": form or CustomerNoteForm(membership=membership),
        "open_tasks": open_tasks,
        "notes": others,
        "notes_limit": PANEL_NOTES,
        "today": day.today,
        "current_membership": membership,
        "htmx_answer": is_htmx(request),
    }


def task_groups_context(request) -> dict:
    """What templates/crm/tasks/_groups.html shows: the member's task groups."""
    groups = my_tasks(tenant=request.tenant, membership=request.membership)
    for group in groups:
        for task in group["tasks"]:
            task.overdue = group["key"] == "overdue"
            task.can_delete = may_delete(note=task, by=request.membership)
    return {"groups": groups, "htmx_answer": is_htmx(request)}


def save_note(form: CustomerNoteForm, create) -> CustomerNote | None:
    """Every mistake at once: the values that parsed go to the service even when others did
    not (in a savepoint rolled back then), and its errors join the form's on the fields not
    already in error."""
    form.is_valid()
    parse_errors = set(form.errors)
    try:
        with transaction.atomic():
            note = create(form.note_data())
            if parse_errors:
                transaction.set_rollback(True)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            exc = ValidationError(
                {k: v for k, v in exc.error_dict.items() if k not in parse_errors}
            )
        if not hasattr(exc, "error_dict") or exc.error_dict:
            add_service_errors(form, exc)
        return None
    return None if parse_errors else note


class NotesPanelView(TenantPageMixin, View):
    """GET: the panel (htmx) or a page holding it; POST: write a note or task on the subject."""

    kind: str

    def subject(self):
        raise NotImplementedError

    def render(self, form=None, status=200):
        context = notes_panel_context(self.request, **{self.kind: self.subject()}, form=form)
        template = "crm/notes/_panel.html" if is_htmx(self.request) else "crm/notes/page.html"
        return vary_on_htmx(TemplateResponse(self.request, template, context, status=status))

    def get(self, request, *args, **kwargs):
        return self.render()

    def post(self, request, *args, **kwargs):
        subject = self.subject()
        form = CustomerNoteForm(request.POST, membership=self.membership)
        note = save_note(
            form,
            lambda data: note_create(
                tenant=self.tenant, by=self.membership, data={**data, self.kind: subject}
            ),
        )
        if note is None:
            return self.render(form)
        if is_htmx(request):
            return self.render()
        messages.success(request, "Task added." if note.is_task else "Note added.")
        return redirect(subject)


class CustomerNotesView(NotesPanelView):
    kind = "customer"

    @cached_property
    def customer(self):
        return customer_for(tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"])

    def subject(self):
        return self.customer


class LeadNotesView(NotesPanelView):
    kind = "lead"

    @cached_property
    def lead(self):
        return lead_for(tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"])

    def subject(self):
        return self.lead


class NoteMixin(TenantPageMixin):
    @cached_property
    def note(self) -> CustomerNote:
        return note_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=CustomerNote.objects.select_related("customer", "lead"),
        )

    def panel(self) -> str:
        panel = self.request.POST.get("panel") or self.request.GET.get("panel")
        if panel == "tasks" or (panel == "lead" and self.note.lead_id):
            return panel
        return "customer" if self.note.customer_id else "lead"

    def answer(self, panel: str, note: CustomerNote):
        """The changed part of the page for htmx, else back to `next`."""
        request = self.request
        if not is_htmx(request):
            fallback = (
                reverse("crm:task-list")
                if panel == "tasks"
                else (note.customer or note.lead).get_absolute_url()
            )
            return redirect(safe_next(request, fallback))
        if panel == "tasks":
            return TemplateResponse(request, "crm/tasks/_groups.html", task_groups_context(request))
        subject = {panel: note.customer if panel == "customer" else note.lead}
        return TemplateResponse(
            request, "crm/notes/_panel.html", notes_panel_context(request, **subject)
        )


class TaskStateView(NoteMixin, View):
    """POST: complete or reopen the task."""

    http_method_names = ["post"]
    service = None
    done = ""

    def post(self, request, *args, **kwargs):
        note = self.note
        try:
            type(self).service(note=note, by=self.membership)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            if not is_htmx(request):
                messages.success(request, self.done)
        return self.answer(self.panel(), note)


class TaskCompleteView(TaskStateView):
    service = staticmethod(task_complete)
    done = "Task completed."


class TaskReopenView(TaskStateView):
    service = staticmethod(task_reopen)
    done = "Task reopened."


class NoteDeleteView(NoteMixin, TemplateView):
    """GET asks for confirmation (htmx: in place of the note in its list); POST deletes."""

    template_name = "crm/notes/confirm_delete.html"

    def get_template_names(self):
        if is_htmx(self.request):
            return ["crm/notes/_confirm_delete.html"]
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        return vary_on_htmx(super().get(request, *args, **kwargs))

    def get_context_data(self, **kwargs):
        panel = self.panel()
        back = (
            reverse("crm:task-list")
            if panel == "tasks"
            else (self.note.customer or self.note.lead).get_absolute_url()
        )
        return super().get_context_data(note=self.note, panel=panel, back=back, **kwargs)

    def post(self, request, *args, **kwargs):
        note, panel = self.note, self.panel()
        note_delete(note=note, by=self.membership)
        if not is_htmx(request):
            messages.success(request, "Task deleted." if note.is_task else "Note deleted.")
        return self.answer(panel, note)


class MyTasksView(HtmxPartialMixin, TenantPageMixin, TemplateView):
    """The member's tasks by the tenant's day: overdue, today, upcoming, done."""

    template_name = "crm/tasks/list.html"
    partial_template_name = "crm/tasks/_groups.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**task_groups_context(self.request), **kwargs)
