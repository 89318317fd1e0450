"""Helpers for the import tests: start an import as the pages and the API do and run it at
once (the run starts after the commit, which a test's transaction never reaches)."""

from django.test import TestCase

from crm.models import ImportJob
from crm.services.imports import import_again, import_start, import_undo


def run_import(tenant, by, text, *, filename="customers.csv", kind="customers", **options):
    """Start an import of `text` (str or bytes) and run it; the job, reloaded."""
    data = text.encode() if isinstance(text, str) else text
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = import_start(tenant=tenant, by=by, kind=kind, file=data, filename=filename, **options)
    return ImportJob.objects.get(pk=job.pk)


def run_again(job, by, **options):
    with TestCase.captureOnCommitCallbacks(execute=True):
        rerun = import_again(job=job, by=by, **options)
    return ImportJob.objects.get(pk=rerun.pk)


def undo(job, by):
    import_undo(job=job, by=by)
    return ImportJob.objects.get(pk=job.pk)
