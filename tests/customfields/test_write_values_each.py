"""write_values_each: many customers, each with its own values and reasons, in a few statements
(what a batch of trigger runs that set fields writes)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Customer
from customfields.models import FieldHistory
from customfields.services.values import write_values_each
from tenancy.actors import OPERATOR
from tests.customfields.builder import define


@pytest.fixture
def fields(tenant_a):
    points = define(tenant_a, "points", "Points", "number")
    for n in range(10):  # every boolean slot, so that the next one is kept in the JSON overflow
        define(tenant_a, f"flag_{n}", f"Flag {n}", "boolean")
    extra = define(tenant_a, "flag_extra", "Flag extra", "boolean")
    assert points.in_slot and not extra.in_slot
    return {d.field_key: d for d in (points, extra)}


def customer(tenant, name, **slots):
    return Customer.objects.create(tenant=tenant, first_name=name, **slots)


def test_each_customer_gets_its_own_values_with_its_own_reasons(tenant_a, fields):
    column = fields["points"].mapped_field_name
    ann = customer(tenant_a, "Ann", **{column: Decimal(5)})
    bob = customer(tenant_a, "Bob")
    cid = customer(tenant_a, "Cid", **{column: Decimal(5)})
    dee = customer(tenant_a, "Dee")
    values = {
        ann.pk: {"points": Decimal(7), "flag_extra": True},
        bob.pk: {"points": Decimal(7)},
        cid.pk: {"points": Decimal(5)},  # already holds it: no change, no history
        dee.pk: {"points": Decimal(9)},
    }
    reasons = {(pk, key): f"{pk}:{key}" for pk, keyed in values.items() for key in keyed}
    with CaptureQueriesContext(connection) as queries:
        history = write_values_each(
            tenant=tenant_a, definitions=fields, values=values, by=OPERATOR, reason=reasons
        )
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    # One for the slot (Ann's and Bob's 7, Dee's 9), one for Ann's overflow value.
    assert len(updates) == 2
    written = {(row.customer_id, row.field_key, row.reason) for row in history}
    assert written == {
        (ann.pk, "points", f"{ann.pk}:points"),
        (ann.pk, "flag_extra", f"{ann.pk}:flag_extra"),
        (bob.pk, "points", f"{bob.pk}:points"),
        (dee.pk, "points", f"{dee.pk}:points"),
    }
    stored = {
        (row.customer_id, row.field_key, row.reason)
        for row in FieldHistory.objects.for_tenant(tenant_a)
    }
    assert stored == written
    now = {c.pk: c for c in Customer.objects.for_tenant(tenant_a)}
    assert [getattr(now[c.pk], column) for c in (ann, bob, cid, dee)] == [7, 7, 5, 9]
    assert now[ann.pk].custom_fields_extra == {"flag_extra": True}
    assert now[bob.pk].custom_fields_extra == {}


def test_one_reason_for_all_and_another_tenants_customer_is_left_alone(tenant_a, tenant_b, fields):
    column = fields["points"].mapped_field_name
    ann = customer(tenant_a, "Ann")
    theirs = customer(tenant_b, "Zed")
    history = write_values_each(
        tenant=tenant_a,
        definitions=fields,
        values={ann.pk: {"points": Decimal(3)}, theirs.pk: {"points": Decimal(3)}},
        by=OPERATOR,
        reason="Bulk edit",
    )
    assert [(row.customer_id, row.reason) for row in history] == [(ann.pk, "Bulk edit")]
    theirs.refresh_from_db()
    assert getattr(theirs, column) is None
    assert not FieldHistory.objects.for_tenant(tenant_b).exists()
