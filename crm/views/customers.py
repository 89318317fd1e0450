"""The customer pages: the list (with the columns and custom-field filters each user picks), the
profile with its tabs, create and edit with the tenant's custom fields, and converting a lead.

Every member of a tenant sees and works its customers (agents included); one customer is fetched
through `customer_for`, so another tenant's customer is a 404 like a missing one. Custom values are
read by customfields' value service, filtered and sorted through its one key-to-column
translation, and written by crm.services.customers.
"""

from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from customfields.forms import PREFIX
from customfields.models import FieldDefinition, FieldHistory, FieldType
from customfields.selectors.query import filter_customers, split_param
from customfields.services.values import active_definitions, read_values
from tenancy.forms import ServiceFormMixin, add_service_errors, filters_on
from tenancy.htmx import HtmxPartialMixin
from tenancy.pagination import page_of
from tenancy.scoping import TenantPageMixin

from ..filters import CustomerFilterSet
from ..forms import CustomerForm, CustomFilterForm, CustomValuesForm, ListViewForm
from ..forms.bulk import CustomerBulkForm
from ..models import Customer, listed_tags
from ..selectors.customers import customer_columns, customer_for, customers_ordered
from ..selectors.duplicates import duplicates_of
from ..selectors.leads import leads_visible_to
from ..selectors.scoring import customer_score
from ..selectors.segments import segments_visible_to
from ..services.bulk import CUSTOMER_BULK_DELETE_ROLES
from ..services.customers import customer_create, customer_update, lead_convert
from ..services.merge import MERGE_ROLES
from .base import PAGE_SIZES, VisibleLeadsMixin, export_query, page_size, safe_next
from .timeline import timeline_tab_context

# Core columns the list can show: name -> (label, `ordering` field, how its value shows).
# The name column is always first.
CORE_COLUMNS = {
    "email": ("Email", "email", "email"),
    "phone": ("Phone", "phone", "phone"),
    "company": ("Company", "company", "text"),
    "tags": ("Tags", None, "tags"),
    "crm_score": ("CRM score", "crm_score", "number"),
    "total_interactions": ("Interactions", "total_interactions", "number"),
    "total_purchases": ("Purchases", "total_purchases", "number"),
    "total_spent": ("Total spent", "total_spent", "number"),
    "last_contacted_at": ("Last contacted", "last_contacted_at", "datetime"),
    "created_at": ("Created", "created_at", "datetime"),
    "updated_at": ("Updated", "updated_at", "datetime"),
}
DEFAULT_COLUMNS = ["email", "company", "tags", "crm_score", "created_at"]
DEFAULT_CUSTOM_COLUMNS = 3  # the first custom fields join the default columns
NAME_ORDERING = "last_name"  # the name column; first_name sorts too
DEFAULT_ORDERING = "-created_at"
# Where each user's column and filter choice for the list is kept, per tenant.
VIEW_SESSION_KEY = "customer_list_view"
TABS = {
    "basic": "Basic info",
    "custom": "Custom fields",
    "activity": "Activity",
    "history": "History",
}
TAB_PAGE_SIZE = 50
EDIT_REASON = "edited"


class CustomersMixin(TenantPageMixin):
    def get_queryset(self):
        return Customer.objects.for_tenant(self.tenant)

    @cached_property
    def customer(self) -> Customer:
        return customer_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=self.get_queryset(),
        )

    @cached_property
    def definitions(self) -> dict[str, FieldDefinition]:
        """The tenant's active custom fields, in their order."""
        return active_definitions(self.tenant)

    def filter_list(self, params, *, shown: Iterable[str] = ()) -> tuple:
        """(filter form, custom filter form, the customers matching, the custom keys filtered
        on) for the list's GET parameters: the one reading of the list's filter, for the list
        and for the bulk edit of "all matching this filter". Filters that do not validate
        match no one. `shown`: the custom fields whose filters the form shows (those filtered
        on are added)."""
        definitions = self.definitions
        filterset = CustomerFilterSet(params, queryset=self.get_queryset(), request=self.request)
        # Filters for the chosen fields, and for any field the address filters by.
        custom_params = {n: v for n, v in params.items() if n.startswith(PREFIX) and v.strip()}
        in_use = {split_param(name)[0] for name in custom_params}
        shown_fields = [d for k, d in definitions.items() if k in shown or k in in_use]
        custom_form = CustomFilterForm(params, definitions=shown_fields)
        customers = filterset.qs if filterset.is_valid() else Customer.objects.none()
        try:
            customers = filter_customers(
                customers, tenant=self.tenant, params=custom_params, definitions=definitions
            )
        except ValidationError as exc:
            custom_form.add_filter_errors(exc)
            customers = Customer.objects.none()
        return filterset.form, custom_form, customers, in_use

    def list_view_form(self, *args, **kwargs) -> ListViewForm:
        return ListViewForm(
            *args,
            core_columns={name: label for name, (label, _, _) in CORE_COLUMNS.items()},
            definitions=self.definitions,
            **kwargs,
        )


