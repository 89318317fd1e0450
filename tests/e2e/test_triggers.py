"""Triggers in a real browser (issue 16, item 6): a manager builds a trigger on the campaign
page — an external event ("purchase"), a rule on the event's data (event.amount > 100), two
actions (add the tag big-spender, send this campaign) — with the builder's live count; an event
for a customer comes in through the API and the outbox is drained as a worker would; the
customer's page then shows the tag and the message in the timeline, and the trigger's page
the run as fired. The builder fits a phone (390 px) without scrolling sideways, under the
pages' Content-Security-Policy."""

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from campaigns.models import CampaignTrigger, RunOutcome
from crm.services.customers import customer_create
from tenancy.actors import OPERATOR
from tenancy.events import drain
from tests.campaigns.triggers import running_campaign
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shop(tenant_a, tenant_b):
    from customfields.services.definitions import definition_create

    definition_create(  # the campaign's message names it
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "field_key": "loyalty_points",
            "field_label": "Loyalty points",
            "field_type": "number",
        },
    )
    ada = customer_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "Ada", "last_name": "Buyer", "email": "ada@example.org"},
    )
    customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "Bo", "last_name": "Other"})
    customer_create(tenant=tenant_b, by=OPERATOR, data={"first_name": "Zed", "last_name": "Beta"})
    return ada, running_campaign(tenant_a, name="Thank you")


def test_build_a_trigger_on_purchase_and_see_it_fire(page, log_in, manager_a, tenant_a, shop):
    ada, campaign = shop
    log_in(manager_a)
    page.set_viewport_size(PHONE)

    # The campaign page: its Triggers section offers "New trigger".
    page.goto(f"/campaigns/{campaign.pk}/")
    page.locator("#triggers").get_by_role("link", name="New trigger").click()
    page.get_by_label("Name", exact=True).fill("Big spender")
    page.get_by_label("When this happens").select_option("__other__")
    page.get_by_label("Your own event's name").fill("purchase")
    count = page.locator("#audience-count")
    expect(count).to_contain_text("2 customers would match now")

    # The rule on the event's data: the count cannot judge it, and says so.
    rule = page.locator("tr.event-rule-row").first
    rule.get_by_label("Event value", exact=True).fill("amount")
    rule.get_by_label("Operator", exact=True).select_option("gt")
    rule.get_by_label("Value", exact=True).fill("100")
    expect(count).to_contain_text("cannot be counted ahead")

    # The actions in order: add the tag, then send this campaign.
    first = page.locator(".action-row").first
    first.get_by_label("Action", exact=True).select_option("add_tag")
    expect(first.get_by_label("Tag", exact=True)).to_be_visible()
    expect(first.get_by_label("Task", exact=True)).to_be_hidden()
    first.get_by_label("Tag", exact=True).fill("big-spender")
    page.get_by_role("button", name="Add an action").click()
    second = page.locator(".action-row").nth(1)
    second.get_by_label("Action", exact=True).select_option("send")
    expect(second.get_by_label("Tag", exact=True)).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Create trigger").click()

    expect(page.locator(".messages")).to_contain_text("Trigger “Big spender” saved.")
    trigger = CampaignTrigger.objects.get(tenant=tenant_a, name="Big spender")
    assert trigger.event_type == "purchase"
    assert trigger.conditions == {"all": [{"field": "event.amount", "op": "gt", "value": "100"}]}
    assert trigger.actions == [{"type": "add_tag", "tag": "big-spender"}, {"type": "send"}]
    expect(page.locator(".trigger-settings")).to_contain_text("event.amount more than 100")
    assert campaign.status.phase == "active"

    # The event comes in through the API; a worker drains the outbox.
    api = APIClient()
    token = api.post(
        "/api/v1/auth/token/",
        {"username": manager_a.user.get_username(), "password": PASSWORD},
        format="json",
    ).data["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    sent = api.post(
        "/api/v1/events/",
        {"customer": ada.pk, "event_type": "purchase", "data": {"amount": 150}},
        format="json",
    )
    assert sent.status_code == 202, sent.content
    drain()

    # The trigger's page: the run fired, with what each action did.
    page.reload()
    run = page.locator("table.trigger-runs tbody tr").first
    expect(run).to_contain_text("Ada Buyer")
    expect(run).to_contain_text("Fired")
    expect(run).to_contain_text("Add a tag: Tag added.")
    assert trigger.runs.get().outcome == RunOutcome.FIRED

    # The customer's page: the tag, and the message in the timeline.
    run.get_by_role("link", name="Ada Buyer").click()
    expect(page.locator("main")).to_contain_text("big-spender")
    page.get_by_role("link", name="Activity").click()
    expect(page.locator("#timeline-entries")).to_contain_text("Sent “Thank you”")


def test_a_trigger_on_tag_added_sends_when_the_tag_is_added_on_the_page(
    page, log_in, manager_a, tenant_a, shop
):
    """Issue 16's browser test: build a trigger on "tag added", add the tag to a customer on
    the customer's page, see the message in the customer's timeline. No worker is started: the
    page's own save emits tag_added in its transaction, and without a broker the outbox is
    processed in-process right after the commit."""
    ada, campaign = shop
    log_in(manager_a)
    page.goto(f"/campaigns/{campaign.pk}/")
    page.locator("#triggers").get_by_role("link", name="New trigger").click()
    page.get_by_label("Name", exact=True).fill("Welcome VIPs")
    page.get_by_label("When this happens").select_option("tag_added")
    rule = page.locator("tr.event-rule-row").first
    rule.get_by_label("Event value", exact=True).fill("tag")
    rule.get_by_label("Operator", exact=True).select_option("eq")
    rule.get_by_label("Value", exact=True).fill("vip")
    first = page.locator(".action-row").first
    first.get_by_label("Action", exact=True).select_option("send")
    page.get_by_role("button", name="Create trigger").click()
    expect(page.locator(".messages")).to_contain_text("Trigger “Welcome VIPs” saved.")

    # Another tag fires nothing; then the manager tags Ada "vip" on her page.
    page.goto(f"/customers/{ada.pk}/edit/")
    page.get_by_label("Tags").fill("newsletter")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Customer saved.")
    page.goto(f"/customers/{ada.pk}/edit/")
    page.get_by_label("Tags").fill("newsletter, vip")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Customer saved.")

    page.get_by_role("link", name="Activity").click()
    expect(page.locator("#timeline-entries")).to_contain_text("Sent “Thank you”")
    trigger = CampaignTrigger.objects.get(tenant=tenant_a, name="Welcome VIPs")
    outcomes = sorted(trigger.runs.values_list("outcome", flat=True))
    assert outcomes.count(RunOutcome.FIRED) == 1, outcomes  # the vip tag; newsletter did not
