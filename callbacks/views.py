"""The callback pages: the queue with its priority tabs and "claim next", a request with its call
log form, a form for new requests, and the managers' SLA view with each agent's load.

Thin views on callbacks.selectors and callbacks.services: a request is fetched through
`callback_for` (so another tenant's request, or another agent's, is a 404 like a missing one)
with the priority computed at the moment of the request; which actions and forms a page offers
comes from callbacks.rules, which the services enforce. A refusal from a service shows as form
errors (ValidationError) or a 403 (PermissionDenied).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from crm.filters import customer_search, lead_search
from crm.forms import NoteForm
from tenancy.confirm import ask, confirmed
from tenancy.dates import parse_date_range
from tenancy.forms import ServiceFormMixin, add_service_errors, error_text
from tenancy.htmx import HtmxPartialMixin
from tenancy.pagination import page_of
from tenancy.scoping import TenantPageMixin

from .forms import AssignForm, CallbackForm, CallLogForm, PeriodForm, contact_label
from .models import CallbackRequest, CallbackStatus, PriorityCategory
from .rules import (
    NO_ANSWER,
    check_assigns,
    check_sees_figures,
    may_assign,
    may_claim,
    may_see_figures,
)
from .selectors import (
    CONTACT_KINDS,
    PRIORITY_PARTS,
    UNASSIGNED_PENDING,
    agent_load,
    callback_actions_for,
    callback_for,
    callback_queue,
    callback_settings_of,
    category_counts,
    contact_choices,
    priority_of,
    sla_figures,
)
from .services.assignment import callback_assign, callback_auto_assign, callback_claim_next
from .services.requests import callback_add_note, callback_create
from .services.status import callback_change_status

QUEUE_PAGE_SIZE = 50
# `?include_closed=` values that show closed callbacks in the queue too (and `?mine=`,
# `?breached=` values that narrow it to the member's own, to the ones past their SLA).
INCLUDE_CLOSED_VALUES = ("1", "true", "on")
# The contact picker's results at most.
CONTACT_RESULTS = 20
# The call log form's buttons, in this order, one per action the callback accepts from the
# member (scheduling has its own button beside the time).
ACTION_LABELS = {
    CallbackStatus.IN_PROGRESS: "Start call",
    NO_ANSWER: "No answer",
    CallbackStatus.COMPLETED: "Complete",
    CallbackStatus.FAILED: "Failed",
    CallbackStatus.PENDING: "Unschedule",
    CallbackStatus.CANCELLED: "Cancel callback",
}
PART_LABELS = {
    "customer_value": "Customer value",
    "lead_score": "Lead score",
    "reason": "Reason urgency",
    "vip": "VIP tag",
    "waiting": "Time waiting",
}


class CallbacksMixin(TenantPageMixin):
    @cached_property
    def now(self):
        return timezone.now()

    def get_queryset(self):
        """The queue: the open callbacks the member sees."""
        return callback_queue(tenant=self.tenant, membership=self.membership, now=self.now)

    @cached_property
    def callback(self) -> CallbackRequest:
        return callback_for(
            tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"], now=self.now
        )


# ---------------------------------------------------------------------------------------------
# The queue


class CallbackQueueView(CallbacksMixin, HtmxPartialMixin, TemplateView):
    """Open callbacks the member sees (an agent: theirs and the pool), highest priority first,
    with a tab per category; `?include_closed=1` shows the closed ones too, `?mine=1` only the
    ones assigned to the member, `?breached=1` only the ones past their SLA due time (the home
    page links to these). An htmx request (a tab, a page link) gets only the results."""

    template_name = "callbacks/queue.html"
    partial_template_name = "callbacks/_queue.html"

    def get_context_data(self, **kwargs):
        include_closed = self.request.GET.get("include_closed") in INCLUDE_CLOSED_VALUES
        queue = callback_queue(
            tenant=self.tenant,
            membership=self.membership,
            now=self.now,
            include_closed=include_closed,
        )
        mine = self.request.GET.get("mine") in INCLUDE_CLOSED_VALUES
        breached = self.request.GET.get("breached") in INCLUDE_CLOSED_VALUES
        if mine:
            queue = queue.filter(assigned_to=self.membership.user_id)
        if breached:
            queue = queue.filter(is_breached=True)
        counts = category_counts(queue)
        category = self.request.GET.get("category")
        if category in PriorityCategory.values:
            queue = queue.filter(priority_category=category)
        else:
            category = ""
        page = page_of(
            self.request, queue.select_related("customer", "lead", "assigned_to"), QUEUE_PAGE_SIZE
        )
        tabs = [{"value": "", "label": "All", "count": sum(counts.values())}]
        tabs += [
            {"value": value, "label": label, "count": counts[value]}
            for value, label in PriorityCategory.choices
        ]
        return super().get_context_data(
            tabs=tabs,
            category=category,
            include_closed=include_closed,
            mine=mine,
            breached=breached,
            page_obj=page,
            callbacks=page.object_list,
            now=self.now,
            can_claim=may_claim(self.membership),
            can_assign=may_assign(self.membership),
            can_see_figures=may_see_figures(self.membership),
            **kwargs,
        )


class CallbackClaimView(CallbacksMixin, View):
    """Claim next: the best waiting callback becomes yours and in progress."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            callback = callback_claim_next(tenant=self.tenant, by=self.membership, now=self.now)
        except ValidationError as exc:
            messages.info(request, error_text(exc))
            return redirect("callbacks:callback-queue")
        messages.success(request, f"Claimed: call {callback.contact_name} now.")
        return redirect(callback)


