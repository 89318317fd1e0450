"""Completing a callback emits `callback_completed` in the same transaction (tenancy.events):
once, for its customer (or its lead's), with the outcome; a rolled-back completion emits
nothing, and calls that did not complete emit nothing."""

import pytest
from django.db import transaction

from crm.services.customers import customer_create
from tenancy.actors import OPERATOR
from tenancy.models import OutboxEvent
from tests.factories import LeadFactory

from .test_interactions import COMPLETE, work

pytestmark = pytest.mark.django_db


def completed_events(tenant):
    return list(
        OutboxEvent.objects.filter(tenant=tenant, event_type="callback_completed").values(
            "customer_id", "data", "event_id"
        )
    )


def test_completing_emits_once_with_the_outcome(make_callback, manager_a, customer, tenant_a):
    callback = work(make_callback(), manager_a, *COMPLETE)
    assert completed_events(tenant_a) == [
        {
            "customer_id": customer.pk,
            "data": {"callback": callback.pk, "outcome": "resolved", "lead": None},
            "event_id": f"callback_completed:{callback.pk}",
        }
    ]


def test_a_lead_callback_emits_for_the_leads_customer(make_callback, manager_a, tenant_a):
    owner = customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "Owner"})
    lead = LeadFactory(tenant=tenant_a, customer=owner, phone="+15550100009")
    callback = work(
        make_callback(lead=lead, customer=None, phone="+15550100009"), manager_a, *COMPLETE
    )
    [event] = completed_events(tenant_a)
    assert event["customer_id"] == owner.pk
    assert event["data"] == {"callback": callback.pk, "outcome": "resolved", "lead": lead.pk}


@pytest.mark.parametrize(
    "steps",
    [
        [("in_progress", {}), ("no_answer", {})],
        [("in_progress", {}), ("failed", {"note": "Wrong number"})],
        [("cancelled", {"note": "Duplicate"})],
    ],
)
def test_other_moves_emit_nothing(make_callback, manager_a, tenant_a, steps):
    work(make_callback(), manager_a, *steps)
    assert completed_events(tenant_a) == []


def test_a_rolled_back_completion_emits_nothing(make_callback, manager_a, tenant_a):
    callback = make_callback()

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        work(callback, manager_a, *COMPLETE)
        assert len(completed_events(tenant_a)) == 1
        raise Undo
    assert completed_events(tenant_a) == []
    # Completed for real afterwards: one event.
    work(callback, manager_a, *COMPLETE)
    assert len(completed_events(tenant_a)) == 1
