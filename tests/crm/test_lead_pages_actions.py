"""The lead pages' actions: archive and restore on the detail page, and the list's bulk
status and assignment (managers assign; nothing changes when one lead may not be touched)."""

from django.urls import reverse

from crm.models import (
    ActivityKind,
    Lead,
    LeadStatus,
)
from crm.services.leads import lead_add_note
from tests.factories import LeadFactory

# ---------------------------------------------------------------------------------------------
# Detail: archive, restore


def test_archive_and_restore(login, manager_a, tenant_a):
    client = login(manager_a)
    lead = LeadFactory(tenant=tenant_a)
    detail = reverse("crm:lead-detail", args=[lead.pk])
    lead_add_note(lead=lead, by=manager_a, note="Called, no answer.")
    asked = client.post(reverse("crm:lead-archive", args=[lead.pk]))
    body = asked.content.decode()
    assert asked.status_code == 200 and f"Archive {lead.full_name}?" in body
    assert 'name="confirmed" value="on"' in body and f'href="{detail}"' in body  # Cancel
    lead.refresh_from_db()
    assert not lead.is_archived  # asking writes nothing
    client.post(reverse("crm:lead-archive", args=[lead.pk]), {"confirmed": "on"})
    lead.refresh_from_db()
    assert lead.is_archived
    again = client.post(
        reverse("crm:lead-archive", args=[lead.pk]), {"confirmed": "on"}, follow=True
    )
    assert "already archived" in again.content.decode()
    client.post(reverse("crm:lead-restore", args=[lead.pk]))
    lead.refresh_from_db()
    assert not lead.is_archived
    kinds = list(lead.activities.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == [ActivityKind.NOTE, ActivityKind.ARCHIVED, ActivityKind.RESTORED]
    assert "Called, no answer." in client.get(detail).content.decode()


def test_the_lead_page_writes_notes_in_one_place(login, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    client = login(manager_a)
    page = client.get(reverse("crm:lead-detail", args=[lead.pk])).content.decode()
    assert page.count('name="note"') == 1 and 'id="notes-panel"' in page
    refused = client.post(reverse("crm:lead-detail", args=[lead.pk]), {"note": "x"})
    assert refused.status_code == 405 and not lead.activities.exists()


# ---------------------------------------------------------------------------------------------
# Bulk actions


def test_bulk_status_sets_the_status_with_a_note(login, agent_a, tenant_a):
    leads = LeadFactory.create_batch(2, tenant=tenant_a)
    back = reverse("crm:lead-list") + "?status=NEW"
    response = login(agent_a).post(
        reverse("crm:lead-bulk-status"),
        {
            "lead_ids": [lead.pk for lead in leads],
            "status": "QUALIFIED",
            "note": "Trade fair",
            "next": back,
            "confirmed": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == back
    for lead in leads:
        lead.refresh_from_db()
        assert lead.status == LeadStatus.QUALIFIED
        assert lead.activities.get().message == "Status: New → Qualified — Trade fair"
    shown = login(agent_a).get(back)
    assert "Set 2 leads to Qualified." in shown.content.decode()


def test_bulk_status_with_a_lead_the_user_may_not_see_changes_nothing(
    login, agent_a, agent_a2, tenant_a, tenant_b
):
    mine = LeadFactory(tenant=tenant_a)
    theirs = LeadFactory(tenant=tenant_a, assigned_to=agent_a2.user)
    foreign = LeadFactory(tenant=tenant_b)
    response = login(agent_a).post(
        reverse("crm:lead-bulk-status"),
        {"lead_ids": [mine.pk, theirs.pk, foreign.pk], "status": "WON", "confirmed": "on"},
        follow=True,
    )
    assert "Unknown or archived lead ids" in response.content.decode()
    assert not Lead.objects.filter(status=LeadStatus.WON).exists()


def test_bulk_without_a_selection_says_so(login, manager_a):
    response = login(manager_a).post(
        reverse("crm:lead-bulk-status"), {"status": "WON"}, follow=True
    )
    assert "Select at least one lead." in response.content.decode()


def test_bulk_assign_by_a_manager_assigns(login, manager_a, agent_a, tenant_a):
    leads = LeadFactory.create_batch(2, tenant=tenant_a)
    response = login(manager_a).post(
        reverse("crm:lead-bulk-assign"),
        {"lead_ids": [lead.pk for lead in leads], "agent": agent_a.user.pk, "confirmed": "on"},
        follow=True,
    )
    assert "Assigned 2 leads to alpha-agent." in response.content.decode()
    assert set(Lead.objects.values_list("assigned_to", flat=True)) == {agent_a.user.pk}


def test_bulk_assign_by_an_agent_is_refused(login, agent_a, agent_a2, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    response = login(agent_a).post(
        reverse("crm:lead-bulk-assign"),
        {"lead_ids": [lead.pk], "agent": agent_a2.user.pk, "confirmed": "on"},
    )
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.assigned_to is None


def test_the_assign_control_is_shown_to_managers_only(login, manager_a, agent_a):
    assert b"Assign to" in login(manager_a).get(reverse("crm:lead-list")).content
    assert b"Assign to" not in login(agent_a).get(reverse("crm:lead-list")).content


def test_bulk_assign_to_a_foreign_user_is_refused(login, manager_a, admin_b, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    response = login(manager_a).post(
        reverse("crm:lead-bulk-assign"),
        {"lead_ids": [lead.pk], "agent": admin_b.user.pk},
        follow=True,
    )
    assert "Select a valid choice" in response.content.decode()
    lead.refresh_from_db()
    assert lead.assigned_to is None


def test_bulk_redirects_only_inside_the_site(login, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    response = login(manager_a).post(
        reverse("crm:lead-bulk-status"),
        {
            "lead_ids": [lead.pk],
            "status": "WON",
            "next": "https://evil.example/",
            "confirmed": "on",
        },
    )
    assert response["Location"] == reverse("crm:lead-list")


def test_bulk_actions_ask_first_saying_how_many(login, manager_a, agent_a, tenant_a):
    leads = LeadFactory.create_batch(3, tenant=tenant_a)
    ids = [lead.pk for lead in leads]
    client = login(manager_a)
    asked = client.post(
        reverse("crm:lead-bulk-status"), {"lead_ids": ids, "status": "LOST", "note": "Gone"}
    )
    body = asked.content.decode()
    assert "Set 3 leads to Lost?" in body
    # The confirmation carries the same fields, so its button does exactly what was asked.
    for lead in leads:
        assert f'name="lead_ids" value="{lead.pk}"' in body
    assert 'name="note" value="Gone"' in body
    assert not Lead.objects.filter(status=LeadStatus.LOST).exists()
    assign = client.post(
        reverse("crm:lead-bulk-assign"), {"lead_ids": ids[:1], "agent": agent_a.user.pk}
    )
    assert "Assign 1 lead to alpha-agent?" in assign.content.decode()
    assert not Lead.objects.filter(assigned_to__isnull=False).exists()