class CallbackAutoAssignView(CallbacksMixin, View):
    """Managers: every waiting callback to the least-loaded agent."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        check_assigns(self.membership)  # before asking: an agent is refused, not questioned
        if not confirmed(request):
            waiting = (
                CallbackRequest.objects.for_tenant(self.tenant).filter(UNASSIGNED_PENDING).count()
            )
            plural = "s" if waiting != 1 else ""
            return ask(
                request,
                question=f"Auto-assign {waiting} waiting callback{plural}?",
                button=f"Assign {waiting} callback{plural}",
                details="Each goes to the agent with the fewest open callbacks, most urgent first.",
                back=reverse("callbacks:callback-queue"),
            )
        try:
            assigned = callback_auto_assign(tenant=self.tenant, by=self.membership, now=self.now)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            plural = "s" if len(assigned) != 1 else ""
            messages.success(request, f"Assigned {len(assigned)} waiting callback{plural}.")
        return redirect("callbacks:callback-queue")


# ---------------------------------------------------------------------------------------------
# One callback


class CallbackDetailView(CallbacksMixin, TemplateView):
    """The request, its priority parts and SLA, the actions the member may take, the activity
    log. POST here adds a note."""

    template_name = "callbacks/detail.html"

    def get_context_data(self, **kwargs):
        callback = self.callback
        actions = callback_actions_for(callback=callback, membership=self.membership)
        kwargs.setdefault("log_form", CallLogForm())
        kwargs.setdefault("note_form", NoteForm())
        if may_assign(self.membership, callback):
            kwargs.setdefault(
                "assign_form",
                AssignForm(tenant=self.tenant, initial={"assignee": callback.assigned_to}),
            )
        priority = priority_of(callback)
        return super().get_context_data(
            callback=callback,
            priority=priority,
            parts=[(PART_LABELS[name], priority.parts[name]) for name in PRIORITY_PARTS],
            settings=callback_settings_of(self.tenant),
            actions=actions,
            buttons=[(a, label) for a, label in ACTION_LABELS.items() if a in actions],
            activities=callback.activities.select_related("actor"),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                callback_add_note(
                    callback=self.callback, by=self.membership, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Note added.")
                return redirect(self.callback)
        return self.render_to_response(self.get_context_data(note_form=form))


class CallbackStatusView(CallbackDetailView):
    """POST the call log form: a call result or another move; errors show on the page."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CallLogForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                callback = callback_change_status(
                    callback=self.callback,
                    by=self.membership,
                    status=data["action"],
                    note=data["note"],
                    scheduled_for=data["scheduled_for"],
                    resolution=data["resolution"],
                    outcome=data["outcome"],
                    now=self.now,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, callback.activities.first().message)
                return redirect(callback)
        return self.render_to_response(self.get_context_data(log_form=form))


class CallbackAssignView(CallbackDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = AssignForm(request.POST, tenant=self.tenant)
        if form.is_valid():
            assignee = form.cleaned_data["assignee"]
            try:
                callback = callback_assign(
                    callback=self.callback,
                    by=self.membership,
                    assignee_id=assignee.pk if assignee else None,
                    now=self.now,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                who = assignee.get_username() if assignee else "the pool"
                messages.success(request, f"Assigned to {who}.")
                return redirect(callback)
        return self.render_to_response(self.get_context_data(assign_form=form))


class CallbackCreateView(ServiceFormMixin, TenantPageMixin, FormView):
    form_class = CallbackForm
    template_name = "callbacks/form.html"

    def get_initial(self):
        """`?customer=` or `?lead=` picks the contact (from a customer's or a lead's page)."""
        return {
            name: self.request.GET[name]
            for name in ("customer", "lead")
            if self.request.GET.get(name, "").isdigit()
        }

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tenant": self.tenant, "membership": self.membership}

    def perform(self, form):
        return callback_create(tenant=self.tenant, by=self.membership, data=form.callback_data())

    def done(self, form, callback):
        messages.success(self.request, "Callback requested.")
        return redirect(callback)


class CallbackContactSearchView(TenantPageMixin, View):
    """The picker's results: up to 20 contacts of the kind matching every word typed (name,
    email, phone or company), as radio options named like the form field."""

    def get(self, request, kind: str):
        if kind not in CONTACT_KINDS:
            raise Http404("Unknown kind of contact.")
        query = request.GET.get("q", "").strip()[:100]
        found, more = [], False
        if len(query) >= 2:
            search = customer_search if kind == "customer" else lead_search
            choices = contact_choices(kind, tenant=self.tenant, membership=self.membership)
            rows = list(search(choices, query)[: CONTACT_RESULTS + 1])
            found = [{"pk": row.pk, "label": contact_label(row)} for row in rows]
            found, more = found[:CONTACT_RESULTS], len(found) > CONTACT_RESULTS
        return render(
            request,
            "callbacks/_contact_options.html",
            {"name": kind, "query": query, "found": found, "more": more},
        )


# ---------------------------------------------------------------------------------------------
# Managers


class CallbackSlaView(CallbacksMixin, TemplateView):
    """SLA breach figures over a period and each agent's load, for managers and admins."""

    template_name = "callbacks/sla.html"

    def dispatch(self, request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is not None:
            check_sees_figures(membership)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        form = PeriodForm(self.request.GET)
        figures = load = None
        if form.is_valid():
            try:
                period = parse_date_range(
                    tenant=self.tenant,
                    start_date=form.cleaned_data["start_date"],
                    end_date=form.cleaned_data["end_date"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                figures = sla_figures(tenant=self.tenant, period=period, now=self.now)
                load = agent_load(tenant=self.tenant, period=period, now=self.now)
        open_ = self.get_queryset()
        return super().get_context_data(
            form=form,
            figures=figures,
            load=load,
            categories=[
                (PriorityCategory(value).label, count)
                for value, count in category_counts(open_).items()
            ],
            queue_url=reverse("callbacks:callback-queue"),
            **kwargs,
        )
