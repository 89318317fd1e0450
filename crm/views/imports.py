"""The import pages: upload a file of customers (/customers/import/) or leads (/leads/import/),
which starts a dry run and goes to the job's page (/imports/<pk>/). While the job waits or runs,
its page shows a progress bar that htmx asks for again (/imports/<pk>/progress/). A finished dry
run shows what the import would do (create, update, skip, rows with errors, rows matching
existing records), the first errors in words and the column mapping, which can be changed and
checked again, or imported for real after a confirmation that says how many. A finished import
shows its counts, the error report (/imports/<pk>/errors.csv) and "Undo this import" (after a
confirmation that says what it removes and restores). /imports/ lists the tenant's imports.

Admins and managers import and undo; agents may not: the pages without a job are a 403 for
them, and a job is a 404 for them as for another tenant (crm.selectors.imports.import_for).
Writes go through crm.services.imports; the jobs, the fields a column may fill and the error
report come from crm.selectors.imports."""

from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from tenancy.forms import add_service_errors, error_text
from tenancy.pagination import page_of
from tenancy.scoping import TenantPageMixin

from ..forms.imports import ImportUploadForm, MappingForm, duplicate_words
from ..models import ImportJob, ImportStatus
from ..selectors.imports import (
    error_report_response,
    import_for,
    import_list,
    import_targets,
)
from ..services.imports import import_again, import_start, import_undo

# While a job waits or runs, the progress part asks again this often.
POLL_EVERY = "1s"
LIST_PAGE_SIZE = 25
# How many of the job's first errors the page lists (the CSV report has them all).
ERRORS_SHOWN = 20
IMPORT_REFUSED = "Only admins and managers import files."
NOUNS = {"customers": ("customer", "customers"), "leads": ("lead", "leads")}


def counted(n: int, kind: str) -> str:
    """ "1 customer", "1,234 customers", "2 leads"."""
    one, many = NOUNS.get(kind, ("row", "rows"))
    return f"{n:,} {one if n == 1 else many}"


def status_words(job: ImportJob) -> str:
    """ "Waiting to start", "Checking…", "Checked (nothing was imported yet)", "Imported", …
    (how many rows of how many: the progress bar's words)."""
    checking = job.dry_run
    if job.status == ImportStatus.PENDING:
        return "Waiting to start"
    if job.status == ImportStatus.RUNNING:
        return "Checking…" if checking else "Importing…"
    if job.status == ImportStatus.DONE:
        return "Checked (nothing was imported yet)" if checking else "Imported"
    if job.status == ImportStatus.FAILED:
        return "Failed"
    if job.status == ImportStatus.UNDONE:
        return "Undone"
    return job.get_status_display()


