"""An export is a file the import takes back as it is: every column maps by itself (core
fields, tags, custom fields by key), every row passes the import's checks, and the values come
back the same — as CSV and as XLSX."""

from decimal import Decimal

import pytest

from crm.models import Customer
from customfields.services.values import active_definitions, read_values
from tenancy.actors import OPERATOR
from tests.crm.customers import customer, define
from tests.crm.exports import body_of
from tests.crm.imports import run_import
from tests.factories import make_member, make_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tenant_a, tier, points):
    define(tenant_a, "since", "Customer since", "date")
    define(tenant_a, "vip", "VIP", "boolean")
    customer(
        tenant_a, "Ann", tags=["vip", "north"], tier="Gold", points="120.50", since="2020-02-29"
    )
    bob = customer(tenant_a, "Bob", tags=["north"], tier="Silver", vip=True)
    cat = customer(tenant_a, "Cat", points="3", vip=False)
    Customer.objects.filter(pk=bob.pk).update(email="bob@x.example")
    Customer.objects.filter(pk=cat.pk).update(phone="+4930123456", company="=Cat & Co")
    return Customer.objects.filter(tenant=tenant_a)


def snapshot(customers) -> list[tuple]:
    rows = []
    for person in customers.order_by("first_name"):
        values = read_values(person, active_definitions(person.tenant).values())
        rows.append(
            (
                person.first_name,
                person.email,
                person.phone,
                person.company,
                person.tag_names(),
                values["tier"],
                values["points"],
                values["since"],
                values["vip"],
            )
        )
    return rows


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_into_another_tenant_unchanged(manager, people, fmt):
    data = body_of(manager.get(f"/api/v1/customers/export/?format={fmt}"))
    other = make_tenant("roundtrip")
    for key, label, kind, extra in [
        ("tier", "Membership tier", "select", {"select_options": ["Gold", "Silver"]}),
        ("points", "Loyalty points", "number", {"validation_rules": {"min": 0}}),
        ("since", "Customer since", "date", {}),
        ("vip", "VIP", "boolean", {}),
    ]:
        define(other, key, label, kind, **extra)
    job = run_import(other, make_member(other, "boss", "manager"), data, filename=f"c.{fmt}")
    assert (job.status, job.error_count, job.created) == ("done", 0, 3), job.errors
    assert set(job.mapping.values()) >= {"first_name", "email", "phone", "tags", "custom.tier"}
    assert snapshot(Customer.objects.filter(tenant=other)) == snapshot(people)
    assert snapshot(people)[0][6] == Decimal("120.50")


def test_an_export_imported_back_over_itself_changes_nothing(manager, people, tenant_a):
    before = snapshot(people)
    data = body_of(manager.get("/api/v1/customers/export/?format=csv"))
    job = run_import(tenant_a, OPERATOR, data, on_duplicate="update")
    # Ann has neither email nor phone, so nothing matches her: she comes back as a new customer.
    assert (job.error_count, job.updated, job.created) == (0, 0, 1), job.errors
    assert job.skipped == 2
    # The customers an import created carry its stamp.
    assert snapshot(people.exclude(import_job=job)) == before


def test_only_the_exports_own_guard_is_taken_back(tenant_a):
    text = "first_name,company\nAnn,'plain text\nBob,'=1+2\nCat,'+4930123456\n"
    job = run_import(tenant_a, OPERATOR, text)
    assert job.created == 3, job.errors
    companies = dict(Customer.objects.filter(tenant=tenant_a).values_list("first_name", "company"))
    # A phone number is not formula-like, so the export never guards it: its apostrophe stays.
    assert companies == {"Ann": "'plain text", "Bob": "=1+2", "Cat": "'+4930123456"}
