"""A milestone that becomes completed emits `milestone_completed` in the same transaction
(tenancy.events): once, for the lead's customer if it has one, with the milestone, its type's
code and the lead; other statuses and a rolled-back write emit nothing."""

import pytest
from django.db import transaction

from crm.services.customers import customer_create
from milestones.services.lead_milestones import milestone_set_status, milestone_update
from tenancy.actors import OPERATOR
from tenancy.models import OutboxEvent

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def completed_events(tenant):
    return list(
        OutboxEvent.objects.filter(tenant=tenant, event_type="milestone_completed").values(
            "customer_id", "data", "event_id"
        )
    )


@pytest.fixture
def owner(tenant):
    return customer_create(tenant=tenant, by=OPERATOR, data={"first_name": "Owner"})


def test_recording_a_completed_milestone_emits_once(tenant, make_lead, record, owner):
    lead = make_lead(customer=owner)
    milestone = record(lead, "CONTACTED", TODAY)
    assert completed_events(tenant) == [
        {
            "customer_id": owner.pk,
            "data": {"milestone": milestone.pk, "type": "CONTACTED", "lead": lead.pk},
            "event_id": f"milestone_completed:{milestone.pk}",
        }
    ]


def test_a_lead_without_a_customer_emits_without_one(tenant, make_lead, record):
    lead = make_lead(customer=None)
    milestone = record(lead, "CONTACTED", TODAY)
    [event] = completed_events(tenant)
    assert event["customer_id"] is None
    assert event["data"]["milestone"] == milestone.pk


def test_moving_to_completed_emits_and_earlier_moves_do_not(tenant, make_lead, record, owner):
    lead = make_lead(customer=owner)
    milestone = record(lead, "SITE_VISIT", TODAY, status="pending")
    milestone = milestone_set_status(
        milestone=milestone, by=OPERATOR, status="in_progress", now=NOW
    )
    assert completed_events(tenant) == []
    milestone_set_status(milestone=milestone, by=OPERATOR, status="completed", now=NOW)
    [event] = completed_events(tenant)
    assert event["data"] == {"milestone": milestone.pk, "type": "SITE_VISIT", "lead": lead.pk}


def test_editing_to_completed_emits_and_other_edits_do_not(tenant, make_lead, record, owner):
    lead = make_lead(customer=owner)
    milestone = record(lead, "SITE_VISIT", TODAY, status="in_progress")
    milestone = milestone_update(
        milestone=milestone, by=OPERATOR, data={"status": "completed"}, now=NOW
    )
    milestone_update(milestone=milestone, by=OPERATOR, data={"notes": "Went well"}, now=NOW)
    assert len(completed_events(tenant)) == 1


def test_skipped_and_failed_emit_nothing(tenant, make_lead, record, owner):
    lead = make_lead(customer=owner)
    skipped = record(lead, "SITE_VISIT", TODAY, status="in_progress")
    failed = record(lead, "PROPOSAL_SENT", TODAY, status="in_progress")
    milestone_set_status(milestone=skipped, by=OPERATOR, status="skipped", now=NOW)
    milestone_set_status(milestone=failed, by=OPERATOR, status="failed", now=NOW)
    assert completed_events(tenant) == []


def test_a_rolled_back_completion_emits_nothing(tenant, make_lead, record, owner):
    lead = make_lead(customer=owner)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        record(lead, "CONTACTED", TODAY)
        assert len(completed_events(tenant)) == 1
        raise Undo
    assert completed_events(tenant) == []
