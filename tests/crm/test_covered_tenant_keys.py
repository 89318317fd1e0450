"""Customers, their tag links and their tag changes have no index on the tenant alone (each
insert paid for one, and an import writes hundreds of thousands): every query by tenant reads
a composite index that starts with it. The foreign keys stay, but for the append-only tag
changes' (checked at every commit; the ORM still cascades)."""

import pytest
from django.db import connection

from crm.models import Customer, CustomerTag, CustomerTagChange
from tests.crm.customers import customer

pytestmark = pytest.mark.django_db

MODELS = [Customer, CustomerTag, CustomerTagChange]


def indexes(model) -> list[list[str]]:
    """The columns of each index on the model's table."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # Django's introspection misreads generated columns
            names = [row[1] for row in cursor.execute(f"PRAGMA index_list('{table}')")]
            return [
                [row[2] for row in cursor.execute(f"PRAGMA index_info('{name}')")] for name in names
            ]
        found = connection.introspection.get_constraints(cursor, table)
    return [info["columns"] for info in found.values() if info["index"]]


def tenant_foreign_keys(model) -> list[tuple[str, str]]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            rows = cursor.execute(f"PRAGMA foreign_key_list('{table}')").fetchall()
            return [(row[2], row[4]) for row in rows if row[3] == "tenant_id"]
        found = connection.introspection.get_constraints(cursor, table)
    return [
        info["foreign_key"]
        for info in found.values()
        if info["foreign_key"] and info["columns"] == ["tenant_id"]
    ]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_no_index_on_the_tenant_alone_but_composites_lead_with_it(model):
    found = indexes(model)
    assert ["tenant_id"] not in found
    assert any(columns[:1] == ["tenant_id"] and len(columns) > 1 for columns in found)


@pytest.mark.parametrize("model", [Customer, CustomerTag], ids=lambda m: m.__name__)
def test_the_tenant_is_still_a_foreign_key(model):
    assert tenant_foreign_keys(model) == [("tenancy_tenant", "id")]


def test_tag_changes_keys_have_no_constraint_but_go_with_their_customer(tenant_a, tenant_b):
    """The append-only tag changes keep no database constraint on their tenant and customer;
    deleting a customer through the ORM still deletes its tag changes, and nobody else's."""
    assert tenant_foreign_keys(CustomerTagChange) == []
    ann = customer(tenant_a, "Ann", tags=["vip"])
    bob = customer(tenant_a, "Bob", tags=["vip"])
    other = customer(tenant_b, "Cy", tags=["vip"])
    changes = CustomerTagChange.objects.all()
    assert changes.filter(customer__in=[ann, bob, other]).count() == 3
    Customer.objects.filter(pk=ann.pk).delete()
    assert sorted(changes.values_list("customer_id", flat=True)) == sorted([bob.pk, other.pk])
