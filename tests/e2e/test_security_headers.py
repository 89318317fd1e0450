"""The Content-Security-Policy in a real browser: Chromium enforces it and reports what it
blocks (the `page` fixture fails any test with a report); the API docs, the admin and the
public unsubscribe page work under it."""

import re

import pytest
from playwright.sync_api import expect

from campaigns.links import make_token
from tests.tenancy.registry import build_world

pytestmark = pytest.mark.browser


def test_chromium_enforces_the_policy_and_reports_it(page, log_in, agent_a, csp_violations):
    log_in(agent_a)
    # Scripts run through the DevTools protocol bypass the policy; the inline script this one
    # adds to the page does not.
    page.evaluate(
        """() => {
            window.inlineRan = false;
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.inlineRan") is False
    assert any("script-src" in text for text in csp_violations), csp_violations
    csp_violations.clear()  # the blocked script was this test's own


def test_the_api_docs_render_their_operations(page):
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/auth/token/")


def test_the_admin_and_its_scripts_work(page, log_in, admin_a):
    log_in(admin_a)
    page.goto("/admin/crm/lead/add/")
    expect(page.get_by_role("heading", name="Add lead")).to_be_visible()
    # The source is an autocomplete field: the admin's select2 script has turned it into one.
    expect(page.locator(".field-source .select2-container")).to_be_visible()
    page.locator(".field-source .select2-selection").click()
    expect(page.locator(".select2-results__option").first).to_be_visible()


def test_the_unsubscribe_page_posts_under_the_policy(page, tenant_a):
    world = build_world(tenant_a)
    execution = world.execution
    page.goto(f"/t/u/{make_token('unsubscribe', execution.tenant_id, execution.pk)}/")
    expect(page.get_by_role("heading", name="Unsubscribe")).to_be_visible()
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/t/u/"))
