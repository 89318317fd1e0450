"""A completed callback is an interaction of its customer's (crm's customer_record_interaction):
the count, the last contact and the score follow; a call that did not reach them does not."""

import pytest

from callbacks.services.assignment import callback_assign
from callbacks.services.status import callback_change_status
from crm.models import Customer
from crm.services.customers import customer_create
from tenancy.actors import OPERATOR
from tests.factories import LeadFactory

from .conftest import NOW


def work(callback, by, *steps):
    callback = callback_assign(callback=callback, by=by, assignee_id=by.user_id)
    for status, extra in steps:
        callback = callback_change_status(callback=callback, by=by, status=status, now=NOW, **extra)
    return callback


COMPLETE = [("in_progress", {}), ("completed", {"resolution": "Sorted", "outcome": "resolved"})]


def test_a_completed_callback_counts_once(make_callback, manager_a, customer):
    work(make_callback(), manager_a, *COMPLETE)
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.total_interactions, stored.last_contacted_at) == (1, NOW)
    assert stored.crm_score >= 2  # engagement 2, plus recency while NOW is recent


@pytest.mark.parametrize(
    "steps",
    [
        [("in_progress", {}), ("no_answer", {})],
        [("in_progress", {}), ("failed", {"note": "Wrong number"})],
        [("cancelled", {"note": "Duplicate"})],
    ],
)
def test_calls_that_did_not_reach_the_customer_do_not_count(
    make_callback, manager_a, customer, steps
):
    work(make_callback(), manager_a, *steps)
    assert Customer.objects.get(pk=customer.pk).total_interactions == 0


def test_a_lead_callback_counts_for_the_leads_customer(make_callback, manager_a, tenant_a):
    owner = customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "Owner"})
    lead = LeadFactory(tenant=tenant_a, customer=owner, phone="+15550100009")
    work(make_callback(lead=lead, customer=None, phone="+15550100009"), manager_a, *COMPLETE)
    assert Customer.objects.get(pk=owner.pk).total_interactions == 1
