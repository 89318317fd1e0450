"""The home page (`/`) and crm's panels on it: the member's leads needing follow-up today and new
since yesterday, the team's open leads by status for managers; each figure links to the lead list
filtered to exactly the leads it counts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import LeadStatus
from crm.services.notes import note_create
from tests.factories import CustomerFactory, LeadFactory

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # tenants are in UTC unless a test says otherwise
YESTERDAY = NOW - timedelta(days=1)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def panel(response, key):
    items = response.context["mine"] + response.context["team"]
    return next(item["panel"] for item in items if item["panel"].key == key)


def figures(response, key):
    return {figure.label: figure for figure in panel(response, key).figures}


def listed(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return {lead.first_name for lead in response.context["page_obj"].paginator.object_list}


@pytest.fixture
def agents_leads(tenant_a, agent_a, agent_a2):
    me, other = agent_a.user, agent_a2.user
    old = NOW - timedelta(days=10)
    LeadFactory(
        tenant=tenant_a,
        first_name="Overdue",
        assigned_to=me,
        next_follow_up_date=old,
        created_at=old,
    )
    LeadFactory(
        tenant=tenant_a,
        first_name="Tonight",
        assigned_to=me,
        next_follow_up_date=NOW.replace(hour=23, minute=59),
        created_at=YESTERDAY.replace(hour=0, minute=1),
    )
    LeadFactory(
        tenant=tenant_a,
        first_name="Tomorrow",
        assigned_to=me,
        next_follow_up_date=NOW.replace(hour=0) + timedelta(days=1),
        created_at=NOW,
    )
    LeadFactory(
        tenant=tenant_a,
        first_name="Won",
        assigned_to=me,
        status=LeadStatus.WON,
        next_follow_up_date=old,
        created_at=old,
    )
    LeadFactory(
        tenant=tenant_a,
        first_name="Archived",
        assigned_to=me,
        next_follow_up_date=old,
        archived_at=old,
        created_at=NOW,
    )
    LeadFactory(
        tenant=tenant_a,
        first_name="Before",
        assigned_to=me,
        created_at=YESTERDAY.replace(hour=0) - timedelta(minutes=1),
    )
    LeadFactory(
        tenant=tenant_a,
        first_name="Theirs",
        assigned_to=other,
        next_follow_up_date=old,
        created_at=NOW,
    )
    LeadFactory(
        tenant=tenant_a,
        first_name="Pool",
        status=LeadStatus.CONTACTED,
        next_follow_up_date=old,
        created_at=NOW,
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_an_agents_figures_count_their_leads_and_link_to_the_same_list(
    login, agent_a, agents_leads
):
    client = login(agent_a)
    response = client.get("/")
    assert response.status_code == 200
    mine = figures(response, "my-leads")
    due, new = mine["Need follow-up today"], mine["New since yesterday"]
    assert due.value == 2
    assert listed(client, due.url) == {"Overdue", "Tonight"}
    assert new.value == 2
    assert listed(client, new.url) == {"Tonight", "Tomorrow"}
    rows = [row.label for row in panel(response, "my-leads").rows]
    assert [r.split()[0] for r in rows] == ["Overdue", "Tonight"]  # the most overdue first
    body = response.content.decode()
    assert "next follow-up date is today or earlier" in body  # the page says how it counts
    assert f'href="{due.url.replace("&", "&amp;")}"' in body


def test_an_agent_sees_no_team_figures(login, agent_a, agents_leads):
    response = login(agent_a).get("/")
    assert response.context["team"] == []
    assert "Your team" not in response.content.decode()
    assert "Open leads by status" not in response.content.decode()


def test_a_manager_sees_open_leads_by_status_with_a_chart(login, manager_a, agents_leads):
    client = login(manager_a)
    response = client.get("/")
    team = figures(response, "team-leads")
    assert team["New"].value == 5  # Overdue, Tonight, Tomorrow, Before, Theirs (not Archived)
    assert team["Contacted"].value == 1
    assert "Won" not in team and "Lost" not in team  # open leads only
    for label in ("New", "Contacted", "Qualified"):
        assert len(listed(client, team[label].url)) == team[label].value, label
    body = response.content.decode()
    assert "Your team" in body
    assert 'aria-label="Open leads by status: bar chart"' in body
    assert body.count('class="bar generated"') == len(team)


def test_the_follow_up_day_is_the_tenants(login, tenant_a, agent_a):
    """Today in Tokyo ends at 15:00 UTC: a follow-up at 14:00 UTC is due today there, one at
    16:00 UTC (01:00 tomorrow there) is not, though both are today in UTC."""
    tenant_a.timezone = "Asia/Tokyo"
    tenant_a.save()
    me = agent_a.user
    LeadFactory(
        tenant=tenant_a,
        first_name="Early",
        assigned_to=me,
        next_follow_up_date=NOW.replace(hour=14),
    )
    LeadFactory(
        tenant=tenant_a,
        first_name="Later",
        assigned_to=me,
        next_follow_up_date=NOW.replace(hour=16),
    )
    client = login(agent_a)
    due = figures(client.get("/"), "my-leads")["Need follow-up today"]
    assert (due.value, listed(client, due.url)) == (1, {"Early"})


def test_my_tasks_panel_counts_overdue_and_today_and_links_to_those_groups(
    login, tenant_a, manager_a, agent_a, agent_a2
):
    customer = CustomerFactory(tenant=tenant_a, first_name="Ada")
    today = NOW.date()
    for text, due, who in (
        ("Send the quote", today - timedelta(days=2), agent_a),
        ("Call back", today, agent_a),
        ("Plan the visit", today + timedelta(days=3), agent_a),
        ("Someone else's", today, agent_a2),
    ):
        note_create(
            tenant=tenant_a,
            by=manager_a,
            data={
                "customer": customer,
                "note": text,
                "is_task": True,
                "due_date": due,
                "assigned_to": who.user,
            },
        )
    client = login(agent_a)
    response = client.get("/")
    mine = figures(response, "my-tasks")
    assert (mine["Overdue"].value, mine["Due today"].value) == (1, 1)
    assert mine["Overdue"].url == reverse("crm:task-list") + "#tasks-overdue"
    assert [row.label for row in panel(response, "my-tasks").rows] == [
        "Send the quote",
        "Call back",
    ]
    tasks_page = client.get(reverse("crm:task-list")).content.decode()
    assert 'id="tasks-overdue"' in tasks_page and 'id="tasks-today"' in tasks_page
