"""leads/ and who may see what: an agent sees, changes and takes only their own and unassigned
leads and cannot assign; the members list is for managers and admins."""

import pytest

from tests.crm.leads import URL, detail
from tests.factories import LeadFactory


@pytest.fixture
def agents_world(tenant_a, agent_a, agent_a2):
    return {
        "mine": LeadFactory(tenant=tenant_a, assigned_to=agent_a.user),
        "theirs": LeadFactory(tenant=tenant_a, assigned_to=agent_a2.user),
        "open": LeadFactory(tenant=tenant_a),
    }


def test_agent_sees_own_and_unassigned_leads_only(api, agent_a, agents_world):
    client = api(agent_a)
    ids = {row["id"] for row in client.get(URL).json()["results"]}
    assert ids == {agents_world["mine"].pk, agents_world["open"].pk}
    assert client.get(f"{URL}statistics/").json()["total_leads"] == 2


def test_agent_cannot_see_or_change_another_agents_lead(api, agent_a, agents_world):
    client = api(agent_a)
    theirs = agents_world["theirs"]
    assert client.get(detail(theirs)).status_code == 404
    assert client.patch(detail(theirs), {"status": "LOST"}, format="json").status_code == 404
    assert client.delete(detail(theirs)).status_code == 404
    assert client.post(f"{detail(theirs)}archive/").status_code == 404
    assert client.get(f"{detail(theirs)}activities/").status_code == 404
    response = client.post(
        f"{URL}bulk-status/", {"lead_ids": [theirs.pk], "status": "LOST"}, format="json"
    )
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert theirs.status == "NEW" and theirs.archived_at is None


def test_agent_cannot_assign(api, agent_a, agent_a2, agents_world):
    client = api(agent_a)
    response = client.post(
        f"{URL}assign/",
        {"lead_ids": [agents_world["open"].pk], "agent_id": agent_a.user_id},
        format="json",
    )
    assert response.status_code == 403
    response = client.patch(
        detail(agents_world["mine"]), {"assigned_to": agent_a2.user_id}, format="json"
    )
    assert response.status_code == 400 and "assigned_to" in response.json()
    response = client.post(
        URL, {"first_name": "A", "email": "a@b.io", "assigned_to": agent_a2.user_id}, format="json"
    )
    assert response.status_code == 400
    agents_world["mine"].refresh_from_db()
    assert agents_world["mine"].assigned_to_id == agent_a.user_id


def test_agent_may_take_an_unassigned_lead(api, agent_a, agents_world):
    response = api(agent_a).patch(
        detail(agents_world["open"]), {"assigned_to": agent_a.user_id}, format="json"
    )
    assert response.status_code == 200


def test_members_list_is_for_managers_and_admins(api, agent_a, manager_a):
    assert api(agent_a).get("/api/v1/members/").status_code == 403
    rows = api(manager_a).get("/api/v1/members/").json()["results"]
    assert {r["username"] for r in rows} == {"alpha-agent", "alpha-manager"}
