"""The pages: thin views that read through the selectors and write through the services.

Every view stands on TenantPageMixin (sign-in and a tenant required). Leads are fetched through
`leads_visible_to`, so another tenant's lead, or another agent's, is a 404 like a missing one.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, TemplateView

from tenancy.forms import add_service_errors, error_text
from tenancy.scoping import TenantPageMixin

from .filters import LEAD_ORDERING_FIELDS, LeadFilterSet
from .forms import (
    BulkAssignForm,
    BulkStatusForm,
    LeadForm,
    NoteForm,
    SourcePerformanceForm,
    sub_source_label,
)
from .models import Lead, LeadSource, LeadStatus
from .selectors.leads import leads_visible_to
from .selectors.sources import parse_date_range, source_performance, source_trends
from .services.leads import (
    lead_add_note,
    lead_archive,
    lead_assign,
    lead_bulk_status,
    lead_create,
    lead_restore,
    lead_update,
)

DEFAULT_ORDERING = "-created_at"
PAGE_SIZES = (25, 50, 100)
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
    "is_hot_leads_only": "Hot leads only",
    "include_archived": "Include archived",
}
TREND_DAYS = 30
CHART_COLOURS = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777"]


def safe_next(request, fallback: str) -> str:
    """The `next` URL posted with a form when it points back into this site."""
    url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


class VisibleLeadsMixin(TenantPageMixin):
    def get_queryset(self):
        return leads_visible_to(tenant=self.tenant, membership=self.membership).select_related(
            "source", "sub_source", "channel", "assigned_to"
        )

    @cached_property
    def lead(self) -> Lead:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


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
    for name in ("status", "source", "channel", "assigned_to"):
        field = form.fields[name]
        field.empty_label = "Any"
        field.widget.choices = field.choices  # the widget holds its own copy of the choices
    form.fields["sub_source"].label_from_instance = sub_source_label
    form.fields["sub_source"].help_text = ""
    for name in ("created_after", "created_before"):
        form.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    for name in ("is_hot_leads_only", "include_archived"):
        form.fields[name].widget = forms.CheckboxInput()
    search = form.fields["search"].widget
    search.input_type = "search"
    search.attrs["placeholder"] = "Search name, email, phone or company"


def page_size(raw: str | None) -> int:
    return int(raw) if raw in {str(size) for size in PAGE_SIZES} else PAGE_SIZES[0]


class HtmxPartialMixin:
    """An htmx request (not a history restore) gets `partial_template_name` only."""

    partial_template_name: str

    def is_partial(self) -> bool:
        headers = self.request.headers
        return bool(headers.get("HX-Request") and not headers.get("HX-History-Restore-Request"))

    def get_template_names(self):
        return [self.partial_template_name if self.is_partial() else self.template_name]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # The same URL answers with a page or a fragment: caches must tell them apart.
        patch_vary_headers(response, ["HX-Request"])
        return response


class LeadListView(HtmxPartialMixin, VisibleLeadsMixin, TemplateView):
    """Filters, search, sorting and paging through GET parameters, so every view of the list
    has a URL. An htmx request (filter form, sort and page links) gets only the results."""

    template_name = "crm/leads/list.html"
    partial_template_name = "crm/leads/_results.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        filterset = LeadFilterSet(
            params,
            queryset=self.get_queryset().prefetch_related("tags"),
            request=self.request,
        )
        prepare_filter_form(filterset.form)
        ordering = lead_ordering(params.get("ordering"))
        leads = filterset.qs.order_by(*ordering) if filterset.is_valid() else Lead.objects.none()
        size = page_size(params.get("page_size"))
        page = Paginator(leads, size).get_page(params.get("page"))
        return super().get_context_data(
            filter_form=filterset.form,
            filter_fields=[filterset.form[name] for name in PAGE_FILTERS],
            filters_valid=filterset.is_valid(),
            columns=sort_columns(ordering[0]),
            ordering=params.get("ordering", ""),
            page_size=size,
            page_sizes=PAGE_SIZES,
            page_obj=page,
            leads=page.object_list,
            bulk_status_form=BulkStatusForm(),
            bulk_assign_form=(
                BulkAssignForm(tenant=self.tenant) if self.membership.can_manage else None
            ),
            **kwargs,
        )


class BulkActionView(TenantPageMixin, View):
    """POST the ticked leads to a service, then go back to the list with a message. A refusal
    by the service (PermissionDenied) is a 403."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        else:
            try:
                messages.success(request, self.perform(form.cleaned_data))
            except ValidationError as exc:
                messages.error(request, error_text(exc))
        return redirect(safe_next(request, reverse("crm:lead-list")))


class LeadBulkStatusView(BulkActionView):
    def get_form(self):
        return BulkStatusForm(self.request.POST)

    def perform(self, data) -> str:
        leads = lead_bulk_status(tenant=self.tenant, by=self.membership, **data)
        label = LeadStatus(data["status"]).label
        return f"Set {len(leads)} lead{'s' if len(leads) != 1 else ''} to {label}."


