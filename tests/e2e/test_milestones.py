"""Milestones in a real browser: record one from the lead page (a refusal first, shown in place
by htmx), then see the timeline, the activity log and the bottleneck dashboard change."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from milestones.models import LeadMilestone, MilestoneType
from milestones.services.lead_milestones import milestone_record
from tests.factories import LeadFactory

pytestmark = pytest.mark.browser


def transition(page, code):
    return page.locator(f'tr[data-transition="{code}"]')


def test_record_a_milestone_and_see_the_timeline_and_dashboard_change(
    page, log_in, manager_a, tenant_a
):
    lead = LeadFactory(
        tenant=tenant_a,
        first_name="Ada",
        last_name="Byron",
        created_at=timezone.now() - timedelta(days=1),
    )
    generated = MilestoneType.objects.get(tenant=tenant_a, type_code="LEAD_GENERATED")
    milestone_record(lead=lead, by=manager_a, data={"milestone_type": generated})
    log_in(manager_a)

    page.get_by_role("link", name="Pipeline bottlenecks").click()
    first = transition(page, "LEAD_GENERATED-CONTACTED")
    expect(first.locator(".leads-affected")).to_have_text("1")
    expect(first.locator(".completed")).to_have_text("0")

    page.goto(lead.get_absolute_url())
    timeline = page.locator("#milestones")
    expect(timeline.locator("li.milestone")).to_have_count(1)
    expect(timeline.locator(".next-step")).to_contain_text("Next step: Contacted")
    page.evaluate("window.notReloaded = true")

    form = page.locator("form.record-form")
    form.get_by_label("Milestone").select_option(label="Contacted")
    form.get_by_label("Notes").fill("Called, interested")
    form.get_by_label("Location", exact=True).fill("Cafe")
    form.get_by_role("button", name="Record milestone").click()
    location = page.locator(".field", has=page.get_by_label("Location", exact=True))
    expect(location.locator(".error-text")).to_have_text(
        "CONTACTED milestones do not record a location."
    )
    assert page.evaluate("window.notReloaded") is True  # shown in place
    assert not LeadMilestone.objects.filter(lead=lead, milestone_type__type_code="CONTACTED")

    page.locator("form.record-form").get_by_label("Location", exact=True).fill("")
    page.locator("form.record-form").get_by_role("button", name="Record milestone").click()
    expect(page.locator(".messages")).to_contain_text("Milestone recorded: Contacted.")
    contacted = page.locator('#milestones li.milestone[data-type="CONTACTED"]')
    expect(contacted).to_contain_text("Called, interested")
    expect(contacted.locator(".badge")).to_have_text("On time")
    expect(page.locator("#milestones .next-step")).to_contain_text("Next step: Site visit")
    expect(page.locator(".activity")).to_contain_text("Milestone recorded: Contacted, completed")

    page.get_by_role("link", name="Pipeline bottlenecks").click()
    first = transition(page, "LEAD_GENERATED-CONTACTED")
    expect(first.locator(".completed")).to_have_text("1")
    expect(page.locator('tr[data-type="CONTACTED"] .completed')).to_have_text("1")
