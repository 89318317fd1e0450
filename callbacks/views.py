"""The callback pages: the queue with its priority tabs and "claim next", a request with its call
log form, a form for new requests, and the managers' SLA view with each agent's load.

Thin views on crm.selectors.callbacks and callbacks.services: callbacks are fetched through
`callback_queue` (so another tenant's request, or another agent's, is a 404 like a missing one)
with the priority computed at the moment of the request; which actions a page offers comes from
the service's own rules (`callback_actions_for`).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from crm.filters import customer_search, lead_search
from crm.forms import DATETIME_WIDGET, MemberChoiceField, NoteForm
from crm.models import Customer
from crm.selectors.leads import leads_visible_to
from crm.selectors.sources import parse_date_range
from tenancy.forms import add_service_errors, error_text
from tenancy.scoping import TenantPageMixin
from tenancy.validators import NOTES_MAX_LENGTH

from . import services as callback_services
from .models import (
    OPEN_CALLBACK_STATUSES,
    CallbackOutcome,
    CallbackRequest,
    CallbackSource,
    CallbackStatus,
    PriorityCategory,
)
from .selectors import (
    ASSIGNABLE_ROLES,
    PRIORITY_PARTS,
    agent_load,
    assignable_members,
    callback_queue,
    callback_settings_of,
    category_counts,
    priority_of,
    sla_figures,
)

QUEUE_PAGE_SIZE = 50
# The call log form's buttons, in this order, one per action the callback accepts from the
# member (scheduling has its own button beside the time).
ACTION_LABELS = {
    CallbackStatus.IN_PROGRESS: "Start call",
    callback_services.NO_ANSWER: "No answer",
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
        return callback_queue(tenant=self.tenant, membership=self.membership, now=self.now)

    @cached_property
    def callback(self) -> CallbackRequest:
        return get_object_or_404(
            self.get_queryset().select_related("customer", "lead", "assigned_to"),
            pk=self.kwargs["pk"],
        )


# ---------------------------------------------------------------------------------------------
# Forms


class CallLogForm(forms.Form):
    """The result of a call or another move; which button was pressed is the `action`. The
    service judges whether the move is allowed and what it needs."""

    action = forms.ChoiceField(choices=[(a, a) for a in callback_services.STATUS_ACTIONS])
    note = forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required to fail or cancel.",
    )
    resolution = forms.CharField(
        required=False, max_length=NOTES_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(required=False, choices=[("", "—"), *CallbackOutcome.choices])
    scheduled_for = forms.DateTimeField(required=False, widget=DATETIME_WIDGET, label="Call at")


class AssignForm(forms.Form):
    assignee = MemberChoiceField(
        get_user_model().objects.none(), required=False, empty_label="Nobody (back to the pool)"
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_members(tenant)


CONTACT_KINDS = ("customer", "lead")
CONTACT_RESULTS = 20


def contact_choices(kind: str, *, tenant, membership) -> QuerySet:
    """Whom a new callback may be for: any customer of the tenant, or a lead the member sees
    that is not archived. The form validates against it and the picker searches it."""
    if kind == "customer":
        return Customer.objects.for_tenant(tenant).order_by("last_name", "first_name", "pk")
    return (
        leads_visible_to(tenant=tenant, membership=membership)
        .filter(archived_at__isnull=True)
        .order_by("last_name", "first_name", "pk")
    )


def contact_label(obj) -> str:
    detail = obj.email or obj.phone
    return f"{obj.full_name} ({detail})" if detail else obj.full_name


class ContactPicker(forms.Widget):
    """A search box that fetches matching contacts as you type (htmx), instead of a select with
    every customer of the tenant in it (200,000 options at scale). Renders only the contact
    already chosen, if any; the choices' queryset judges what is posted."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def render(self, name, value, attrs=None, renderer=None):
        selected = None
        if value not in (None, ""):
            selected = self.choices.queryset.filter(pk=value).first()
        return render_to_string(
            "callbacks/_contact_picker.html",
            {
                "name": name,
                "id": (attrs or {}).get("id") or f"id_{name}",
                "kind": self.kind,
                "search_url": reverse("callbacks:callback-contacts", args=[self.kind]),
                "selected": selected and {"pk": selected.pk, "label": contact_label(selected)},
            },
        )

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class ContactChoiceField(forms.ModelChoiceField):
    def __init__(self, kind: str, **kwargs):
        super().__init__(Customer.objects.none(), widget=ContactPicker(kind), **kwargs)

    def label_from_instance(self, obj) -> str:
        return contact_label(obj)


