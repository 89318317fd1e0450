"""The lead pages: the list (filters, search, sorting, paging, bulk actions), one lead with its
activity log and notes, archive and restore, create and edit.

Leads are fetched through `leads_visible_to`, so another tenant's lead, or another agent's, is a
404 like a missing one.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from tenancy.confirm import ask, confirmed
from tenancy.forms import ServiceFormMixin, choices_from_cache, error_text, filters_on
from tenancy.htmx import HtmxPartialMixin
from tenancy.pagination import page_of, with_keys
from tenancy.scoping import TenantPageMixin

from ..filters import LEAD_ORDERING_FIELDS, LeadFilterSet, lead_filter_contradictions
from ..forms import BulkAssignForm, BulkStatusForm, LeadForm, sub_source_label
from ..lead_choices import LEAD_CHOICES
from ..models import Lead, LeadStatus, listed_tags
from ..models.leads import HOT_LEAD_SCORE
from ..services.leads import (
    lead_archive,
    lead_assign,
    lead_bulk_status,
    lead_create,
    lead_restore,
    lead_update,
)
from .base import PAGE_SIZES, VisibleLeadsMixin, export_query, page_size, safe_next

DEFAULT_ORDERING = "-created_at"
# Table columns in display order; the second item is the `ordering` field when sortable.
LEAD_COLUMNS = [
    ("Name", "last_name"),
    ("Company", "company"),
    ("Status", "status"),
    ("Source", None),
    ("Assigned to", None),
    ("Score", "lead_score"),
    ("Created", "created_at"),
]
# What a row of the table reads (crm/leads/_results.html): no search_text, notes or figures.
ROW_COLUMNS = (
    *("first_name", "last_name", "email", "phone", "company", "status", "lead_score"),
    *("archived_at", "created_at", "source__source_name", "sub_source__sub_source_name"),
    "assigned_to__username",
)
# What the source, sub-source and channel choices read: the codes they filter by and the names
# their options and the summary show (sub_source_label), not each entry's description and
# metadata; validation and filtering read the same codes.
CHOICE_COLUMNS = {
    "source": ("source_code", "source_name"),
    "sub_source": ("sub_source_code", "sub_source_name", "source__source_code"),
    "channel": ("channel_code", "channel_name"),
}
# The filter's lists of the tenant's rows, which the page draws from the shared cache (scope
# LEAD_CHOICES, bumped by whatever changes a source, sub-source, channel or member).
CACHED_CHOICES = ("source", "sub_source", "channel", "assigned_to")
# The filters the page shows, in order, with their labels (`unassigned` and `archived_only`
# stay URL-only).
PAGE_FILTERS = {
    "status": "Status",
    "source": "Source",
    "sub_source": "Sub-source",
    "channel": "Channel",
    "assigned_to": "Assigned to",
    "created_after": "Created from",
    "created_before": "Created until",
    "lead_score_min": "Score from",
    "lead_score_max": "Score to",
    "tags": "Tags",
    "is_hot_leads_only": f"Hot leads only (score {HOT_LEAD_SCORE}+, open)",
    "follow_up_due": "Follow-up due today",
    "include_archived": "Include archived",
}


# ---------------------------------------------------------------------------------------------
# Leads list


def lead_ordering(raw: str | None) -> list[str]:
    """The whitelisted fields of `?ordering=a,-b` (unknown ones are ignored), newest first by
    default; `-id` breaks ties so pages never repeat or skip rows."""
    fields = [f.strip() for f in (raw or "").split(",")]
    fields = [f for f in fields if f.removeprefix("-") in LEAD_ORDERING_FIELDS]
    return [*(fields or [DEFAULT_ORDERING]), "-id"]


def sort_columns(primary: str) -> list[dict]:
    """Header links: a click sorts by the column, a second click reverses it."""
    columns = []
    for label, field in LEAD_COLUMNS:
        active = field is not None and primary.lstrip("-") == field
        descending = primary.startswith("-")
        columns.append(
            {
                "label": label,
                "ordering": f"-{field}" if active and not descending else field,
                "sorted": ("descending" if descending else "ascending") if active else "",
            }
        )
    return columns


def prepare_filter_form(form: forms.Form) -> None:
    """The shared LeadFilterSet form dressed for a page: labels, "Any" choices, date pickers, a
    search box and checkboxes for the two flags. Runs before the form validates, as the widgets
    read the submitted data."""
    for name, label in PAGE_FILTERS.items():
        form.fields[name].label = label
    for name, columns in CHOICE_COLUMNS.items():
        form.fields[name].queryset = form.fields[name].queryset.only(*columns)
    for name in ("status", "source", "channel", "assigned_to"):
        field = form.fields[name]
        field.empty_label = "Any"
        field.widget.choices = field.choices  # the widget holds its own copy of the choices
    sub_source = form.fields["sub_source"]
    sub_source.label_from_instance = sub_source_label
    sub_source.help_text = ""
    # Ticks, not a Ctrl-click multi-select: several sub-sources at once, on a phone too.
    sub_source.widget = forms.CheckboxSelectMultiple(attrs={"class": "checks"})
    for name in ("created_after", "created_before"):
        form.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    for name in ("is_hot_leads_only", "follow_up_due", "include_archived"):
        form.fields[name].widget = forms.CheckboxInput()
    search = form.fields["search"].widget
    search.input_type = "search"
    search.attrs["placeholder"] = "Search name, email, phone or company"


class LeadListFilterMixin(VisibleLeadsMixin):
    def filter_list(self, params) -> tuple[LeadFilterSet, QuerySet]:
        """(the filter set, the leads it selects, unordered) for the list's GET parameters:
        the one reading of the list's filter, for the list and its export. Filters that do not
        validate match no lead."""
        filterset = LeadFilterSet(params, queryset=self.get_queryset(), request=self.request)
        prepare_filter_form(filterset.form)
        return filterset, (filterset.qs if filterset.is_valid() else Lead.objects.none())


class LeadListView(HtmxPartialMixin, LeadListFilterMixin, TemplateView):
    """Filters, search, sorting and paging through GET parameters, so every view of the list
    has a URL. An htmx request (filter form, sort and page links) gets only the results."""

    template_name = "crm/leads/list.html"
    partial_template_name = "crm/leads/_results.html"

    def read_by_keys(self, filterset: LeadFilterSet, ordering: list[str], as_rows) -> dict:
        """How the page reads a small result by the keys its count found (page_of's `by_keys`
        and `keys_in_order`, tenancy.pagination), where finding the matches costs more than
        reading them by key: a tag filter checks the tag's links lead by lead (the planner
        cannot tell how many links a tag has), a search rechecks every match's text. A search's
        count reads every match's row anyway, so it brings the keys in the list's order and the
        page reads only its own rows. Other filters read their page as fast as the keys would,
        or faster (an index in the list's order)."""
        if not filterset.is_valid():
            return {}
        chosen = filterset.form.cleaned_data
        visible = self.get_queryset()

        def by_keys(keys):
            return as_rows(with_keys(visible, keys))

        if chosen.get("tags"):
            return {"by_keys": by_keys}
        if chosen.get("search"):
            return {"by_keys": by_keys, "keys_in_order": ordering}
        return {}

    def get_context_data(self, **kwargs):
        params = self.request.GET
        filterset, leads = self.filter_list(params)
        ordering = lead_ordering(params.get("ordering"))

        def as_rows(leads):
            return (
                leads.select_related(None)
                .select_related("source", "sub_source", "assigned_to")
                .only(*ROW_COLUMNS)
                .prefetch_related(listed_tags())
                .order_by(*ordering)
            )

        size = page_size(params.get("page_size"))
        reading = self.read_by_keys(filterset, ordering, as_rows)
        page = page_of(self.request, as_rows(leads), size, **reading)
        bulk_assign_form = (
            BulkAssignForm(tenant=self.tenant) if self.membership.can_manage else None
        )
        # The filter's lists and the bulk assign's members: from the shared cache, in one read.
        listed = {f"filter:{name}": filterset.form.fields[name] for name in CACHED_CHOICES}
        if bulk_assign_form is not None:
            listed["bulk:agent"] = bulk_assign_form.fields["agent"]
        choices_from_cache(listed, tenant_id=self.tenant.pk, scope=LEAD_CHOICES)
        return super().get_context_data(
            filter_form=filterset.form,
            filter_fields=[filterset.form[name] for name in PAGE_FILTERS],
            filters_valid=filterset.is_valid(),
            filters_on=filters_on(filterset.form, PAGE_FILTERS),
            contradictions=lead_filter_contradictions(filterset),
            partial=self.is_partial(),
            columns=sort_columns(ordering[0]),
            ordering=params.get("ordering", ""),
            page_size=size,
            page_sizes=PAGE_SIZES,
            page_obj=page,
            leads=page.object_list,
            export_query=export_query(params),
            bulk_status_form=BulkStatusForm(),
            bulk_assign_form=bulk_assign_form,
            **kwargs,
        )


class BulkActionView(TenantPageMixin, View):
    """POST the ticked leads to a service, then go back to the list with a message. A refusal
    by the service (PermissionDenied) is a 403."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        back = safe_next(request, reverse("crm:lead-list"))
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        elif not confirmed(request):
            data = form.cleaned_data
            count = len(data["lead_ids"])
            leads = f"{count} lead{'s' if count != 1 else ''}"
            question, button = self.question(data, leads)
            return ask(request, question=question, button=button, back=back)
        else:
            try:
                messages.success(request, self.perform(form.cleaned_data))
            except ValidationError as exc:
                messages.error(request, error_text(exc))
        return redirect(back)


class LeadBulkStatusView(BulkActionView):
    def get_form(self):
        return BulkStatusForm(self.request.POST)

    def question(self, data, leads: str) -> tuple[str, str]:
        label = LeadStatus(data["status"]).label
        return f"Set {leads} to {label}?", f"Set {leads} to {label}"

    def perform(self, data) -> str:
        leads = lead_bulk_status(tenant=self.tenant, by=self.membership, **data)
        label = LeadStatus(data["status"]).label
        return f"Set {len(leads)} lead{'s' if len(leads) != 1 else ''} to {label}."


class LeadBulkAssignView(BulkActionView):
    def get_form(self):
        return BulkAssignForm(self.request.POST, tenant=self.tenant)

    def question(self, data, leads: str) -> tuple[str, str]:
        who = data["agent"].get_username()
        return f"Assign {leads} to {who}?", f"Assign {leads} to {who}"

    def perform(self, data) -> str:
        agent = data["agent"]
        leads = lead_assign(
            tenant=self.tenant, by=self.membership, lead_ids=data["lead_ids"], agent_id=agent.pk
        )
        plural = "s" if len(leads) != 1 else ""
        return f"Assigned {len(leads)} lead{plural} to {agent.get_username()}."


# ---------------------------------------------------------------------------------------------
# One lead


class LeadDetailView(VisibleLeadsMixin, TemplateView):
    """The lead, its activity log, and its notes and tasks panel (crm/views/tasks.py writes
    them: one place for notes, where the activity log used to take its own)."""

    template_name = "crm/leads/detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            lead=self.lead,
            activities=self.lead.activities.select_related("actor"),
            hot_score=HOT_LEAD_SCORE,
            **kwargs,
        )


class LeadStateView(VisibleLeadsMixin, View):
    """Archive or restore (POST), then back to the lead."""

    http_method_names = ["post"]

    confirm: tuple[str, str, str] | None = None  # question, button, details

    def post(self, request, *args, **kwargs):
        if self.confirm and not confirmed(request):
            question, button, details = self.confirm
            return ask(
                request,
                question=question.format(lead=self.lead.full_name),
                button=button,
                details=details,
                danger=True,
                back=self.lead.get_absolute_url(),
            )
        try:
            self.service(lead=self.lead, by=self.membership)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, self.done)
        return redirect(self.lead)


class LeadArchiveView(LeadStateView):
    service = staticmethod(lead_archive)
    done = "Lead archived."
    confirm = (
        "Archive {lead}?",
        "Archive",
        "The lead leaves the lists and reports; its history is kept, and Restore brings it back.",
    )


class LeadRestoreView(LeadStateView):
    service = staticmethod(lead_restore)
    done = "Lead restored."


class LeadFormMixin:
    form_class = LeadForm
    template_name = "crm/leads/form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tenant": self.tenant, "membership": self.membership}


class LeadCreateView(LeadFormMixin, ServiceFormMixin, TenantPageMixin, FormView):
    def perform(self, form):
        return lead_create(
            tenant=self.tenant, by=self.membership, data=form.lead_data(), tags=form.tag_names()
        )

    def done(self, form, lead):
        messages.success(self.request, "Lead created.")
        return redirect(lead)


class LeadEditView(LeadFormMixin, ServiceFormMixin, VisibleLeadsMixin, FormView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lead": self.lead}

    def get_context_data(self, **kwargs):
        return super().get_context_data(lead=self.lead, **kwargs)

    def perform(self, form):
        return lead_update(
            lead=self.lead, by=self.membership, data=form.lead_data(), tags=form.tag_names()
        )

    def rehearse(self, form):
        return self.rehearsing("lead", form)

    def done(self, form, lead):
        messages.success(self.request, "Lead saved.")
        return redirect(self.lead)
