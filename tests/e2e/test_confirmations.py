"""The confirmation pattern in a real browser: a destructive or mass action asks first, saying
what and how many; Cancel writes nothing, the confirmation's button acts."""

import pytest
from playwright.sync_api import expect

from callbacks.models import CallbackRequest
from crm.models import Lead
from tests.e2e.test_callbacks import request_callback
from tests.factories import LeadFactory

pytestmark = pytest.mark.browser


def test_archiving_a_lead_asks_first(page, log_in, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a, first_name="Ada", last_name="Lovelace")
    log_in(manager_a)
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("button", name="Archive").click()
    expect(page.get_by_role("heading", name="Archive Ada Lovelace?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(f"{page.url.split('/leads/')[0]}/leads/{lead.pk}/")
    lead.refresh_from_db()
    assert not lead.is_archived

    page.get_by_role("button", name="Archive").click()
    page.get_by_role("button", name="Archive").click()  # the confirmation's own button
    expect(page.locator(".messages")).to_contain_text("Lead archived.")
    lead.refresh_from_db()
    assert lead.is_archived


def test_bulk_status_asks_with_the_count(page, log_in, manager_a, tenant_a):
    for name in ("Ann", "Bob", "Cid"):
        LeadFactory(tenant=tenant_a, first_name=name, last_name="Lead")
    log_in(manager_a)
    page.goto("/leads/")
    for name in ("Ann", "Bob"):
        page.get_by_label(f"Select {name} Lead").check()
    page.get_by_label("New status").select_option(label="Lost")
    page.get_by_role("button", name="Set status").click()
    expect(page.get_by_role("heading", name="Set 2 leads to Lost?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
    assert not Lead.objects.filter(status="LOST").exists()

    for name in ("Ann", "Bob"):
        page.get_by_label(f"Select {name} Lead").check()
    page.get_by_label("New status").select_option(label="Lost")
    page.get_by_role("button", name="Set status").click()
    page.get_by_role("button", name="Set 2 leads to Lost").click()
    expect(page.locator(".messages")).to_contain_text("Set 2 leads to Lost.")
    assert set(Lead.objects.filter(status="LOST").values_list("first_name", flat=True)) == {
        "Ann",
        "Bob",
    }


def test_auto_assign_asks_with_the_count(page, log_in, manager_a, agent_a, tenant_a):
    for name in ("Bill", "Cora", "Dina"):
        request_callback(tenant_a, name, "billing")
    log_in(manager_a)
    page.goto("/callbacks/")
    page.get_by_role("button", name="Auto-assign waiting").click()
    expect(page.get_by_role("heading", name="Auto-assign 3 waiting callbacks?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    assert not CallbackRequest.objects.filter(assigned_to__isnull=False).exists()
    page.get_by_role("button", name="Auto-assign waiting").click()
    page.get_by_role("button", name="Assign 3 callbacks").click()
    expect(page.locator(".messages")).to_contain_text("Assigned 3 waiting callbacks.")
    assert CallbackRequest.objects.filter(assigned_to=agent_a.user).count() == 3


def test_launch_complete_and_trigger_delete_ask_first(page, log_in, manager_a, tenant_a):
    from campaigns.models import Campaign, CampaignTrigger
    from tests.campaigns.conftest import channel, make_customers
    from tests.campaigns.factories import CampaignFactory
    from tests.campaigns.test_triggers_consumer import make_trigger

    make_customers(tenant_a, [{"first_name": n, "email": f"{n}@example.org"} for n in "ab"])
    email = channel(tenant_a, "EMAIL")
    campaign = CampaignFactory(
        tenant=tenant_a,
        name="Winter",
        contents=[{"channel": email, "subject": "Hi", "body": "Hello"}],
    )
    log_in(manager_a)
    page.goto(f"/campaigns/{campaign.pk}/")

    # Launch: asked with the audience's size; Cancel sends nothing.
    page.get_by_role("button", name="Launch").click()
    expect(page.get_by_role("heading", name="Send Winter to 2 customers now?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    campaign.refresh_from_db()
    assert campaign.launched_at is None
    page.get_by_role("button", name="Launch").click()
    page.get_by_role("button", name="Send to 2 customers").click()
    expect(page.locator(".messages")).to_contain_text("Campaign launched.")

    # Complete: asked, Cancel keeps it active, the confirmation's button completes it.
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_role("heading", name="Complete Winter?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    assert Campaign.objects.get(pk=campaign.pk).status.phase == "active"
    page.get_by_role("button", name="Complete").click()
    page.get_by_role("button", name="Complete the campaign").click()
    expect(page.locator(".messages")).to_contain_text("Campaign completed.")
    assert Campaign.objects.get(pk=campaign.pk).status.phase == "completed"

    # Deleting a trigger: asked with its name; Cancel keeps it, the button deletes it.
    trigger = make_trigger(tenant_a, campaign, actions=[{"type": "add_tag", "tag": "x"}])
    page.goto(f"/campaigns/{campaign.pk}/triggers/{trigger.pk}/")
    page.get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading")).to_contain_text("Delete trigger")
    page.get_by_role("link", name="Cancel").click()
    assert CampaignTrigger.objects.filter(pk=trigger.pk).exists()
    page.get_by_role("link", name="Delete…").click()
    page.get_by_role("button", name="Delete the trigger").click()
    expect(page.locator(".messages")).to_contain_text("deleted")
    assert not CampaignTrigger.objects.filter(pk=trigger.pk).exists()
