"""callbacks' panels on the home page: the member's callbacks waiting (and past their SLA), the
team's open callbacks and SLA breaches for managers; each figure links to the queue narrowed to
exactly the callbacks it counts."""

from datetime import timedelta

import pytest

from callbacks.models import CallbackStatus
from tests.callbacks.conftest import NOW
from tests.callbacks.factories import CallbackRequestFactory


@pytest.fixture
def callbacks(clock, tenant_a, agent_a, agent_a2):
    me, other = agent_a.user, agent_a2.user
    late = NOW - timedelta(hours=1)
    make = CallbackRequestFactory
    make(tenant=tenant_a, assigned_to=me, status=CallbackStatus.SCHEDULED, lead__first_name="Mine")
    make(tenant=tenant_a, assigned_to=me, sla_due_at=late, lead__first_name="Late")
    make(tenant=tenant_a, assigned_to=me, status=CallbackStatus.COMPLETED, lead__first_name="Done")
    make(tenant=tenant_a, assigned_to=other, sla_due_at=late, lead__first_name="Theirs")
    make(tenant=tenant_a, lead__first_name="Pool")


def figures(response, key):
    items = response.context["mine"] + response.context["team"]
    panel = next(item["panel"] for item in items if item["panel"].key == key)
    return {figure.label: figure for figure in panel.figures}


def queued(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return {c.lead.first_name for c in response.context["page_obj"].paginator.object_list}


def test_my_callbacks_count_the_open_ones_assigned_to_me(client, agent_a, callbacks):
    client.force_login(agent_a.user)
    response = client.get("/")
    mine = figures(response, "my-callbacks")
    assert mine["Waiting for me"].value == 2
    assert queued(client, mine["Waiting for me"].url) == {"Mine", "Late"}
    assert mine["Past their SLA"].value == 1
    assert queued(client, mine["Past their SLA"].url) == {"Late"}
    assert response.context["team"] == []
    narrowed = client.get(mine["Past their SLA"].url).content.decode()
    assert "Only callbacks assigned to you that are past their SLA due time" in narrowed


def test_a_manager_sees_the_teams_open_callbacks_and_breaches(client, manager_a, callbacks):
    client.force_login(manager_a.user)
    team = figures(client.get("/"), "team-callbacks")
    assert team["Open"].value == 4
    assert queued(client, team["Open"].url) == {"Mine", "Late", "Theirs", "Pool"}
    assert team["SLA breaches"].value == 2
    assert queued(client, team["SLA breaches"].url) == {"Late", "Theirs"}