def _callback_field(name: str, **kwargs) -> forms.Field:
    return CallbackRequest._meta.get_field(name).formfield(**kwargs)


class CallbackForm(forms.Form):
    customer = ContactChoiceField("customer", required=False)
    lead = ContactChoiceField("lead", required=False)
    phone = _callback_field(
        "phone", required=False, help_text="Leave empty for the customer's (or lead's) phone."
    )
    reason = _callback_field("reason")
    source = _callback_field("source", initial=CallbackSource.MANUAL)
    preferred_start = _callback_field(
        "preferred_start", widget=DATETIME_WIDGET, label="Preferred window from"
    )
    preferred_end = _callback_field("preferred_end", widget=DATETIME_WIDGET, label="until")
    notes = _callback_field("notes", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, tenant, membership, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in CONTACT_KINDS:
            self.fields[kind].queryset = contact_choices(kind, tenant=tenant, membership=membership)

    def callback_data(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name in callback_services.EDITABLE_FIELDS
        }


# ---------------------------------------------------------------------------------------------
# The queue


class CallbackQueueView(CallbacksMixin, TemplateView):
    """Open callbacks the member sees (an agent: theirs and the pool), highest priority first,
    with a tab per category. An htmx request (a tab, a page link) gets only the results."""

    template_name = "callbacks/queue.html"
    results_template_name = "callbacks/_queue.html"

    def get_template_names(self):
        headers = self.request.headers
        partial = headers.get("HX-Request") and not headers.get("HX-History-Restore-Request")
        return [self.results_template_name if partial else self.template_name]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        patch_vary_headers(response, ["HX-Request"])
        return response

    def get_context_data(self, **kwargs):
        queue = self.get_queryset().filter(status__in=OPEN_CALLBACK_STATUSES)
        counts = category_counts(queue)
        category = self.request.GET.get("category")
        if category in PriorityCategory.values:
            queue = queue.filter(priority_category=category)
        else:
            category = ""
        page = Paginator(
            queue.select_related("customer", "lead", "assigned_to"), QUEUE_PAGE_SIZE
        ).get_page(self.request.GET.get("page"))
        tabs = [{"value": "", "label": "All", "count": sum(counts.values())}]
        tabs += [
            {"value": value, "label": label, "count": counts[value]}
            for value, label in PriorityCategory.choices
        ]
        return super().get_context_data(
            tabs=tabs,
            category=category,
            page_obj=page,
            callbacks=page.object_list,
            now=self.now,
            can_claim=self.membership.role in ASSIGNABLE_ROLES,
            **kwargs,
        )


class CallbackClaimView(CallbacksMixin, View):
    """Claim next: the best waiting callback becomes yours and in progress."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            callback = callback_services.callback_claim_next(
                tenant=self.tenant, by=self.membership, now=self.now
            )
        except ValidationError as exc:
            messages.info(request, error_text(exc))
            return redirect("callbacks:callback-queue")
        messages.success(request, f"Claimed: call {callback.contact_name} now.")
        return redirect(callback)


class CallbackAutoAssignView(CallbacksMixin, View):
    """Managers: every waiting callback to the least-loaded agent."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            assigned = callback_services.callback_auto_assign(
                tenant=self.tenant, by=self.membership, now=self.now
            )
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
        actions = callback_services.callback_actions_for(callback, self.membership)
        kwargs.setdefault("log_form", CallLogForm())
        kwargs.setdefault("note_form", NoteForm())
        if self.membership.can_manage and callback.status in callback_services.ASSIGNABLE_STATUSES:
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
                callback_services.callback_add_note(
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
                callback = callback_services.callback_change_status(
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
                callback = callback_services.callback_assign(
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


class CallbackCreateView(TenantPageMixin, FormView):
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

    def form_valid(self, form):
        try:
            callback = callback_services.callback_create(
                tenant=self.tenant, by=self.membership, data=form.callback_data()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
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


class PeriodForm(forms.Form):
    start_date = forms.CharField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From"
    )
    end_date = forms.CharField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Until"
    )


class CallbackSlaView(CallbacksMixin, TemplateView):
    """SLA breach figures over a period and each agent's load, for managers and admins."""

    template_name = "callbacks/sla.html"

    def dispatch(self, request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is not None and not membership.can_manage:
            raise PermissionDenied("The SLA view is for managers and admins.")
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
        open_ = self.get_queryset().filter(status__in=OPEN_CALLBACK_STATUSES)
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
