"""Migration crm 0015 (the covering tag-link indexes and the live hot-lead index): it unapplies
and applies again, and on PostgreSQL, where it builds CONCURRENTLY outside a transaction, a run
stopped halfway (an index built, another left invalid under its name) is finished by migrating
again."""

import pytest
from django.core.management import call_command
from django.db import connection

BEFORE, AFTER = (
    "0014_tag_changes_keys_without_constraints",
    ("0015_tag_links_covering_and_hot_lead_indexes"),
)
NEW = {
    "crm_leadtag": ("leadtag_tenant_tag_lead", ["tenant_id", "tag_id", "lead_id"]),
    "crm_customertag": ("customertag_tenant_tag_cust", ["tenant_id", "tag_id", "customer_id"]),
    "crm_lead": ("lead_hot_live", ["tenant_id", "id"]),
}
OLD = {"crm_leadtag": "leadtag_tenant_tag", "crm_customertag": "customertag_tenant_tag"}


def indexes(table: str) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: info["columns"] for name, info in found.items() if info["index"]}


def hot_predicate() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
            "WHERE i.indexrelid = to_regclass('lead_hot_live')"
        )
        return cursor.fetchone()[0]


def assert_migrated():
    for table, (name, columns) in NEW.items():
        assert indexes(table).get(name) == columns, (table, indexes(table))
    for table, name in OLD.items():
        assert name not in indexes(table)
    if connection.vendor == "postgresql":
        predicate = hot_predicate()
        assert "lead_score >= 90" in predicate and "archived_at IS NULL" in predicate, predicate
        assert "'WON'" in predicate and "'LOST'" in predicate, predicate


@pytest.fixture
def back_at_the_end():
    yield
    call_command("migrate", "crm", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_it_unapplies_and_applies_again(back_at_the_end):
    assert_migrated()
    call_command("migrate", "crm", BEFORE, verbosity=0)
    for table, (name, _) in NEW.items():
        assert name not in indexes(table)
    for table, name in OLD.items():
        assert indexes(table)[name] == ["tenant_id", "tag_id"]
    call_command("migrate", "crm", AFTER, verbosity=0)
    assert_migrated()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent builds: PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_migrating_again_finishes_a_stopped_run(back_at_the_end):
    call_command("migrate", "crm", BEFORE, verbosity=0)
    with connection.cursor() as cursor:
        # What a run stopped in its last build leaves: the first index built, the old one
        # dropped, the hot-lead index there but invalid (and here, not even the right one).
        cursor.execute(
            'CREATE INDEX "leadtag_tenant_tag_lead" ON crm_leadtag (tenant_id, tag_id, lead_id)'
        )
        cursor.execute('DROP INDEX "leadtag_tenant_tag"')
        cursor.execute('CREATE INDEX "lead_hot_live" ON crm_lead (id) WHERE false')
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'lead_hot_live'::regclass"
        )
    call_command("migrate", "crm", AFTER, verbosity=0)
    assert_migrated()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'lead_hot_live'::regclass"
        )
        assert cursor.fetchone() == (True,)