# ---------------------------------------------------------------------------------------------
# Customer list


def saved_list_view(session, *, tenant, definitions) -> dict[str, list[str]]:
    """The user's columns and filter fields for this tenant, without fields since removed. Until
    the user picks: the core columns with the first custom fields, and filters for the select
    and yes/no fields (short lists of values)."""
    saved = session.get(VIEW_SESSION_KEY, {}).get(str(tenant.pk)) or {
        "columns": [
            *DEFAULT_COLUMNS,
            *(PREFIX + key for key in list(definitions)[:DEFAULT_CUSTOM_COLUMNS]),
        ],
        "filters": [
            key
            for key, d in definitions.items()
            if d.field_type in (FieldType.SELECT, FieldType.BOOLEAN)
        ],
    }
    custom_columns = {PREFIX + key for key in definitions}
    return {
        "columns": [c for c in saved["columns"] if c in CORE_COLUMNS or c in custom_columns],
        "filters": [key for key in saved["filters"] if key in definitions],
    }


def order_customers(
    customers: QuerySet,
    raw: str | None,
    definitions: dict[str, FieldDefinition],
    filtered: set[str] = frozenset(),
) -> tuple:
    """(the `ordering` applied, the customers in that order): a core column, the name, or a
    custom field's `cf_<key>` (`filtered`: the keys the list is filtered on; values first,
    empty last); anything else sorts newest first. `-id` breaks ties so pages never repeat or
    skip rows."""
    value = (raw or "").strip()
    name = value.removeprefix("-")
    sortable = {NAME_ORDERING, "first_name", *(f for _, f, _ in CORE_COLUMNS.values() if f)}
    custom = name.startswith(PREFIX) and name.removeprefix(PREFIX) in definitions
    if not (custom or name in sortable):
        value = DEFAULT_ORDERING
    ordered = customers_ordered(
        customers, [value, "-id"], definitions=definitions, filtered=filtered
    )
    return value, ordered


def list_columns(chosen: list[str], definitions, ordering: str) -> list[dict]:
    """The table's columns with their header sort links (a second click reverses)."""
    columns = []
    for name in ["name", *chosen]:
        if name == "name":
            label, field, kind, definition = "Name", NAME_ORDERING, "name", None
        elif name in CORE_COLUMNS:
            (label, field, kind), definition = CORE_COLUMNS[name], None
        else:
            definition = definitions[name.removeprefix(PREFIX)]
            label, field, kind = definition.field_label, name, definition.field_type
        active = field is not None and ordering.lstrip("-") == field
        descending = ordering.startswith("-")
        columns.append(
            {
                "name": name,
                "label": label,
                "kind": kind,
                "definition": definition,
                "ordering": f"-{field}" if active and not descending else field,
                "sorted": ("descending" if descending else "ascending") if active else "",
            }
        )
    return columns


def row_cells(customer: Customer, columns: list[dict]) -> list[dict]:
    custom = read_values(customer, [c["definition"] for c in columns if c["definition"]])
    cells = []
    for column in columns[1:]:
        if column["definition"] is not None:
            value = custom[column["definition"].field_key]
        elif column["name"] == "tags":
            value = customer.tag_names()
        else:
            value = getattr(customer, column["name"])
        cells.append({"kind": column["kind"], "value": value})
    return cells


