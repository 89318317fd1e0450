"""Two of issue 17's browser checks: a form with three bad fields shows three errors at once,
each beside its field; and a campaign's sending progress bar refreshes itself until it is
done, with no reload."""

import pytest
from playwright.sync_api import expect

from campaigns.models import CampaignExecution, CampaignStatus
from campaigns.services.launch import create_executions
from campaigns.services.sending import send_campaign
from crm.models import Lead
from tests.campaigns.conftest import channel, make_customers
from tests.campaigns.factories import CampaignFactory

pytestmark = pytest.mark.browser


def test_three_bad_fields_show_three_errors_at_once(page, log_in, agent_a):
    log_in(agent_a)
    page.goto("/leads/new/")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Email").fill("bad")
    page.get_by_label("Phone").fill("abc")
    page.get_by_label("Probability").fill("-3")
    page.get_by_role("button", name="Create lead").click()
    errors = page.locator(".field.has-error")
    expect(errors).to_have_count(3)
    for label in ("Email", "Phone", "Probability"):
        field = page.locator(".field.has-error", has=page.get_by_label(label, exact=True))
        expect(field.locator(".error-text")).to_have_count(1)  # each once, beside its field
    assert not Lead.objects.exists()


def test_the_sending_progress_bar_refreshes_until_done(page, log_in, manager_a, tenant_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_customers(
        tenant_a, [{"first_name": name, "email": f"{name}@example.org"} for name in "abc"]
    )
    email = channel(tenant_a, "EMAIL")
    campaign = CampaignFactory(
        tenant=tenant_a,
        name="Autumn",
        contents=[{"channel": email, "subject": "Hi", "body": "Hello {{ first_name }}"}],
    )
    # Active, its three messages waiting for a worker.
    create_executions(campaign)
    campaign.status = CampaignStatus.objects.get(tenant=tenant_a, status_code="ACTIVE")
    campaign.launched_at = campaign.created_at
    campaign.save(update_fields=["status", "launched_at"])
    assert CampaignExecution.objects.filter(campaign=campaign, status="pending").count() == 3

    log_in(manager_a)
    page.goto(f"/campaigns/{campaign.pk}/")
    expect(page.locator(".sending-progress")).to_contain_text("Sending: 0 of 3 handled")
    page.evaluate("window.notReloaded = true")

    send_campaign(campaign_id=campaign.pk)  # the worker does its job
    figures = page.locator("#campaign-figures")
    expect(figures.locator(".sending-progress")).to_have_count(0, timeout=15_000)
    expect(figures.locator(".metric", has_text="Waiting to send")).to_contain_text("0")
    expect(figures.locator(".metric", has_text="Sent")).to_contain_text("3")
    assert page.evaluate("window.notReloaded") is True  # refreshed in place
