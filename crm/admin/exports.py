"""Exports from the customers' and leads' admin changelists: the filtered changelist (the
"Export" buttons, `…/export/csv/?<the changelist's query>`) and the ticked rows (the actions
"Export selected (CSV)" / "(XLSX)"), written by crm.selectors.exports as the API and the pages
write them.

A tenant admin exports their tenant's rows (the admin's scoped queryset). A superuser sees
every tenant, whose custom fields differ: an export of theirs must hold one tenant's rows (the
tenant filter of the changelist narrows it), or it is refused with a message."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse

from tenancy.models import Tenant

from ..selectors.exports import FORMATS, customer_export, download, lead_export

LABELS = {"csv": "CSV", "xlsx": "XLSX"}
MIXED_TENANTS = (
    "These rows belong to several tenants, whose custom fields differ: filter the list by one "
    "tenant to export it."
)


class ExportAdminMixin:
    """For a ModelAdmin of customers or leads: `export_rows(tenant=…, rows=…, ordered=…)` is
    the selector that reads them."""

    change_list_template = "admin/crm/export_change_list.html"
    actions = ["export_selected_csv", "export_selected_xlsx"]

    def export_rows(self, *, tenant, rows, ordered):
        raise NotImplementedError

    def _url_name(self, what: str) -> str:
        meta = self.model._meta
        return f"{meta.app_label}_{meta.model_name}_{what}"

    def get_urls(self):
        return [
            path(
                "export/<str:fmt>/",
                self.admin_site.admin_view(self.export_view),
                name=self._url_name("export"),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        query = request.GET.urlencode()
        links = [
            (
                f"Export ({LABELS[fmt]})",
                reverse(f"admin:{self._url_name('export')}", args=[fmt])
                + (f"?{query}" if query else ""),
            )
            for fmt in FORMATS
        ]
        return super().changelist_view(request, {**(extra_context or {}), "export_links": links})

    def _tenant_of(self, request, rows) -> Tenant | None:
        """The tenant whose fields the file's columns are: the admin's own, or for a superuser
        the one tenant of the rows (None when they span several)."""
        if not self._is_global(request):
            return request.tenant
        tenant_ids = list(rows.order_by().values_list("tenant_id", flat=True).distinct()[:2])
        if len(tenant_ids) == 1:
            return Tenant.objects.get(pk=tenant_ids[0])
        if not tenant_ids and getattr(request, "tenant", None) is not None:
            return request.tenant
        return None

    def _download(self, request, rows, fmt, *, ordered):
        tenant = self._tenant_of(request, rows)
        if tenant is None:
            self.message_user(request, MIXED_TENANTS, messages.WARNING)
            return None
        return download(
            self.export_rows(tenant=tenant, rows=rows, ordered=ordered), fmt, tenant=tenant
        )

    def export_view(self, request, fmt):
        """The changelist as it is filtered and searched (every page), in its order."""
        if fmt not in FORMATS:
            raise Http404("No such format.")
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        changelist = reverse(f"admin:{self._url_name('changelist')}")
        try:
            rows = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            messages.error(request, "Check the list's filters before exporting.")
            return redirect(changelist)
        response = self._download(request, rows, fmt, ordered=True)
        if response is None:
            query = request.GET.urlencode()
            return redirect(f"{changelist}?{query}" if query else changelist)
        return response

    @admin.action(description="Export selected (CSV)")
    def export_selected_csv(self, request, queryset):
        return self._download(request, queryset, "csv", ordered=False)

    @admin.action(description="Export selected (XLSX)")
    def export_selected_xlsx(self, request, queryset):
        return self._download(request, queryset, "xlsx", ordered=False)


class CustomerExportAdminMixin(ExportAdminMixin):
    def export_rows(self, *, tenant, rows, ordered):
        return customer_export(tenant=tenant, customers=rows, ordered=ordered)


class LeadExportAdminMixin(ExportAdminMixin):
    def export_rows(self, *, tenant, rows, ordered):
        return lead_export(tenant=tenant, leads=rows, ordered=ordered)
