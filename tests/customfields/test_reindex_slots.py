"""Slot index upkeep: `manage.py reindex_slots` rebuilds the slot indexes concurrently on
PostgreSQL (all, or the ones a tenant's fields use) and says there is nothing to do on SQLite;
the import job queues the rebuild after a big customer import only."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from crm.models import ImportJob, ImportKind, ImportStatus
from crm.services import import_followups
from customfields.indexing import slot_index_name
from customfields.services.indexes import indexed_slots, slot_indexes_rebuild
from tenancy.caching import figures_version
from tests.crm.customers import customer, define
from tests.crm.imports import run_import

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="REINDEX is PostgreSQL's; SQLite has nothing to do"
)


def reindex(*args) -> str:
    out = io.StringIO()
    call_command("reindex_slots", *args, stdout=out)
    return out.getvalue()


def test_a_tenants_slots_are_those_its_fields_hold(tenant_a, tenant_b):
    points = define(tenant_a, "points", "Points", "number")
    define(tenant_a, "site", "Site", "url")  # url slots are not indexed
    assert indexed_slots(tenant=tenant_a) == [points.mapped_field_name]
    assert indexed_slots(tenant=tenant_b) == []
    assert len(indexed_slots()) == 75


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite answer")
def test_nothing_to_do_on_sqlite(tenant_a):
    assert "Nothing to do on SQLite" in reindex()
    assert slot_indexes_rebuild(slots=indexed_slots()) == []


def test_an_unknown_tenant_is_refused(db):
    if connection.vendor != "postgresql":
        pytest.skip("the tenant is looked up on PostgreSQL only")
    with pytest.raises(CommandError, match="No tenant 'nobody'"):
        reindex("--tenant", "nobody")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_tenants_slot_indexes_are_rebuilt_concurrently(tenant_a, tenant_b):
    points = define(tenant_a, "points", "Points", "number")
    city = define(tenant_a, "city", "City", "text")
    define(tenant_b, "tier", "Tier", "select", select_options=["Gold"])
    for n in range(50):
        customer(tenant_a, f"C{n}", points=n, city=f"City {n}")
    out = reindex("--tenant", tenant_a.slug)
    assert f"{slot_index_name(points.mapped_field_name)}: " in out
    assert f"{slot_index_name(city.mapped_field_name)}: " in out
    assert "2 slot indexes rebuilt" in out
    with connection.cursor() as cursor:  # valid, and no leftover copy
        cursor.execute(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname LIKE 'customer\\_custom\\_%%' AND NOT i.indisvalid"
        )
        assert cursor.fetchone()[0] == 0
    assert "75 slot indexes rebuilt" in reindex()


@on_postgresql
def test_concurrently_is_refused_inside_a_transaction(tenant_a):
    with pytest.raises(RuntimeError, match="inside a transaction"):
        slot_indexes_rebuild(slots=indexed_slots())


def finished_job(tenant, by, *, kind=ImportKind.CUSTOMERS, rows=0, dry_run=False):
    """A real (small) import, then counted as if it had written `rows`."""
    text = "first_name,email\nAda,ada@example.org\n"
    job = run_import(tenant, by, text, kind=kind, dry_run=dry_run)
    assert job.status == ImportStatus.DONE
    ImportJob.objects.filter(pk=job.pk).update(created=rows, updated=0)
    return job


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(import_followups.reindex_slots, "delay", calls.append)
    return calls


def test_a_big_customer_import_queues_the_rebuild(
    tenant_a, manager_a, queued, django_capture_on_commit_callbacks
):
    jobs = [
        finished_job(tenant_a, manager_a, rows=rows, dry_run=dry_run)
        for rows, dry_run in ((9_999, False), (10_000, True), (10_000, False))
    ]
    assert queued == []  # each run was small when it ended
    with django_capture_on_commit_callbacks(execute=True):
        for job in jobs:
            import_followups.import_finished(job_id=job.pk)
    assert queued == [tenant_a.pk]  # the big one only; not the small one, nor a dry run


def test_a_lead_import_makes_the_lead_figures_stale(
    tenant_a, manager_a, queued, django_capture_on_commit_callbacks
):
    before = figures_version(tenant_a.pk, "leads")
    job = finished_job(tenant_a, manager_a, kind=ImportKind.LEADS, rows=20_000)
    with django_capture_on_commit_callbacks(execute=True):
        import_followups.import_finished(job_id=job.pk)
    assert figures_version(tenant_a.pk, "leads") != before and queued == []