class CustomerListView(HtmxPartialMixin, CustomersMixin, TemplateView):
    """Search, tags and `cf_*` filters, sorting and paging through GET parameters, so every view
    of the list has a URL; the `cf_*` parameters go to the same translation as the API's."""

    template_name = "crm/customers/list.html"
    partial_template_name = "crm/customers/_results.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        definitions = self.definitions
        view = saved_list_view(self.request.session, tenant=self.tenant, definitions=definitions)
        form, custom_form, customers, in_use = self.filter_list(params, shown=view["filters"])
        form.fields["search"].widget.input_type = "search"
        form.fields["search"].widget.attrs["placeholder"] = "Search name, email, phone or company"
        form.fields["tags"].label = "Tags"
        form.fields["tags"].widget.attrs["placeholder"] = "any of, comma-separated"
        # Only the columns the rows show (crm.selectors.customers.customer_columns).
        chosen = view["columns"]
        core = [name for name in chosen if name in CORE_COLUMNS and name != "tags"]
        shown = [definitions[n.removeprefix(PREFIX)] for n in chosen if n.startswith(PREFIX)]
        customers = customers.only(*customer_columns(["first_name", "last_name", *core], shown))
        if "tags" in chosen:
            customers = customers.prefetch_related(listed_tags())
        ordering, customers = order_customers(
            customers, params.get("ordering"), definitions, in_use
        )
        size = page_size(params.get("page_size"))
        page = page_of(self.request, customers, size)
        columns = list_columns(view["columns"], definitions, ordering)
        return super().get_context_data(
            **self.segment_tabs(params.get("segment", "")),
            filter_form=form,
            custom_filter_form=custom_form,
            filter_forms=[form, custom_form],
            filters_valid=not (form.errors or custom_form.errors),
            filters_on=[
                *filters_on(form, ["tags"]),
                *filters_on(custom_form, list(custom_form.fields)),
            ],
            partial=self.is_partial(),
            view_form=self.list_view_form(initial=view),
            bulk_form=CustomerBulkForm(
                definitions=definitions,
                may_delete=self.membership.role in CUSTOMER_BULK_DELETE_ROLES,
            ),
            columns=columns,
            rows=[{"customer": c, "cells": row_cells(c, columns)} for c in page.object_list],
            ordering=params.get("ordering", ""),
            page_size=size,
            page_sizes=PAGE_SIZES,
            page_obj=page,
            export_query=export_query(params),
            **kwargs,
        )

    def segment_tabs(self, raw: str) -> dict:
        """The saved views: the active segments with their counts (and the one shown, if it
        was switched off), and which is chosen."""
        current = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
        segments = segments_visible_to(tenant=self.tenant, membership=self.membership)
        shown = [s for s in segments if s.is_active or s.pk == current]
        return {"segment_tabs": shown, "current_segment": current}


