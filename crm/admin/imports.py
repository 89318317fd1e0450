"""Imports in the admin: an "Import" button on the customers' and leads' changelists (a form
that uploads a file and calls crm.services.imports.import_start — never django-import-export's
per-row save), and the import jobs, read-only, with their status, counts and first errors, the
error report as CSV, and two actions: "Import the checked files for real" (import_again) and
"Undo the selected imports" (import_undo).

The button reuses django-import-export's changelist templates (its "Import" link points at
`admin:<app>_<model>_import`, this mixin's view), so a model admin that also has its export
button (django-import-export's ExportMixin, listed after this mixin) shows both."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from import_export.admin import ImportExportMixinBase

from tenancy.actors import actor_for_request
from tenancy.admin.base import refusal_messages
from tenancy.forms import add_service_errors
from tenancy.models import Tenant
from tenancy.scoping import TenantAdminMixin

from ..forms.imports import SKIP, TagsField, duplicate_choices
from ..models import ImportJob, ImportStatus
from ..selectors.imports import error_report_response
from ..services.imports import import_again, import_start, import_undo
from ..views.imports import status_words

IMPORT_TEMPLATE = "admin/import_export/change_list_import.html"
IMPORT_EXPORT_TEMPLATE = "admin/import_export/change_list_import_export.html"


class AdminImportForm(forms.Form):
    tenant = forms.ModelChoiceField(
        Tenant.objects.filter(is_active=True), help_text="The tenant whose records these are."
    )
    file = forms.FileField(
        help_text="CSV (comma or semicolon separated, UTF-8) or XLSX, column names in the "
        "first row; columns named like fields (or their labels, custom fields too) fill them."
    )
    on_duplicate = forms.ChoiceField(label="Rows that match an existing record", initial=SKIP)
    tags = TagsField(required=False, max_length=500, help_text="Comma-separated; optional.")
    dry_run = forms.BooleanField(
        label="Only check the file (dry run)",
        required=False,
        initial=True,
        help_text="Counts what would be created, updated and skipped and lists the errors; "
        "writes nothing. The job's action “Import the checked files for real” imports it then.",
    )

    def __init__(self, *args, kind: str, is_global: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on_duplicate"].choices = duplicate_choices(kind)
        if not is_global:
            del self.fields["tenant"]


class ImportButtonMixin(ImportExportMixinBase):
    """The changelist's "Import" button and its page, for the customers' and leads' admins."""

    import_kind = "customers"

    @property
    def import_export_change_list_template(self) -> str:
        # With django-import-export's export button on the same admin, show both.
        return IMPORT_EXPORT_TEMPLATE if hasattr(self, "has_export_permission") else IMPORT_TEMPLATE

    def has_import_permission(self, request) -> bool:
        """Tenant admins (in their tenant) and superusers; the service checks the role too."""
        return self.has_add_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["has_import_permission"] = self.has_import_permission(request)
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        is_global = self._is_global(request)
        form = AdminImportForm(
            request.POST or None,
            request.FILES or None,
            kind=self.import_kind,
            is_global=is_global,
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            tenant = data["tenant"] if is_global else request.tenant
            upload = data["file"]
            try:
                job = import_start(
                    tenant=tenant,
                    by=actor_for_request(request, tenant),
                    kind=self.import_kind,
                    file=upload,
                    filename=upload.name,
                    dry_run=data["dry_run"],
                    on_duplicate=data["on_duplicate"],
                    tags=data["tags"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                what = "Checking" if job.dry_run else "Importing"
                self.message_user(request, f"{what} {job.filename}: import #{job.pk}.")
                return redirect(reverse("admin:crm_importjob_change", args=[job.pk]))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import {opts.verbose_name_plural}",
            "opts": opts,
            "form": form,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/crm/import.html", context)


@admin.register(ImportJob)
class ImportJobAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Import jobs, read-only: they are started from the customers' and leads' "Import"
    buttons (or the pages, the API and the command) and undone with the action."""

    list_display = [
        "__str__",
        "kind",
        "dry_run",
        "status_text",
        "total_rows",
        "created",
        "updated",
        "skipped",
        "error_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "status", "dry_run"]
    search_fields = ["filename"]
    list_select_related = ["created_by"]
    actions = ["import_for_real", "undo_selected"]
    fields = [
        "kind",
        "filename",
        "status_text",
        "dry_run",
        "on_duplicate",
        "tags",
        "mapping",
        "total_rows",
        "processed_rows",
        "created",
        "updated",
        "skipped",
        "duplicates",
        "error_count",
        "error_list",
        "failure",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "undone_at",
        "source_job",
    ]
    readonly_fields = fields

    @admin.display(description="Status", ordering="status")
    def status_text(self, job):
        return status_words(job)

    @admin.display(description="First errors")
    def error_list(self, job):
        if not job.errors:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e.get("row", ""), e.get("column", ""), e.get("message", "")) for e in job.errors),
        )
        report = reverse("admin:crm_importjob_errors", args=[job.pk])
        return format_html(
            "<table><thead><tr><th>Row</th><th>Column</th><th>Message</th></tr></thead>"
            '<tbody>{}</tbody></table><p><a href="{}">Download the error report (CSV)</a></p>',
            rows,
            report,
        )

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/errors.csv",
                self.admin_site.admin_view(self.errors_view),
                name="crm_importjob_errors",
            ),
            *super().get_urls(),
        ]

    def errors_view(self, request, pk):
        job = self.get_object(request, str(pk))
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        return error_report_response(job)

    def get_actions(self, request):
        # The actions change data through the services: offered to whoever may view (tenant
        # admins and superusers), although the jobs themselves are never edited here.
        actions = super().get_actions(request)
        if not self.has_view_permission(request):
            return {}
        return actions

    def _each(self, request, queryset, act, done: str):
        finished = []
        for job in queryset.select_related("tenant"):
            try:
                result = act(job, actor_for_request(request, job.tenant))
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{job}: {' '.join(refusal_messages(exc))}", messages.ERROR
                )
            else:
                finished.append(f"#{result.pk}")
        if finished:
            self.message_user(request, f"{done}: {', '.join(finished)}.")

    @admin.action(description="Import the checked files for real")
    def import_for_real(self, request, queryset):
        def act(job, by):
            if not job.dry_run or job.status != ImportStatus.DONE:
                raise ValidationError("Only a finished check (dry run) can be imported.")
            return import_again(job=job, by=by, dry_run=False)

        self._each(request, queryset, act, "Importing")

    @admin.action(description="Undo the selected imports")
    def undo_selected(self, request, queryset):
        self._each(request, queryset, lambda job, by: import_undo(job=job, by=by), "Undone")
