"""The duplicate keys stored on every customer (email_key, name_key, company_key, name_block)
are what duplicate detection would compute from the customer's own fields, whichever way the
customer was written: created and updated by the services, imported (new and updated rows),
merged, bulk-created and updated by a queryset."""

import pytest

from crm.models import Customer
from crm.services.customers import customer_create, customer_update
from crm.services.merge import customer_merge
from tenancy.actors import OPERATOR
from tenancy.validators import normalize_email
from tests.crm.imports import run_import

pytestmark = pytest.mark.django_db

KEYS = ("email_key", "name_key", "company_key", "name_block")


def recomputed(customer: Customer) -> tuple[str, str, str, str]:
    """The keys from the fields, in Python: SQL's TRIM drops spaces; the block is the two
    initials in alphabetical order."""
    first, last = customer.first_name.strip(" "), customer.last_name.strip(" ")
    return (
        normalize_email(customer.email),
        f"{customer.first_name} {customer.last_name}".strip(" ").lower(),
        customer.company.strip(" ").lower(),
        "".join(sorted([first[:1].lower(), last[:1].lower()])),
    )


def assert_keys_current(tenant) -> None:
    rows = Customer.objects.for_tenant(tenant).order_by("pk")
    assert rows.exists()
    for customer in rows:
        assert tuple(getattr(customer, key) for key in KEYS) == recomputed(customer), customer.pk


def make(tenant, first, last="", **data):
    return customer_create(
        tenant=tenant, by=OPERATOR, data={"first_name": first, "last_name": last, **data}
    )


def test_created_and_updated_by_the_services(tenant_a):
    ann = make(tenant_a, "Ann", "Lee", email="Ann.Lee@Example.COM", company=" ACME Ltd ")
    make(tenant_a, "lee", "ann")
    make(tenant_a, "Bo")
    assert (ann.email_key, ann.name_key, ann.company_key, ann.name_block) == (
        "ann.lee@example.com",
        "ann lee",
        "acme ltd",
        "al",
    )
    assert_keys_current(tenant_a)
    customer_update(
        customer=ann,
        by=OPERATOR,
        data={"first_name": "Zoe", "email": "ZOE@x.example", "company": ""},
    )
    ann.refresh_from_db()
    assert (ann.email_key, ann.name_key, ann.company_key, ann.name_block) == (
        "zoe@x.example",
        "zoe lee",
        "",
        "lz",
    )
    assert_keys_current(tenant_a)


def test_imported_new_and_updated_rows(tenant_a, manager_a):
    make(tenant_a, "Ann", "Lee", email="ann@example.com", company="Acme")
    job = run_import(
        tenant_a,
        manager_a,
        "first_name,last_name,email,company\n"
        "Annie,Lee,ANN@example.com,Globex Inc\n"
        "Cy,Ray,Cy.Ray@Example.com,  Initech\n",
        on_duplicate="update",
    )
    assert (job.created, job.updated) == (1, 1)
    assert Customer.objects.for_tenant(tenant_a).get(email_key="ann@example.com").name_key == (
        "annie lee"
    )
    assert_keys_current(tenant_a)


def test_merged(tenant_a):
    keep = make(tenant_a, "Ann", "Lee", email="ann@old.example", company="Acme")
    dup = make(tenant_a, "Annie", "Leigh", email="Ann@New.example", company="Globex")
    merged = customer_merge(
        tenant=tenant_a,
        by=OPERATOR,
        keep=keep,
        duplicates=[dup.pk],
        values={"first_name": dup.pk, "email": dup.pk, "company": dup.pk},
    )
    merged.refresh_from_db()
    assert (merged.email_key, merged.name_key, merged.company_key) == (
        "ann@new.example",
        "annie lee",
        "globex",
    )
    assert_keys_current(tenant_a)


def test_bulk_created_and_updated_by_a_queryset(tenant_a):
    Customer.objects.bulk_create(
        [
            Customer(tenant=tenant_a, first_name="Ann", last_name="Lee", email="A@X.example"),
            Customer(tenant=tenant_a, first_name=" Bo", last_name="", company=" Acme"),
        ]
    )
    assert_keys_current(tenant_a)
    Customer.objects.for_tenant(tenant_a).update(email="New@Y.example", last_name="Xu")
    assert_keys_current(tenant_a)