class CustomerColumnsView(CustomersMixin, View):
    """POST the columns and filter fields to show; kept in the session, per tenant."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = self.list_view_form(request.POST)
        if form.is_valid():
            views = request.session.get(VIEW_SESSION_KEY, {})
            views[str(self.tenant.pk)] = form.cleaned_data
            request.session[VIEW_SESSION_KEY] = views
        else:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(safe_next(request, reverse("crm:customer-list")))


# ---------------------------------------------------------------------------------------------
# One customer


class CustomerDetailView(HtmxPartialMixin, CustomersMixin, TemplateView):
    """The profile; `?tab=` picks Basic info, Custom fields, Activity or History (links that
    htmx turns into swaps of the tab panel)."""

    template_name = "crm/customers/detail.html"
    partial_template_name = "crm/customers/_tabs.html"

    @cached_property
    def tab(self) -> str:
        tab = self.request.GET.get("tab")
        return tab if tab in TABS else "basic"

    def get_template_names(self):
        """The Activity tab's "Load more" asks htmx for the next entries only."""
        if self.is_partial() and self.tab == "activity" and self.request.GET.get("cursor"):
            return ["crm/customers/_timeline_entries.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        tab = self.tab
        return super().get_context_data(
            customer=self.customer,
            tab=tab,
            tabs=TABS.items(),
            **getattr(self, f"{tab}_context")(),
            **kwargs,
        )

    @cached_property
    def possible_duplicates(self):
        """The "possible duplicates" notice (crm.selectors.duplicates)."""
        return duplicates_of(tenant=self.tenant, customer=self.customer, limit=5)

    @cached_property
    def may_merge(self) -> bool:
        return self.membership.role in MERGE_ROLES

    def visible_leads(self):
        """The customer's leads this member may see (agents: theirs and unassigned)."""
        return leads_visible_to(tenant=self.tenant, membership=self.membership).filter(
            customer=self.customer
        )

    def paged(self, queryset):
        return page_of(self.request, queryset, TAB_PAGE_SIZE)

    def basic_context(self) -> dict:
        return {
            "leads": self.visible_leads().select_related("source", "assigned_to"),
            "created_by": self.customer.created_by,
            "score": customer_score(customer=self.customer),
        }

    def custom_context(self) -> dict:
        values = read_values(self.customer, self.definitions.values())
        return {
            "custom_values": [
                {"definition": d, "kind": d.field_type, "value": values[key]}
                for key, d in self.definitions.items()
            ]
        }

    def activity_context(self) -> dict:
        return timeline_tab_context(
            self.request,
            tenant=self.tenant,
            membership=self.membership,
            customer=self.customer,
            limit=TAB_PAGE_SIZE,
        )

    def history_context(self) -> dict:
        history = (
            FieldHistory.objects.for_tenant(self.tenant)
            .filter(customer=self.customer)
            .select_related("changed_by")
        )
        return {"page_obj": self.paged(history)}


class CustomerFormMixin:
    form_class = CustomerForm
    template_name = "crm/customers/form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "definitions": self.definitions}


class CustomerCreateView(CustomerFormMixin, ServiceFormMixin, CustomersMixin, FormView):
    def perform(self, form):
        return customer_create(
            tenant=self.tenant,
            by=self.membership,
            data=form.customer_data(),
            tags=form.tag_names(),
            custom_fields=form.custom_values(),
        )

    def done(self, form, customer):
        messages.success(self.request, "Customer created.")
        # The duplicate warning; the profile's notice links to "Compare and merge".
        for match in duplicates_of(tenant=self.tenant, customer=customer, limit=3):
            messages.warning(
                self.request,
                f"This looks like {match.customer.full_name} (#{match.customer.pk}): "
                f"{match.reason_text}.",
            )
        return redirect(customer)


class CustomerEditView(CustomerFormMixin, ServiceFormMixin, CustomersMixin, FormView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "customer": self.customer}

    def get_context_data(self, **kwargs):
        return super().get_context_data(customer=self.customer, **kwargs)

    def perform(self, form):
        return customer_update(
            customer=self.customer,
            by=self.membership,
            data=form.customer_data(),
            tags=form.tag_names(),
            custom_fields=form.custom_values(),
            reason=EDIT_REASON,
        )

    def rehearse(self, form):
        return self.rehearsing("customer", form)

    def done(self, form, customer):
        messages.success(self.request, "Customer saved.")
        return redirect(self.customer)


# ---------------------------------------------------------------------------------------------
# Converting a lead


class LeadConvertView(VisibleLeadsMixin, FormView):
    """POST (the lead page's button) makes a customer of the lead. The tenant's required custom
    fields need values first: this page asks for them and shows what the service refused."""

    form_class = CustomValuesForm
    template_name = "crm/customers/convert.html"

    def get_form_kwargs(self):
        required = {k: d for k, d in active_definitions(self.tenant).items() if d.is_required}
        return {**super().get_form_kwargs(), "definitions": required}

    def get_context_data(self, **kwargs):
        return super().get_context_data(lead=self.lead, **kwargs)

    def form_valid(self, form):
        try:
            customer = lead_convert(
                lead=self.lead, by=self.membership, custom_fields=form.custom_values()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.lead.full_name} is now a customer.")
        return redirect(customer)
