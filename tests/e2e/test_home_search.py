"""The home page and the global search in a real browser: signing in lands on the day's
figures, each a link to its list; `/` focuses the search box unless typing in a field; results
come grouped as you type; at phone width the navigation with the box does not overflow."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import CustomerFactory, LeadFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def data(tenant_a, agent_a):
    yesterday = timezone.now() - timezone.timedelta(days=1)
    LeadFactory(
        tenant=tenant_a,
        first_name="Quentin",
        last_name="Lead",
        assigned_to=agent_a.user,
        next_follow_up_date=yesterday,
    )
    CustomerFactory(tenant=tenant_a, first_name="Quentina", last_name="Client")


def test_the_home_figure_opens_the_list_it_counts(page, log_in, agent_a, data):
    log_in(agent_a)
    figure = page.locator("#panel-my-leads a.metric", has_text="Need follow-up today")
    expect(figure.locator(".value")).to_have_text("1")
    figure.click()
    expect(page).to_have_url(re.compile(r"/leads/\?.*follow_up_due=true"))
    expect(page.locator("table.leads tbody tr")).to_have_count(1)
    expect(page.locator("details.filter-fold summary")).to_contain_text("Follow-up due today")
    expect(page.get_by_label("Follow-up due today")).to_be_checked()


def test_type_in_the_box_and_see_grouped_results(page, log_in, agent_a, data):
    log_in(agent_a)
    box = page.locator("#global-search")
    # "/" in a field types a slash; elsewhere it focuses the box.
    page.locator("body").click()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    box.press_sequentially("quent")
    results = page.locator("#global-search-results")
    expect(results.get_by_role("region", name="Customers")).to_contain_text("Quentina Client")
    expect(results.get_by_role("region", name="Leads")).to_contain_text("Quentin Lead")
    expect(box).to_have_value("quent")  # the "/" was not typed into it

    results.get_by_role("link", name="Quentin Lead").click()
    expect(page.get_by_role("heading", name="Quentin Lead")).to_be_visible()


def test_slash_in_a_field_is_typed_not_a_shortcut(page, log_in, agent_a):
    log_in(agent_a)
    page.goto("/leads/")
    field = page.get_by_placeholder("Search name, email, phone or company")
    field.click()
    page.keyboard.press("/")
    expect(field).to_have_value("/")
    expect(page.locator("#global-search")).not_to_be_focused()


def test_enter_without_waiting_opens_the_full_results_page(page, log_in, agent_a, data):
    log_in(agent_a)
    page.locator("#global-search").fill("quentina")
    page.locator("#global-search").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=quentina"))
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Quentina Client")


def test_the_navigation_fits_a_phone(page, log_in, manager_a):
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(manager_a)
    expect(page.locator("#global-search")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#global-search").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
