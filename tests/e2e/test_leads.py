"""The leads pages in a real browser: sign-in, create with an error then fix it, filtering
through htmx, bulk assignment."""

import re

import pytest
from playwright.sync_api import expect

from crm.models import Lead, LeadStatus
from tests.factories import LeadFactory

pytestmark = pytest.mark.browser


def rows(page):
    return page.locator("table.leads tbody tr")


def open_leads(page):
    """From the home page, where signing in lands, to the lead list through the navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    page.get_by_role("heading", name="Leads").wait_for()


def open_filters(page):
    """Unfold the filters ("Filters (n)" above the list)."""
    fold = page.locator("details.filter-fold")
    if fold.get_attribute("open") is None:
        fold.locator("summary").click()


def test_log_in_through_the_login_page(page, agent_a):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Username").fill("alpha-agent")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".alert.error")).to_contain_text("correct username and password")

    page.get_by_label("Password").fill("pass-word-1")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    expect(page.locator(".who")).to_contain_text("alpha-agent")
    expect(page.locator(".who")).to_contain_text("Agent")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_create_a_lead_with_an_error_then_fix_it(page, log_in, agent_a):
    log_in(agent_a)
    open_leads(page)
    page.get_by_role("link", name="New lead").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email").fill("ada-at-example")
    page.get_by_label("Tags").fill("vip, maths")
    page.get_by_role("button", name="Create lead").click()

    email = page.locator(".field", has=page.get_by_label("Email"))
    expect(email.locator(".error-text")).to_have_text("Enter a valid email address.")
    expect(page.get_by_label("First name")).to_have_value("Ada")
    assert not Lead.objects.exists()

    page.get_by_label("Email").fill("ada@analytical.example")
    page.get_by_role("button", name="Create lead").click()
    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("Lead created.")
    expect(page.locator(".activity")).to_contain_text("Lead created by alpha-agent")
    expect(page.locator(".badge.hot")).to_be_visible()
    lead = Lead.objects.get()
    assert lead.email == "ada@analytical.example"
    assert lead.tag_names() == ["maths", "vip"]


def test_filter_the_list_by_status_and_search(page, log_in, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Zelda", status=LeadStatus.CONTACTED)
    LeadFactory(tenant=tenant_a, first_name="Zack", status=LeadStatus.CONTACTED)
    LeadFactory(tenant=tenant_a, first_name="Yorick", status=LeadStatus.NEW)
    log_in(manager_a)
    open_leads(page)
    expect(rows(page)).to_have_count(3)
    # A marker on the window survives an htmx swap but not a page load.
    page.evaluate("window.notReloaded = true")

    expect(page.locator("details.filter-fold summary")).to_have_text("Filters")
    open_filters(page)
    page.get_by_label("Status", exact=True).select_option("CONTACTED")
    expect(page).to_have_url(re.compile(r"status=CONTACTED"))
    # The fold's summary follows the swap: how many filters are on, and which.
    expect(page.locator("details.filter-fold summary")).to_contain_text("Filters (1)")
    expect(page.locator("details.filter-fold summary")).to_contain_text("Status: Contacted")
    expect(rows(page)).to_have_count(2)
    expect(page.locator(".count")).to_have_text("2 leads")
    expect(rows(page).filter(has_text="Yorick")).to_have_count(0)

    page.get_by_placeholder("Search name, email, phone or company").fill("zel")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"search=zel"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Zelda")
    assert page.evaluate("window.notReloaded") is True

    # The address keeps the filters: loading it afresh shows the same rows.
    page.reload()
    expect(rows(page)).to_have_count(1)
    open_filters(page)
    expect(page.get_by_label("Status", exact=True)).to_have_value("CONTACTED")


def test_sort_by_a_column_header(page, log_in, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Low", lead_score=10)
    LeadFactory(tenant=tenant_a, first_name="High", lead_score=90)
    LeadFactory(tenant=tenant_a, first_name="Mid", lead_score=50)
    log_in(manager_a)
    open_leads(page)
    page.get_by_role("link", name="Score", exact=True).click()
    expect(page).to_have_url(re.compile(r"ordering=lead_score"))
    expect(rows(page).first).to_contain_text("Low")
    page.get_by_role("link", name="Score", exact=True).click()
    expect(page).to_have_url(re.compile(r"ordering=-lead_score"))
    expect(rows(page).first).to_contain_text("High")
    # A filter chosen afterwards keeps the sort order.
    open_filters(page)
    page.get_by_label("Status", exact=True).select_option("NEW")
    expect(page).to_have_url(
        re.compile(r"status=NEW.*ordering=-lead_score|ordering=-lead_score.*status=NEW")
    )
    expect(rows(page).first).to_contain_text("High")


def test_bulk_assign_leads_as_a_manager(page, log_in, manager_a, agent_a, tenant_a):
    for name in ("Ann", "Bob", "Cid"):
        LeadFactory(tenant=tenant_a, first_name=name, last_name="Lead")
    log_in(manager_a)
    open_leads(page)
    page.get_by_label("Select Ann Lead").check()
    page.get_by_label("Select Cid Lead").check()
    page.get_by_label("Assign to").select_option(label="alpha-agent")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("heading", name="Assign 2 leads to alpha-agent?")).to_be_visible()
    assert not Lead.objects.filter(assigned_to__isnull=False).exists()
    page.get_by_role("button", name="Assign 2 leads to alpha-agent").click()

    expect(page.locator(".messages")).to_contain_text("Assigned 2 leads to alpha-agent.")
    for name, assignee in (("Ann", "alpha-agent"), ("Bob", "—"), ("Cid", "alpha-agent")):
        expect(rows(page).filter(has_text=name).locator(".assignee")).to_have_text(assignee)
    assigned = Lead.objects.filter(assigned_to=agent_a.user).values_list("first_name", flat=True)
    assert sorted(assigned) == ["Ann", "Cid"]
