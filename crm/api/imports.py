"""Imports through the API (crm.services.imports):
- `POST customers/import/` and `POST leads/import/`: multipart `file` (CSV or XLSX), optional
  `mapping` (a JSON object `{"column": "<field>" or "custom.<key>"}`; by default the columns
  named like fields), `dry_run`, `on_duplicate` (skip, update, create), `tags` (comma-separated
  or repeated) → 202 the job; its run follows in the background.
- `GET imports/`, `GET imports/{id}/`: the jobs, with status, progress, counts and the first
  errors `[{row, column, message}]`.
- `POST imports/{id}/undo/`: the customers (leads) it created removed, the updated ones
  restored.
- `GET imports/{id}/errors/`: the error report as CSV (row, column, message, the row's cells).
Managers and admins import, undo and see imports; agents get a 403 on the writes and see no
import (an empty list, a 404 for one)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from tenancy.api.fields import StrictFieldsMixin
from tenancy.api.schema import REFUSED
from tenancy.models import Role
from tenancy.scoping import TenantReadOnlyViewSet

from ..models import ImportJob, ImportKind, OnDuplicate
from ..selectors.imports import error_report_response, import_for, import_list
from ..services.imports import import_start, import_undo
from ..services.imports.mapping import MAPPING_MAX_CHARS
from ..services.tags import MAX_TAG_LENGTH, MAX_TAGS


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row's number in the file (the header is 1).")
    column = serializers.CharField(help_text="The file's column (or the field) refused.")
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    errors = ImportErrorSerializer(
        many=True, help_text="The first 100 refused rows; the error report has them all."
    )
    mapping = serializers.DictField(
        child=serializers.CharField(), help_text="{column: field} the job used."
    )
    headers = serializers.ListField(child=serializers.CharField())
    tags = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "dry_run",
            "on_duplicate",
            "filename",
            "mapping",
            "headers",
            "tags",
            "total_rows",
            "processed_rows",
            "created",
            "updated",
            "skipped",
            "duplicates",
            "error_count",
            "errors",
            "failure",
            "source_job",
            "created_at",
            "started_at",
            "finished_at",
            "undone_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "duplicates": {
                "help_text": "Rows that matched an existing record (by email, then "
                "phone): the duplicate warning."
            },
            "failure": {"help_text": "Why a failed import failed."},
        }


class ImportUploadSerializer(StrictFieldsMixin, serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True, help_text="The CSV (UTF-8, `,` or `;`) or XLSX file."
    )
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAPPING_MAX_CHARS,
        help_text='JSON object {"column": "first_name" | "custom.<key>" | "tags" | ""}; '
        'columns left out are mapped by their names; "" leaves a column out.',
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Check every row and count; write nothing."
    )
    on_duplicate = serializers.ChoiceField(
        choices=OnDuplicate.choices,
        required=False,
        default=OnDuplicate.SKIP,
        help_text="A row matching a record (by email, then phone): skip it, update the "
        "record, or create another.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TAG_LENGTH * MAX_TAGS),
        required=False,
        default=list,
        max_length=MAX_TAGS,
        help_text="Tags for every created or updated record: comma-separated, or repeated.",
    )


class ImportStartMixin:
    """`POST <list>/import/`: an import of the viewset's kind (`import_kind`)."""

    import_kind = ImportKind.CUSTOMERS

    def _start_import(self, request):
        body = ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        upload = data["file"]
        job = import_start(
            tenant=self.tenant,
            by=self.membership,
            kind=self.import_kind,
            file=upload,
            filename=upload.name or "",
            mapping=data.get("mapping") or None,
            dry_run=data["dry_run"],
            on_duplicate=data["on_duplicate"],
            tags=data["tags"],
        )
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


IMPORT_SCHEMA = {
    "request": {"multipart/form-data": ImportUploadSerializer},
    "responses": {202: ImportJobSerializer, 400: REFUSED},
    "filters": False,
}


class CustomerImportMixin(ImportStartMixin):
    import_kind = ImportKind.CUSTOMERS

    @extend_schema(
        **IMPORT_SCHEMA,
        description="Import customers from a CSV or XLSX file (managers and admins). 202: the "
        "job; poll imports/{id}/ for its progress.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser],
    )
    def import_file(self, request):
        return self._start_import(request)


class LeadImportMixin(ImportStartMixin):
    import_kind = ImportKind.LEADS

    @extend_schema(
        **IMPORT_SCHEMA,
        description="Import leads from a CSV or XLSX file (managers and admins); statuses and "
        "source, sub-source and channel codes as the lead API takes them. 202: the job.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser],
    )
    def import_file(self, request):
        return self._start_import(request)


class ImportViewSet(TenantReadOnlyViewSet):
    """The tenant's imports (managers and admins; agents see none)."""

    queryset = ImportJob.objects.all()
    serializer_class = ImportJobSerializer
    write_roles = (Role.ADMIN, Role.MANAGER)
    filterset_fields = ["kind", "status", "dry_run"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        return import_list(tenant=self.tenant, membership=self.membership)

    def get_object(self):
        job = import_for(tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, job)
        return job

    @extend_schema(request=None, responses={200: ImportJobSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Undo a finished import: what it created removed, what it updated restored."""
        job = import_undo(job=self.get_object(), by=self.membership)
        return Response(ImportJobSerializer(job).data)

    @extend_schema(
        filters=False,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="row, column, message, then the file's columns."
            )
        },
    )
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        """The error report: every refused row with its number, column, message and cells."""
        return error_report_response(self.get_object())


__all__ = ["CustomerImportMixin", "ImportViewSet", "LeadImportMixin"]
