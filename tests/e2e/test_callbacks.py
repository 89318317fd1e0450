"""The callback pages in a real browser: an agent claims the next callback from the queue, logs a
no-answer, calls again and completes it."""

import re

import pytest
from playwright.sync_api import expect

from callbacks.models import CallbackRequest
from callbacks.services.requests import callback_create
from crm.services.customers import customer_create
from tenancy.actors import OPERATOR

pytestmark = pytest.mark.browser


def request_callback(tenant, first_name, reason):
    customer = customer_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": first_name, "last_name": "Caller", "phone": "+15550104000"},
    )
    return callback_create(
        tenant=tenant, by=OPERATOR, data={"customer": customer, "reason": reason}
    )


def test_an_agent_claims_logs_a_no_answer_then_completes(page, log_in, agent_a, tenant_a):
    billing = request_callback(tenant_a, "Bill", "billing")
    complaint = request_callback(tenant_a, "Cora", "complaint")  # the higher priority
    log_in(agent_a)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Callbacks").click()
    expect(page.get_by_role("heading", name="Callbacks", exact=True)).to_be_visible()
    expect(page.locator("table.callbacks tbody tr")).to_have_count(2)
    expect(page.locator("table.callbacks tbody tr").first).to_contain_text("Cora Caller")

    page.get_by_role("button", name="Claim next").click()
    expect(page.get_by_role("heading", name="Callback for Cora Caller")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("Claimed: call Cora Caller now.")
    expect(page.locator("#callback-status")).to_have_text("In progress")
    expect(page.locator(".assignee")).to_have_text("alpha-agent")

    page.get_by_label("Note").first.fill("Rang ten times, no voicemail.")
    page.get_by_role("button", name="No answer").click()
    expect(page.locator(".messages")).to_contain_text("No answer (attempt 1 of 3).")
    expect(page.locator("#callback-status")).to_have_text("Pending")
    expect(page.locator("#callback-attempts")).to_contain_text("1 (a request fails after 3")
    expect(page.locator(".activity")).to_contain_text("Rang ten times, no voicemail.")

    page.get_by_role("button", name="Start call").click()
    expect(page.locator("#callback-status")).to_have_text("In progress")
    page.get_by_role("button", name="Complete").click()  # without a resolution: refused
    expect(page.locator(".call-log")).to_contain_text("Say how the callback was resolved.")
    page.get_by_label("Resolution").fill("Apologised and credited the delivery fee.")
    page.get_by_label("Outcome").select_option("resolved")
    page.get_by_role("button", name="Complete").click()
    expect(page.locator("#callback-status")).to_have_text("Completed")
    expect(page.locator(".messages")).to_contain_text("Status: In progress → Completed (resolved).")

    complaint.refresh_from_db()
    assert (complaint.status, complaint.attempts, complaint.assigned_to) == (
        "completed",
        2,
        agent_a.user,
    )
    assert complaint.resolution == "Apologised and credited the delivery fee."
    assert list(complaint.activities.values_list("kind", flat=True)) == [
        "status",
        "status",
        "no_answer",
        "claimed",
        "created",
    ]
    billing.refresh_from_db()
    assert (billing.status, billing.assigned_to) == ("pending", None)
    assert CallbackRequest.objects.filter(status="in_progress").count() == 0

    # The queue lists open callbacks; the completed one comes back when asked for.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Callbacks").click()
    rows = page.locator("table.callbacks tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Bill Caller")
    page.get_by_role("link", name="Include closed callbacks").click()
    expect(rows).to_have_count(2)
    expect(page.locator("table.callbacks")).to_contain_text("Cora Caller")
    expect(page).to_have_url(re.compile(r"include_closed=1"))


def test_request_a_callback_picking_the_customer_by_search(page, log_in, agent_a, tenant_a):
    customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "Anna", "last_name": "Other"})
    wanted = customer_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "Carla", "last_name": "Client", "phone": "+15550104001"},
    )
    log_in(agent_a)
    page.goto("/callbacks/new/")
    expect(page.get_by_role("heading", name="New callback")).to_be_visible()
    expect(page.locator("#id_customer_options")).not_to_contain_text("Carla")
    page.get_by_role("searchbox", name="Customer").fill("carla cli")
    option = page.get_by_role("radio", name="Carla Client (+15550104001)")
    expect(option).to_be_visible()
    expect(page.locator("#id_customer_options")).not_to_contain_text("Anna")
    option.check()
    page.get_by_label("Reason").select_option("sales_inquiry")
    page.get_by_role("button", name="Request callback").click()
    expect(page.get_by_role("heading", name="Callback for Carla Client")).to_be_visible()
    callback = CallbackRequest.objects.get()
    assert (callback.customer, callback.phone) == (wanted, "+15550104001")