def may_import(request) -> bool:
    """Admins and managers of the request's tenant (and superusers) import; agents may not."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return False
    return membership.can_manage or request.user.is_superuser


def busy(job: ImportJob) -> bool:
    return job.status in (ImportStatus.PENDING, ImportStatus.RUNNING)


class ImportsMixin(TenantPageMixin):
    """Admins and managers only (agents get a 403); one job through `import_for` (another
    tenant's is a 404 like a missing one, before any refusal)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or request.tenant is None:
            return super().dispatch(request, *args, **kwargs)
        if "pk" in kwargs:
            self.job  # noqa: B018  (another tenant's job is a 404 before any refusal)
        if not may_import(request):
            raise PermissionDenied(IMPORT_REFUSED)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def job(self) -> ImportJob:
        return import_for(tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"])


# ---------------------------------------------------------------------------------------------
# Upload


class ImportUploadView(ImportsMixin, TemplateView):
    """GET the upload form; POST starts a dry run of the file and goes to its page. Every
    problem with the form and the file is shown at once."""

    template_name = "crm/imports/upload.html"
    kind = "customers"

    def get(self, request, *args, **kwargs):
        return self.render(ImportUploadForm(kind=self.kind))

    def render(self, form, status=200):
        list_url = reverse("crm:customer-list" if self.kind == "customers" else "crm:lead-list")
        context = self.get_context_data(
            form=form, kind=self.kind, noun=NOUNS[self.kind][1], list_url=list_url
        )
        return self.render_to_response(context, status=status)

    def post(self, request, *args, **kwargs):
        form = ImportUploadForm(request.POST, request.FILES, kind=self.kind)
        if not form.is_valid():
            return self.render(form, status=400)
        upload = form.cleaned_data["file"]
        try:
            job = import_start(
                tenant=self.tenant,
                by=self.membership,
                kind=self.kind,
                file=upload,
                filename=upload.name,
                dry_run=True,
                on_duplicate=form.cleaned_data["on_duplicate"],
                tags=form.cleaned_data["tags"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render(form, status=400)
        return redirect("crm:import-detail", pk=job.pk)


class CustomerImportView(ImportUploadView):
    kind = "customers"


class LeadImportView(ImportUploadView):
    kind = "leads"


# ---------------------------------------------------------------------------------------------
# The job


def job_context(job: ImportJob, *, tenant, mapping_form: MappingForm | None = None) -> dict:
    """What the job's page and its progress part show."""
    share = job.percent
    done = job.status == ImportStatus.DONE
    if mapping_form is None and done and job.dry_run:
        mapping_form = MappingForm(
            headers=job.headers or [],
            targets=import_targets(tenant=tenant, kind=job.kind),
            mapping=job.mapping or {},
            kind=job.kind,
            on_duplicate=job.on_duplicate,
        )
    goes_in = job.created + job.updated
    return {
        "job": job,
        "status": status_words(job),
        "busy": busy(job),
        "share": share,
        "poll_every": POLL_EVERY,
        "noun": NOUNS.get(job.kind, ("row", "rows"))[1],
        "errors_shown": (job.errors or [])[:ERRORS_SHOWN],
        "more_errors": max(0, job.error_count - ERRORS_SHOWN),
        "mapping_form": mapping_form,
        "goes_in": goes_in,
        "goes_in_text": counted(goes_in, job.kind),
        "duplicates": duplicate_words(job.kind, job.on_duplicate),
        "list_url": reverse("crm:customer-list" if job.kind == "customers" else "crm:lead-list"),
        "may_undo": done and not job.dry_run,
    }


class ImportDetailView(ImportsMixin, TemplateView):
    template_name = "crm/imports/detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**job_context(self.job, tenant=self.tenant), **kwargs)


class ImportProgressView(ImportDetailView):
    """GET (htmx, polled while the job waits or runs): the job's part of the page, read again
    from the row; once the job is finished it answers the whole result and the polling stops."""

    template_name = "crm/imports/_job.html"


class ImportAgainView(ImportsMixin, TemplateView):
    """POST from a finished dry run's mapping: "Check again" starts a new dry run with the
    mapping as chosen; "Import N rows" first answers a confirmation that says how many
    ("Import 1,234 customers?") and, confirmed, imports the file for real. When the mapping or
    the duplicate policy differ from the ones checked, the counts would not hold: the file is
    checked again first."""

    http_method_names = ["post"]
    template_name = "crm/imports/confirm_import.html"

    def post(self, request, *args, **kwargs):
        job = self.job
        if not (job.dry_run and job.status == ImportStatus.DONE):
            messages.error(request, "Only a finished check can be imported or checked again.")
            return redirect("crm:import-detail", pk=job.pk)
        form = MappingForm(
            request.POST,
            headers=job.headers or [],
            targets=import_targets(tenant=self.tenant, kind=job.kind),
            mapping=job.mapping or {},
            kind=job.kind,
            on_duplicate=job.on_duplicate,
        )
        if not form.is_valid():
            context = job_context(job, tenant=self.tenant, mapping_form=form)
            return self.render_page(context, status=400)
        mapping = form.mapping()
        on_duplicate = form.cleaned_data["on_duplicate"]
        unchanged = self.same_mapping(job, mapping) and on_duplicate == job.on_duplicate
        action = request.POST.get("action")
        if action == "import" and unchanged and request.POST.get("confirmed") != "on":
            context = job_context(job, tenant=self.tenant, mapping_form=form)
            question = f"Import {counted(context['goes_in'], job.kind)}?"
            return self.render_to_response(self.get_context_data(**context, question=question))
        real = action == "import" and unchanged
        try:
            again = import_again(
                job=job,
                by=self.membership,
                mapping=mapping,
                dry_run=not real,
                on_duplicate=on_duplicate,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            context = job_context(job, tenant=self.tenant, mapping_form=form)
            return self.render_page(context, status=400)
        if action == "import" and not real:
            messages.info(
                request,
                "You changed the column mapping or what to do with matching rows, so the file "
                "was checked again first: look at the new counts before importing.",
            )
        return redirect("crm:import-detail", pk=again.pk)

    def render_page(self, context, status):
        self.template_name = "crm/imports/detail.html"
        return self.render_to_response(self.get_context_data(**context), status=status)

    @staticmethod
    def same_mapping(job: ImportJob, mapping: dict) -> bool:
        """The chosen mapping is the one the job was checked with (columns not imported alike
        whether absent or empty)."""
        checked = {column: target for column, target in (job.mapping or {}).items() if target}
        chosen = {column: target for column, target in mapping.items() if target}
        return checked == chosen


class ImportUndoView(ImportsMixin, TemplateView):
    """GET asks ("Undo import #12? This removes the 1,200 customers it created and restores
    the 34 it updated."); POST undoes."""

    template_name = "crm/imports/confirm_undo.html"

    def get_context_data(self, **kwargs):
        job = self.job
        return super().get_context_data(
            job=job,
            question=f"Undo import #{job.pk}?",
            what=undo_words(job),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        job = self.job
        try:
            import_undo(job=job, by=self.membership)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"Import #{job.pk} undone: {undo_words(job, done=True)}")
        return redirect("crm:import-detail", pk=job.pk)


def undo_words(job: ImportJob, *, done: bool = False) -> str:
    created, updated = counted(job.created, job.kind), counted(job.updated, job.kind)
    if done:
        return f"removed the {created} it created and restored the {updated} it updated."
    return f"This removes the {created} it created and restores the {updated} it updated."


class ImportErrorsView(ImportsMixin, TemplateView):
    """GET: the error report as a CSV download (row, column, message and the row's cells),
    streamed from the selector."""

    def get(self, request, *args, **kwargs):
        return error_report_response(self.job)


# ---------------------------------------------------------------------------------------------
# The list


class ImportListView(ImportsMixin, TemplateView):
    template_name = "crm/imports/list.html"

    def get_context_data(self, **kwargs):
        jobs = import_list(tenant=self.tenant, membership=self.membership)
        page = page_of(self.request, jobs, LIST_PAGE_SIZE)
        rows = [{"job": job, "status": status_words(job)} for job in page]
        return super().get_context_data(page_obj=page, rows=rows, **kwargs)
