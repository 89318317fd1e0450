"""leads/ writes after create: updates tracked in the activity log, funnel timestamps,
archive and restore, bulk status and assignment, and notes."""

import pytest

from crm.models import Lead, LeadSubSource
from tests.crm.leads import URL, detail, source
from tests.factories import LeadFactory

# ---------------------------------------------------------------------------------------------
# update, change tracking, funnel


def test_update_tracks_each_change_in_the_activity_log(manager, tenant_a):
    lead = LeadFactory(tenant=tenant_a, lead_score=50)
    response = manager.patch(
        detail(lead), {"status": "CONTACTED", "lead_score": 85, "tags": ["hot"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    activity = lead.activities.get()
    assert activity.message == "Status: New → Contacted; Lead score: 50 → 85; Tags: — → hot"
    log = manager.get(f"{detail(lead)}activities/").json()["results"]
    assert log[0]["message"].startswith("Status: New → Contacted")
    assert log[0]["actor"] == "alpha-manager"


def test_an_update_that_changes_nothing_logs_nothing(manager, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    manager.patch(detail(lead), {"first_name": lead.first_name}, format="json")
    assert not lead.activities.exists()


def test_funnel_timestamps_follow_the_status(manager, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    manager.patch(detail(lead), {"status": "QUALIFIED"}, format="json")
    lead.refresh_from_db()
    assert lead.contacted_at and lead.qualified_at and lead.converted_at is None
    manager.patch(detail(lead), {"status": "WON"}, format="json")
    lead.refresh_from_db()
    assert lead.converted_at is not None
    manager.patch(detail(lead), {"status": "NEGOTIATION"}, format="json")
    lead.refresh_from_db()
    assert lead.converted_at is None and lead.qualified_at is not None


def test_changing_source_drops_a_sub_source_that_no_longer_fits(manager, tenant_a):
    social = source(tenant_a, "SOCIAL")
    lead = LeadFactory(
        tenant=tenant_a,
        source=social,
        sub_source=LeadSubSource.objects.get(source=social, sub_source_code="FACEBOOK"),
    )
    response = manager.patch(detail(lead), {"source": "EMAIL"}, format="json")
    assert response.json()["sub_source"] is None


def test_failed_update_writes_nothing(manager, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    response = manager.patch(detail(lead), {"status": "CONTACTED", "email": "bad"}, format="json")
    assert response.status_code == 400
    lead.refresh_from_db()
    assert lead.status == "NEW" and not lead.activities.exists()


# ---------------------------------------------------------------------------------------------
# archive and restore


def test_delete_archives_and_restore_brings_back(manager, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    assert manager.delete(detail(lead)).status_code == 204
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert manager.get(URL).json()["count"] == 0
    assert manager.get(URL, {"include_archived": "true"}).json()["count"] == 1
    assert manager.get(URL, {"archived_only": "true"}).json()["count"] == 1
    assert manager.patch(detail(lead), {"first_name": "X"}, format="json").status_code == 400
    assert manager.post(f"{detail(lead)}archive/").status_code == 400
    response = manager.post(f"{detail(lead)}restore/")
    assert response.status_code == 200 and response.json()["archived_at"] is None
    assert manager.get(URL).json()["count"] == 1
    kinds = list(lead.activities.values_list("kind", flat=True))
    assert kinds == ["restored", "archived"]


# ---------------------------------------------------------------------------------------------
# bulk status and assignment


def test_bulk_status_updates_each_lead_with_the_note(manager, tenant_a):
    leads = LeadFactory.create_batch(3, tenant=tenant_a)
    response = manager.post(
        f"{URL}bulk-status/",
        {"lead_ids": [lead.pk for lead in leads], "status": "CONTACTED", "note": "Called all"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["updated"] == 3
    for lead in leads:
        lead.refresh_from_db()
        assert lead.status == "CONTACTED" and lead.contacted_at is not None
        assert lead.activities.get().message == "Status: New → Contacted — Called all"


def test_bulk_status_with_an_unknown_id_changes_nothing(manager, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    response = manager.post(
        f"{URL}bulk-status/", {"lead_ids": [lead.pk, 987654], "status": "LOST"}, format="json"
    )
    assert response.status_code == 400 and "987654" in response.json()["lead_ids"][0]
    lead.refresh_from_db()
    assert lead.status == "NEW"


@pytest.mark.parametrize(
    "body, field",
    [({"lead_ids": [], "status": "WON"}, "lead_ids"), ({"lead_ids": [1], "status": "X"}, "status")],
)
def test_bulk_status_validates(manager, body, field):
    assert field in manager.post(f"{URL}bulk-status/", body, format="json").json()


def test_assign_gives_leads_to_a_member_and_logs_it(manager, tenant_a, agent_a):
    leads = LeadFactory.create_batch(2, tenant=tenant_a)
    response = manager.post(
        f"{URL}assign/",
        {"lead_ids": [lead.pk for lead in leads], "agent_id": agent_a.user_id},
        format="json",
    )
    assert response.status_code == 200
    for lead in leads:
        lead.refresh_from_db()
        assert lead.assigned_to_id == agent_a.user_id
        assert lead.activities.get().message == "Assigned to: — → alpha-agent"


def test_assign_only_to_members_of_the_tenant(manager, tenant_a, admin_b):
    lead = LeadFactory(tenant=tenant_a)
    response = manager.post(
        f"{URL}assign/", {"lead_ids": [lead.pk], "agent_id": admin_b.user_id}, format="json"
    )
    assert response.status_code == 400 and "agent_id" in response.json()
    lead.refresh_from_db()
    assert lead.assigned_to is None


# ---------------------------------------------------------------------------------------------
# notes


def test_notes_through_activities(manager, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    response = manager.post(
        f"{detail(lead)}activities/", {"note": "Left a voicemail"}, format="json"
    )
    assert response.status_code == 201
    assert (
        manager.post(f"{detail(lead)}activities/", {"note": ""}, format="json").status_code == 400
    )
    assert [a["message"] for a in manager.get(f"{detail(lead)}activities/").json()["results"]] == [
        "Left a voicemail"
    ]
