"""The milestone pages: the timeline and record form on the lead page, the status buttons, the
bottleneck dashboard and the overdue list. Visibility as everywhere: another tenant's lead, or
another agent's, is a 404."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import ActivityKind, LeadActivity
from milestones.models import LeadMilestone, LeadMilestonePlan
from milestones.services.config import template_create
from tenancy.actors import OPERATOR
from tests.factories import LeadFactory


@pytest.fixture
def login(client):
    def log_in(membership):
        client.force_login(membership.user)
        return client

    return log_in


@pytest.fixture
def today(tenant):
    return timezone.localtime(timezone.now(), tenant.tzinfo).date()


@pytest.fixture
def lead(make_lead, today, record):
    """Created 10 days ago, generated then, contacted 6 days ago (SLA 2: breached)."""
    now = timezone.now()
    lead = make_lead(created=today - timedelta(days=10), first_name="Paula", last_name="Page")
    record(lead, "LEAD_GENERATED", today - timedelta(days=10), now=now)
    record(lead, "CONTACTED", today - timedelta(days=6), now=now)
    return lead


def status_buttons(page: str) -> list[str]:
    return re.findall(r'<button type="submit" name="status" value="(\w+)"', page)


def record_form(**fields):
    return {"type_code": "SITE_VISIT", "status": "completed", **fields}


def test_the_lead_page_shows_the_timeline_and_the_form(login, manager_a, lead):
    page = login(manager_a).get(lead.get_absolute_url()).content.decode()
    assert 'id="milestones"' in page
    assert "Standard Sales Pipeline" in page
    assert 'data-type="CONTACTED"' in page and "SLA breached" in page
    assert "Next step: <strong>Site visit</strong> (not recorded yet)" in page
    assert 'name="type_code"' in page and "Record milestone" in page
    assert "milestones/milestones.css" in page


def test_record_from_the_lead_page(login, manager_a, lead, today):
    client = login(manager_a)
    response = client.post(
        f"/milestones/leads/{lead.pk}/record/",
        record_form(location_name="Head office", notes="Good visit"),
    )
    assert response.status_code == 302 and response.url == lead.get_absolute_url()
    visit = LeadMilestone.objects.get(lead=lead, milestone_type__type_code="SITE_VISIT")
    assert (visit.status, visit.achieved_date, visit.days_from_previous) == ("completed", today, 6)
    page = client.get(lead.get_absolute_url()).content.decode()
    assert "Milestone recorded: Site visit." in page
    assert 'data-type="SITE_VISIT"' in page and "Head office" in page
    assert "Next step: <strong>Proposal sent</strong>" in page


def test_a_refusal_shows_the_form_again_in_place_with_htmx(login, manager_a, lead):
    before = LeadActivity.objects.filter(lead=lead).count()
    response = login(manager_a).post(
        f"/milestones/leads/{lead.pk}/record/",
        record_form(type_code="CONVERTED", status="completed", location_name="Cafe"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert 'id="milestones"' in fragment and "<html" not in fragment
    assert "CONVERTED milestones do not record a location." in fragment
    assert not LeadMilestone.objects.filter(lead=lead, milestone_type__type_code="CONVERTED")
    assert LeadActivity.objects.filter(lead=lead).count() == before


def test_a_refusal_without_htmx_is_a_page_of_its_own(login, manager_a, lead):
    response = login(manager_a).post(
        f"/milestones/leads/{lead.pk}/record/", record_form(type_code="CONTACTED")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page and "already has a CONTACTED milestone" in page


def test_a_success_with_htmx_reloads_the_lead_page(login, manager_a, lead):
    response = login(manager_a).post(
        f"/milestones/leads/{lead.pk}/record/", record_form(), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == lead.get_absolute_url()


def test_a_history_restore_is_answered_with_whole_pages(login, manager_a, lead):
    """htmx asks for the whole page when it restores history: no fragment, no HX-Redirect."""
    restore = {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}
    client = login(manager_a)
    url = f"/milestones/leads/{lead.pk}/record/"
    refused = client.post(url, record_form(type_code="CONTACTED"), **restore)
    assert refused.status_code == 200 and "<html" in refused.content.decode()
    done = client.post(url, record_form(), **restore)
    assert done.status_code == 302 and "HX-Redirect" not in done
    assert done["Location"] == lead.get_absolute_url()


def test_status_buttons_walk_the_graph(login, manager_a, lead, record, today):
    visit = record(lead, "SITE_VISIT", today, status="pending", now=timezone.now())
    client = login(manager_a)
    page = client.get(lead.get_absolute_url()).content.decode()
    assert status_buttons(page) == ["in_progress"]
    url = f"/milestones/leads/{lead.pk}/{visit.pk}/status/"
    response = client.post(url, {"status": "completed"}, follow=True)
    assert "pending cannot become completed" in response.content.decode()
    client.post(url, {"status": "in_progress"})
    page = client.get(lead.get_absolute_url()).content.decode()
    assert status_buttons(page) == ["completed", "skipped", "failed"]  # SITE_VISIT is optional
    client.post(url, {"status": "completed"})
    visit.refresh_from_db()
    assert visit.status == "completed" and visit.completed_by == manager_a.user
    assert LeadActivity.objects.filter(lead=lead, kind=ActivityKind.MILESTONE).count() == 5


def test_a_mandatory_step_offers_no_skip(login, manager_a, make_lead, record, today):
    lead = make_lead(created=today)
    record(lead, "CONTACTED", today, status="in_progress", now=timezone.now())
    page = login(manager_a).get(lead.get_absolute_url()).content.decode()
    assert status_buttons(page) == ["completed", "failed"]


def test_choose_the_leads_template_on_its_page(login, manager_a, lead, tenant):
    short = template_create(
        by=OPERATOR,
        tenant=tenant,
        data={"template_name": "Short"},
        sequence=["CONTACTED", "CONVERTED"],
    )
    client = login(manager_a)
    response = client.post(f"/milestones/leads/{lead.pk}/template/", {"template": short.pk})
    assert response.status_code == 302
    assert LeadMilestonePlan.objects.get(lead=lead).template == short
    page = client.get(lead.get_absolute_url()).content.decode()
    assert "The lead follows Short." in page
    assert "Next step: <strong>Converted</strong>" in page
    client.post(f"/milestones/leads/{lead.pk}/template/", {"template": ""})
    assert not LeadMilestonePlan.objects.filter(lead=lead).exists()


def test_agents_cannot_touch_another_agents_lead(login, agent_a, agent_a2, tenant, record, today):
    theirs = LeadFactory(tenant=tenant, assigned_to=agent_a2.user)
    visit = record(theirs, "SITE_VISIT", today, status="pending", now=timezone.now())
    client = login(agent_a)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.post(f"/milestones/leads/{theirs.pk}/record/", record_form()).status_code == 404
    status_url = f"/milestones/leads/{theirs.pk}/{visit.pk}/status/"
    assert client.post(status_url, {"status": "in_progress"}).status_code == 404
    assert client.post(f"/milestones/leads/{theirs.pk}/template/", {}).status_code == 404
    visit.refresh_from_db()
    assert visit.status == "pending"
    assert LeadMilestone.objects.filter(lead=theirs).count() == 1


def test_another_tenants_lead_is_404(login, admin_b, lead):
    client = login(admin_b)
    assert client.post(f"/milestones/leads/{lead.pk}/record/", record_form()).status_code == 404


def test_the_dashboard_charts_bottlenecks_completion_and_trend(login, manager_a, lead, tenant):
    page = login(manager_a).get("/milestones/bottlenecks/").content.decode()
    assert "Pipeline bottlenecks" in page
    assert 'data-transition="LEAD_GENERATED-CONTACTED"' in page
    assert "<svg" in page and 'class="bar average"' in page and 'class="sla"' in page
    assert "LEAD_GENERATED → CONTACTED: average 4.0 days" in page
    assert "100.0% (1)" in page  # one lead, contacted 4 days after (SLA 2)
    assert 'data-type="CONTACTED"' in page
    assert "<script" not in page.split("<main")[1]  # no chart library
    short = template_create(
        by=OPERATOR,
        tenant=tenant,
        data={"template_name": "Short"},
        sequence=["CONTACTED", "CONVERTED"],
    )
    page = login(manager_a).get(
        "/milestones/bottlenecks/", {"template": short.pk, "type_code": "CONTACTED"}
    )
    body = page.content.decode()
    assert 'data-transition="CONTACTED-CONVERTED"' in body
    assert "Contacted completed per day" in body


def test_the_overdue_page_lists_the_oldest_first(login, manager_a, agent_a, agent_a2, lead):
    # Paula's visit is due tomorrow (7 days after her contact): on time. Olga's and Fiona's
    # LEAD_GENERATED were due a day after they came in: 19 and 2 days ago.
    for first, days, assignee in (("Fiona", 3, agent_a2.user), ("Olga", 20, None)):
        LeadFactory(
            tenant=lead.tenant,
            first_name=first,
            last_name="Late",
            created_at=timezone.now() - timedelta(days=days),
            assigned_to=assignee,
        )
    page = login(manager_a).get("/milestones/overdue/").content.decode()
    assert "2 overdue steps" in page and "Paula Page" not in page
    assert page.index("Olga Late") < page.index("Fiona Late")
    agent_page = login(agent_a).get("/milestones/overdue/").content.decode()
    assert "1 overdue step" in agent_page and "Fiona Late" not in agent_page
