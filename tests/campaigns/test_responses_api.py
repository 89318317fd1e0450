"""campaign-responses/: read-only, filtered, machine opens only when asked, foreign filters a
400, another tenant's response a 404, and agents without another agent's lead's responses."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import CampaignResponse
from campaigns.services.launch import campaign_launch
from campaigns.services.sending import send_campaign
from campaigns.services.tracking import record_click, record_conversion, record_open
from tenancy.actors import OPERATOR
from tests.factories import LeadFactory

URL = "/api/v1/campaign-responses/"
AGENT = "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko)"


@pytest.fixture
def world(email_campaign, settings, agent_a, agent_a2):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    campaign_launch(by=OPERATOR, campaign=email_campaign)
    send_campaign(campaign_id=email_campaign.pk)
    executions = email_campaign.executions.exclude(sent_at=None).select_related("customer")
    start = timezone.now() - timedelta(days=2)
    executions.update(sent_at=start)
    ada = executions.get(customer__first_name="Ada")
    bob = executions.get(customer__first_name="Bob")
    ada.refresh_from_db()
    bob.refresh_from_db()
    w = {"campaign": email_campaign, "start": start}
    record_open(execution=ada, now=start + timedelta(hours=1), user_agent=AGENT)
    w["machine"] = (
        record_open(execution=bob, now=start + timedelta(seconds=2), user_agent=AGENT) or None
    )
    record_click(
        execution=ada, url="https://shop.example/offer?x=1&y=2", now=start + timedelta(hours=2)
    )
    mine = LeadFactory(tenant=email_campaign.tenant, assigned_to=agent_a.user)
    theirs = LeadFactory(tenant=email_campaign.tenant, assigned_to=agent_a2.user)
    w["mine"] = record_conversion(
        campaign=email_campaign, value=Decimal("40"), customer=ada.customer, lead=mine,
        occurred_at=start + timedelta(days=1), by=OPERATOR,
    )  # fmt: skip
    w["theirs"] = record_conversion(
        campaign=email_campaign, value=Decimal("60"), customer=bob.customer, lead=theirs,
        occurred_at=start + timedelta(days=1, hours=1), by=OPERATOR,
    )  # fmt: skip
    w.update(ada=ada, bob=bob, lead_mine=mine, lead_theirs=theirs)
    return w


def kinds(response):
    assert response.status_code == 200, response.content
    return sorted(row["kind"] for row in response.json()["results"])


def test_lists_newest_first_without_machine_opens(api, manager_a, world):
    body = api(manager_a).get(URL).json()
    assert [r["kind"] for r in body["results"]] == ["conversion", "conversion", "click", "open"]
    row = body["results"][1]
    assert row["value"] == 40.0 and row["lead"] == world["lead_mine"].pk
    assert set(row) == {
        "id", "campaign", "execution", "channel", "customer", "lead", "kind", "url", "value",
        "occurred_at", "is_machine_open",
    }  # fmt: skip
    assert body["results"][2]["url"] == "https://shop.example/offer?x=1&y=2"
    assert body["results"][2]["channel"] == "EMAIL"


def test_include_machine_opens(api, manager_a, world):
    client = api(manager_a)
    rows = client.get(URL, {"include_machine_opens": "true", "kind": "open"}).json()["results"]
    assert sorted(r["is_machine_open"] for r in rows) == [False, True]
    assert kinds(client.get(URL, {"include_machine_opens": "false", "kind": "open"})) == ["open"]
    machine = CampaignResponse.objects.get(is_machine_open=True)
    assert client.get(f"{URL}{machine.pk}/").json()["is_machine_open"] is True
    assert client.get(URL, {"include_machine_opens": "perhaps"}).status_code == 400


def test_filters(api, manager_a, world, customers):
    client = api(manager_a)
    start = world["start"]
    assert kinds(client.get(URL, {"kind": "click"})) == ["click"]
    assert kinds(client.get(URL, {"kind": ["click", "open"]})) == ["click", "open"]
    assert kinds(client.get(URL, {"campaign": world["campaign"].pk})) == [
        "click", "conversion", "conversion", "open",
    ]  # fmt: skip
    assert kinds(client.get(URL, {"customer": world["bob"].customer_id})) == ["conversion"]
    assert kinds(client.get(URL, {"lead": world["lead_theirs"].pk})) == ["conversion"]
    assert kinds(client.get(URL, {"channel": "EMAIL"})) == [
        "click", "conversion", "conversion", "open",
    ]  # fmt: skip
    after = (start + timedelta(hours=1, minutes=30)).isoformat()
    before = (start + timedelta(days=1, minutes=30)).isoformat()
    assert kinds(client.get(URL, {"occurred_after": after, "occurred_before": before})) == [
        "click", "conversion",
    ]  # fmt: skip
    for bad in ({"kind": "sneeze"}, {"occurred_after": "yesterday"}, {"campaign": "x"}):
        response = client.get(URL, bad)
        assert response.status_code == 400 and set(bad) <= set(response.json()), bad


def test_another_tenants_objects_are_refused(api, manager_a, world, foreign):
    client = api(manager_a)
    for param, value in (
        ("campaign", foreign.campaign.pk),
        ("channel", foreign.campaign_channel.channel_code),
        ("customer", foreign.execution.customer_id),
    ):
        response = client.get(URL, {param: value})
        assert response.status_code == 400 and param in response.json()
    theirs = CampaignResponse.objects.create(
        tenant=foreign.campaign.tenant,
        campaign=foreign.campaign,
        execution=foreign.execution,
        kind="open",
        occurred_at=timezone.now(),
    )
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert theirs.pk not in [r["id"] for r in client.get(URL).json()["results"]]


def test_agents_do_not_see_another_agents_leads_responses(api, agent_a, world):
    client = api(agent_a)
    rows = client.get(URL).json()["results"]
    assert [r["kind"] for r in rows] == ["conversion", "click", "open"]
    assert rows[0]["lead"] == world["lead_mine"].pk
    assert client.get(f"{URL}{world['theirs'].pk}/").status_code == 404
    assert client.get(f"{URL}{world['mine'].pk}/").status_code == 200
    refused = client.get(URL, {"lead": world["lead_theirs"].pk})
    assert refused.status_code == 400 and "lead" in refused.json()


def test_read_only(api, manager_a, world):
    client = api(manager_a)
    assert client.post(URL, {"kind": "open"}, format="json").status_code == 405
    response = client.delete(f"{URL}{world['mine'].pk}/")
    assert response.status_code == 405