class LeadBulkAssignView(BulkActionView):
    def get_form(self):
        return BulkAssignForm(self.request.POST, tenant=self.tenant)

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
    """The lead, its activity log, and a note form (POST here adds a note)."""

    template_name = "crm/leads/detail.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("note_form", NoteForm())
        return super().get_context_data(
            lead=self.lead,
            activities=self.lead.activities.select_related("actor"),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                lead_add_note(lead=self.lead, by=self.membership, note=form.cleaned_data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Note added.")
                return redirect(self.lead)
        return self.render_to_response(self.get_context_data(note_form=form))


class LeadStateView(VisibleLeadsMixin, View):
    """Archive or restore (POST), then back to the lead."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
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


class LeadRestoreView(LeadStateView):
    service = staticmethod(lead_restore)
    done = "Lead restored."


class LeadFormMixin:
    form_class = LeadForm
    template_name = "crm/leads/form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tenant": self.tenant, "membership": self.membership}


class LeadCreateView(LeadFormMixin, TenantPageMixin, FormView):
    def form_valid(self, form):
        try:
            lead = lead_create(
                tenant=self.tenant,
                by=self.membership,
                data=form.lead_data(),
                tags=form.tag_names(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Lead created.")
        return redirect(lead)


class LeadEditView(LeadFormMixin, VisibleLeadsMixin, FormView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lead": self.lead}

    def get_context_data(self, **kwargs):
        return super().get_context_data(lead=self.lead, **kwargs)

    def form_valid(self, form):
        try:
            lead_update(
                lead=self.lead, by=self.membership, data=form.lead_data(), tags=form.tag_names()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Lead saved.")
        return redirect(self.lead)


# ---------------------------------------------------------------------------------------------
# Source performance


def bar_chart(groups: list[tuple[str, int, int]], *, plot_height: int = 160) -> dict:
    """Geometry of an SVG chart with two bars per group (generated, converted)."""
    left, top, group_width, bar_width = 40, 16, 96, 30
    peak = max([1, *(value for _, *values in groups for value in values)])
    baseline = top + plot_height
    bars, labels = [], []
    for i, (label, *values) in enumerate(groups):
        x = left + i * group_width + 14
        for j, (value, kind) in enumerate(zip(values, ("generated", "converted"), strict=True)):
            height = round(value / peak * plot_height, 1)
            bar_x = x + j * (bar_width + 4)
            bars.append(
                {
                    "x": bar_x,
                    "y": baseline - height,
                    "centre": bar_x + bar_width / 2,
                    "value_y": baseline - height - 4,
                    "width": bar_width,
                    "height": height,
                    "value": value,
                    "kind": kind,
                    "label": label,
                }
            )
        labels.append({"x": x + bar_width + 2, "text": label})
    return {
        "width": left + max(len(groups), 1) * group_width + 8,
        "height": baseline + 28,
        "left": left,
        "top": top,
        "baseline": baseline,
        "label_y": baseline + 18,
        "peak": peak,
        "bars": bars,
        "labels": labels,
    }


def line_chart(trends: dict, *, width: int = 900, plot_height: int = 140) -> dict:
    """Geometry of an SVG line per source: leads generated per day."""
    left, top, right = 40, 12, 8
    sources = trends["sources"]
    days = trends["days"]
    peak = max([1, *(p["leads_generated"] for s in sources for p in s["series"])])
    step = (width - left - right) / max(days - 1, 1)
    baseline = top + plot_height
    lines = []
    for i, source in enumerate(sources):
        points = " ".join(
            f"{left + d * step:.1f},{baseline - p['leads_generated'] / peak * plot_height:.1f}"
            for d, p in enumerate(source["series"])
        )
        lines.append({**source, "points": points, "colour": CHART_COLOURS[i % len(CHART_COLOURS)]})
    return {
        "days": days,
        "width": width,
        "height": baseline + 24,
        "left": left,
        "right_x": width - right,
        "top": top,
        "baseline": baseline,
        "label_y": baseline + 16,
        "peak": peak,
        "lines": lines,
        "start_date": trends["start_date"],
        "end_date": trends["end_date"],
    }


class SourcePerformanceView(TenantPageMixin, TemplateView):
    template_name = "crm/sources/performance.html"

    def get_context_data(self, **kwargs):
        data = self.request.GET.copy()
        if not data.get("source"):
            default = LeadSource.objects.for_tenant(self.tenant).live().filter(is_default=True)
            data["source"] = default.values_list("source_code", flat=True).first() or ""
        form = SourcePerformanceForm(data, tenant=self.tenant)
        performance = None
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
                performance = source_performance(
                    tenant=self.tenant, source=form.cleaned_data["source"], period=period
                )
        chart = None
        if performance is not None:
            groups = [("All", performance["leads_generated"], performance["leads_converted"])]
            groups += [
                (sub["sub_source_code"], sub["leads_generated"], sub["leads_converted"])
                for sub in performance["sub_sources"]
            ]
            chart = bar_chart(groups)
        trends = line_chart(source_trends(tenant=self.tenant, days=TREND_DAYS))
        return super().get_context_data(
            form=form, performance=performance, chart=chart, trends=trends, **kwargs
        )


# ---------------------------------------------------------------------------------------------
# Tenant switcher
