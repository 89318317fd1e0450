"""campaign-triggers/: CRUD with field messages, roles (agents read), run counts and the run
log with its outcome filter, and another tenant's trigger or campaign a 404/400."""

import pytest

from campaigns.models import CampaignTrigger
from tenancy.events import emit
from tests.campaigns.triggers import drain_outbox, running_campaign

pytestmark = pytest.mark.django_db
URL = "/api/v1/campaign-triggers/"


@pytest.fixture
def campaign(tenant_a, customers):
    return running_campaign(tenant_a)


def body(campaign, **extra):
    return {
        "name": "Big buyers",
        "campaign": campaign.pk,
        "event_type": "purchase",
        "conditions": {"field": "event.amount", "op": "gte", "value": 100},
        "actions": [{"type": "add_tag", "tag": "Big"}],
        **extra,
    }


def test_create_read_update_delete(api, manager_a, campaign):
    client = api(manager_a)
    created = client.post(URL, body(campaign, max_per_customer=1), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["actions"] == [{"type": "add_tag", "tag": "big"}]
    assert (data["runs_fired"], data["runs_skipped"], data["delay_minutes"]) == (0, 0, 0)
    url = f"{URL}{data['id']}/"
    changed = client.patch(url, {"delay_minutes": 15, "is_active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["delay_minutes"] == 15
    assert client.get(URL).json()["count"] == 1
    assert client.delete(url).status_code == 204
    assert not CampaignTrigger.objects.exists()


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"conditions": {"field": "event.amount", "op": "between", "value": 1}}, "conditions"),
        ({"conditions": {"field": "event.amount", "op": "gt", "value": "lots"}}, "conditions"),
        ({"conditions": {"field": "nickname", "op": "eq", "value": "x"}}, "conditions"),
        ({"conditions": {"field": "event.a b", "op": "eq", "value": "x"}}, "conditions"),
        ({"actions": []}, "actions"),
        ({"actions": [{"type": "explode"}]}, "actions"),
        ({"actions": [{"type": "set_field", "field": "nope", "value": 1}]}, "actions"),
        ({"actions": [{"type": "assign_lead", "agent": 999999}]}, "actions"),
        ({"actions": [{"type": "request_callback", "reason": "whim"}]}, "actions"),
        ({"event_type": "Not A Slug!"}, "event_type"),
        ({"delay_minutes": -1}, "delay_minutes"),
        ({"max_per_customer": 0}, "max_per_customer"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, manager_a, campaign, extra, field):
    answer = api(manager_a).post(URL, body(campaign, **extra), format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    assert not CampaignTrigger.objects.exists()


def test_agents_read_but_do_not_write(api, manager_a, agent_a, campaign):
    made = api(manager_a).post(URL, body(campaign), format="json").json()
    agent = api(agent_a)
    assert agent.get(f"{URL}{made['id']}/").status_code == 200
    assert agent.post(URL, body(campaign), format="json").status_code == 403
    assert agent.delete(f"{URL}{made['id']}/").status_code == 403


def test_runs_log_with_outcome_filter(api, tenant_a, manager_a, campaign, customers):
    made = api(manager_a).post(URL, body(campaign), format="json").json()
    ada, bob = customers[0], customers[1]
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk, data={"amount": 120})
    emit(tenant=tenant_a, event_type="purchase", customer_id=bob.pk, data={"amount": 3})
    drain_outbox()
    client = api(manager_a)
    runs = client.get(f"{URL}{made['id']}/runs/").json()
    assert runs["count"] == 2
    fired = client.get(f"{URL}{made['id']}/runs/?outcome=fired").json()["results"]
    assert [r["customer"] for r in fired] == [ada.pk]
    skipped = client.get(f"{URL}{made['id']}/runs/?outcome=skipped").json()["results"]
    assert skipped[0]["reason_text"] == "The condition did not match"
    assert client.get(f"{URL}{made['id']}/runs/?outcome=nonsense").status_code == 400
    counted = client.get(f"{URL}{made['id']}/").json()
    assert (counted["runs_fired"], counted["runs_skipped"]) == (1, 1)


def test_another_tenants_trigger_and_campaign(api, manager_a, campaign, foreign):
    client = api(manager_a)
    assert client.get(f"{URL}{foreign.campaign_trigger.pk}/").status_code == 404
    assert client.get(f"{URL}{foreign.campaign_trigger.pk}/runs/").status_code == 404
    answer = client.post(URL, body(foreign.campaign), format="json")
    assert answer.status_code == 400 and "campaign" in answer.json()
    assert client.get(URL).json()["count"] == 0
