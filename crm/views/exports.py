"""/customers/export/ and /leads/export/: the list pages' "Export these N". Each runs its list's
own reading of the filter (`filter_list`: search, tags, segment, custom-field filters; for leads
what the member sees) and its order, then crm.selectors.exports writes the file. Filters that
do not validate send the member back to the list, which says what is wrong."""

from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from ..selectors.exports import FORMATS, customer_export, download, lead_export
from .customers import CustomersMixin, order_customers
from .leads import LeadListFilterMixin, lead_ordering

BAD_FORMAT = "Choose CSV or XLSX."


def _format(request) -> str | None:
    fmt = request.GET.get("format") or "csv"
    return fmt if fmt in FORMATS else None


def _back_to(name: str, request):
    query = request.GET.copy()
    query.pop("format", None)
    return redirect(f"{reverse(name)}?{query.urlencode()}" if query else reverse(name))


class CustomerExportView(CustomersMixin, View):
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        fmt = _format(request)
        if fmt is None:
            return HttpResponseBadRequest(BAD_FORMAT)
        form, custom_form, customers, in_use = self.filter_list(request.GET)
        if form.errors or custom_form.errors:
            return _back_to("crm:customer-list", request)
        raw = request.GET.get("ordering", "").strip()
        if raw:
            _, customers = order_customers(customers, raw, self.definitions, in_use)
        export = customer_export(tenant=self.tenant, customers=customers, ordered=bool(raw))
        return download(export, fmt, tenant=self.tenant)


class LeadExportView(LeadListFilterMixin, View):
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        fmt = _format(request)
        if fmt is None:
            return HttpResponseBadRequest(BAD_FORMAT)
        filterset, leads = self.filter_list(request.GET)
        if not filterset.is_valid():
            return _back_to("crm:lead-list", request)
        raw = request.GET.get("ordering", "").strip()
        if raw:
            leads = leads.order_by(*lead_ordering(raw))
        export = lead_export(tenant=self.tenant, leads=leads, ordered=bool(raw))
        return download(export, fmt, tenant=self.tenant)
