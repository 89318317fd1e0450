"""Every page family at phone width (390×844) in real Chromium, on the demo's data: the page never
scrolls sideways (wide tables scroll inside their own card), and the navigation folds behind a
"Menu" button that opens and closes it."""

import importlib

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from campaigns.models import Campaign
from crm.models import Customer, Lead
from customfields.models import IndustryFieldTemplate
from demo.seed import DEMO_PASSWORD, seed_demo
from tenancy.models import Membership

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# The page families of issue 17 (leads, customers, callbacks, campaigns, milestones, home) and
# the other lists a salesperson opens on a phone.
PATHS = [
    "/",
    "/leads/",
    "/leads/new/",
    "/customers/",
    "/customers/new/",
    "/segments/",
    "/tags/",
    "/tasks/",
    "/callbacks/",
    "/callbacks/new/",
    "/callbacks/sla/",
    "/campaigns/",
    "/campaigns/new/",
    "/sources/performance/",
    "/milestones/bottlenecks/",
    "/milestones/overdue/",
    "/imports/",
    "/customers/duplicates/",
    "/settings/fields/",
]


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


# The deepest elements that stick out past the right edge: what to fix when a page is too wide.
STICKING_OUT = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1
    && ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1)
    && !e.closest(".table-wrap, .scroll-x"))
  .slice(0, 5)
  .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")} `
    + `${Math.round(e.getBoundingClientRect().right)}px`)"""


@pytest.fixture
def demo_manager(transactional_db):
    # A database flushed by an earlier browser test has lost the industry templates that a
    # migration loads; the demo's tenant is made from one.
    if not IndustryFieldTemplate.objects.exists():
        loader = importlib.import_module("customfields.migrations.0002_industry_templates")
        loader.load(django_apps, None)
    tenant, _ = seed_demo(leads=30)
    return Membership.objects.get(tenant=tenant, user__username="demo-admin")


def log_in_demo(page, membership):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(membership.user.get_username())
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Today", exact=True).wait_for()


def test_on_a_phone_the_menu_folds_and_no_page_scrolls_sideways(page, demo_manager):
    """One test (the demo is seeded once: a flushed database has no industry templates)."""
    page.set_viewport_size(PHONE)
    log_in_demo(page, demo_manager)
    the_navigation_folds_behind_a_menu_button(page)
    page.set_viewport_size(PHONE)
    tenant = demo_manager.tenant
    lead = Lead.objects.filter(tenant=tenant).order_by("pk").first()
    customer = Customer.objects.filter(tenant=tenant).order_by("pk").first()
    campaign = Campaign.objects.filter(tenant=tenant).order_by("pk").first()
    paths = [
        *PATHS,
        f"/leads/{lead.pk}/",
        f"/customers/{customer.pk}/",
        f"/campaigns/{campaign.pk}/",
    ]
    wide = {}
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        extra = overflow(page)
        if extra > 0:
            wide[path] = (extra, page.evaluate(STICKING_OUT))
    assert wide == {}, "pages wider than the phone (px too wide)"


def the_navigation_folds_behind_a_menu_button(page):
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Campaigns")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Overdue steps")).to_be_visible()
    nav.get_by_role("link", name="Campaigns").click()
    expect(page.get_by_role("heading", name="Campaigns", exact=True)).to_be_visible()
    assert overflow(page) <= 0
    # At a desktop width there is no menu button: every link shows.
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Overdue steps")).to_be_visible()
