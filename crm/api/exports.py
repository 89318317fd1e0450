"""customers/export/ and leads/export/: the list's rows as a CSV or XLSX file.

The action runs the list's own filter backends (filterset, `cf_` filters, search, tags, segment,
ordering) over the list's own queryset (for leads: what the member sees), so an export is the
list, every page of it. `?format=csv|xlsx` picks the file; DRF's URL format override (the same
`format` parameter) would look for a renderer of that name, so these actions negotiate without
it: errors are JSON whatever the request says, and the file is the response itself."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer

from ..selectors.exports import FORMATS, XLSX_CONTENT_TYPE, customer_export, download, lead_export


class _NoFormatOverride:
    URL_FORMAT_OVERRIDE = None


class ExportNegotiation(DefaultContentNegotiation):
    """`?format=` names the file, not a renderer; any Accept header gets JSON errors rather
    than a 406 (the file itself is not rendered)."""

    settings = _NoFormatOverride()

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, None)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=list(FORMATS),
    default="csv",
    description="`csv` (UTF-8 with a byte-order mark, comma-separated) or `xlsx`.",
)


def export_schema(what: str):
    return extend_schema(
        filters=True,
        parameters=[FORMAT_PARAMETER],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description=f"Every matching {what}: CSV (streamed) or XLSX, as `format` says.",
            ),
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description=f"Every matching {what} as an XLSX workbook."
            ),
        },
        description=f"Every {what} the list's filters select (all pages), as a file whose "
        "columns the import maps back by themselves: core fields by name, `tags` "
        "comma-separated"
        + (", custom fields by `field_key`" if what == "customer" else "")
        + ". Dates ISO, decimals plain, booleans true/false, empty for none; text a spreadsheet "
        "would run as a formula is quoted. A bad filter or format is a 400.",
    )


def export_format(request) -> str:
    fmt = request.query_params.get("format", "csv") or "csv"
    if fmt not in FORMATS:
        raise serializers.ValidationError({"format": ["Choose csv or xlsx."]})
    return fmt


class _ExportMixin:
    def _filtered(self):
        """The list's queryset through the list's filter backends, whatever the action."""
        queryset = self.get_queryset()
        for backend in list(self.filter_backends):
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def _ordered(self) -> bool:
        return bool(self.request.query_params.get("ordering", "").strip())


class CustomerExportMixin(_ExportMixin):
    @export_schema("customer")
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        renderer_classes=[JSONRenderer],
        content_negotiation_class=ExportNegotiation,
        pagination_class=None,
    )
    def export(self, request):
        fmt = export_format(request)
        export = customer_export(
            tenant=self.tenant, customers=self._filtered(), ordered=self._ordered()
        )
        return download(export, fmt, tenant=self.tenant)


class LeadExportMixin(_ExportMixin):
    @export_schema("lead")
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        renderer_classes=[JSONRenderer],
        content_negotiation_class=ExportNegotiation,
        pagination_class=None,
    )
    def export(self, request):
        """Agents: the leads their list shows (theirs and unassigned ones)."""
        fmt = export_format(request)
        export = lead_export(tenant=self.tenant, leads=self._filtered(), ordered=self._ordered())
        return download(export, fmt, tenant=self.tenant)
