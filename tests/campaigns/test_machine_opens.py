"""Machine opens (docs/metrics.md, "Machine opens"): flagged when recorded by the time rule and
the proxy rule, left out of the open rate and the customer's activity unless asked for, counted
as left out; and the migration's backfill of opens recorded before the rule."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from campaigns.links import make_token
from campaigns.models import CampaignExecution, CampaignResponse
from campaigns.selectors.analytics import campaign_analytics
from campaigns.services.launch import campaign_launch
from campaigns.services.sending import send_campaign
from campaigns.services.tracking import record_click, record_open
from crm.conditions import compile_condition
from crm.models import Customer
from tenancy.actors import OPERATOR

THUNDERBIRD = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.0"
GMAIL = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"


@pytest.fixture
def sent(email_campaign, settings):
    """Ada's and Bob's messages, sent an hour ago."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    campaign_launch(by=OPERATOR, campaign=email_campaign)
    send_campaign(campaign_id=email_campaign.pk)
    executions = email_campaign.executions.exclude(sent_at=None)
    executions.update(sent_at=timezone.now() - timedelta(hours=1))
    return {e.customer.first_name: e for e in executions.select_related("customer")}


def pixel(client, execution, agent=THUNDERBIRD, address="203.0.113.9"):
    token = make_token("open", execution.tenant_id, execution.pk)
    return client.get(
        reverse("campaigns-tracking:open", args=[token]),
        HTTP_USER_AGENT=agent,
        REMOTE_ADDR=address,
    )


def last_open(execution):
    return CampaignResponse.objects.filter(execution=execution, kind="open").latest("id")


def test_a_reader_an_hour_later_is_a_real_open(client, sent):
    ada = sent["Ada"]
    assert pixel(client, ada).status_code == 200
    ada.refresh_from_db()
    assert ada.opened_at is not None and ada.machine_opened_at is None
    assert last_open(ada).is_machine_open is False
    assert last_open(ada).user_agent == THUNDERBIRD


def test_time_rule_an_open_within_ten_seconds_of_sending(client, sent):
    ada = sent["Ada"]
    CampaignExecution.objects.filter(pk=ada.pk).update(
        sent_at=timezone.now() - timedelta(seconds=3)
    )
    pixel(client, ada)  # a mail client's user agent, but three seconds after sending
    ada.refresh_from_db()
    assert last_open(ada).is_machine_open is True
    assert ada.opened_at is None and ada.machine_opened_at is not None


def test_time_rule_at_the_boundary():
    from campaigns.machine_opens import too_soon

    sent_at = timezone.now()
    assert too_soon(sent_at, sent_at + timedelta(seconds=9.999))
    assert not too_soon(sent_at, sent_at + timedelta(seconds=10))
    assert not too_soon(None, sent_at)


@pytest.mark.parametrize(
    "agent, address",
    [
        ("Mozilla/5.0", "203.0.113.9"),  # Apple Mail Privacy Protection's bare agent
        (THUNDERBIRD, "17.58.101.3"),  # from Apple's network
        ("", "203.0.113.9"),  # no user agent at all
        ("Mozilla/5.0 (compatible; Barracuda Sentinel)", "203.0.113.9"),
        ("Mimecast-URL-Protect/1.0", "203.0.113.9"),
        ("python-requests/2.32.3", "203.0.113.9"),
    ],
)
def test_proxy_rule(client, sent, agent, address):
    bob = sent["Bob"]
    pixel(client, bob, agent=agent, address=address)
    bob.refresh_from_db()
    assert last_open(bob).is_machine_open is True
    assert bob.opened_at is None


def test_gmail_image_proxy_is_the_reader(client, sent):
    bob = sent["Bob"]
    pixel(client, bob, agent=GMAIL, address="66.249.84.1")
    bob.refresh_from_db()
    assert last_open(bob).is_machine_open is False
    assert bob.opened_at is not None


def test_open_rate_leaves_machine_opens_out_and_says_how_many(client, sent, email_campaign):
    pixel(client, sent["Ada"])  # a reader
    pixel(client, sent["Bob"], agent="Mozilla/5.0")  # Apple's prefetch
    figures = campaign_analytics(campaign=email_campaign)
    # Ada and Bob delivered; only Ada opened: 1 / 2 = 50 %.
    assert figures["delivered"] == 2
    assert figures["opened"] == 1
    assert figures["open_rate"] == 50.0
    assert figures["machine_opened"] == 1
    assert figures["machine_opens_left_out"] == 1
    assert figures["machine_opens_included"] is False
    email = figures["channels"][0]
    assert (email["opened"], email["open_rate"], email["machine_opens_left_out"]) == (1, 50.0, 1)
    everything = campaign_analytics(campaign=email_campaign, include_machine_opens=True)
    assert everything["opened"] == 2 and everything["open_rate"] == 100.0
    assert everything["machine_opens_left_out"] == 0


def test_a_click_after_a_machine_open_is_the_reader(client, sent, email_campaign):
    bob = sent["Bob"]
    pixel(client, bob, agent="Mozilla/5.0")
    record_click(execution=bob, url="https://shop.example/offer?x=1&y=2")
    figures = campaign_analytics(campaign=email_campaign)
    assert figures["opened"] == 1 and figures["clicked"] == 1
    assert figures["machine_opens_left_out"] == 0  # opened by a person after all


def test_analytics_api_takes_include_machine_opens(client, api, manager_a, sent, email_campaign):
    pixel(client, sent["Bob"], agent="Mozilla/5.0")
    url = f"/api/v1/campaigns/{email_campaign.pk}/analytics/"
    body = api(manager_a).get(url).json()
    assert (body["opened"], body["machine_opens_left_out"]) == (0, 1)
    body = api(manager_a).get(url, {"include_machine_opens": "true"}).json()
    assert (body["opened"], body["machine_opens_included"]) == (1, True)
    refused = api(manager_a).get(url, {"include_machine_opens": "maybe"})
    assert refused.status_code == 400 and "include_machine_opens" in refused.json()


def test_the_campaign_page_says_how_many_were_left_out(client, sent, email_campaign, as_manager):
    pixel(as_manager, sent["Bob"], agent="Mozilla/5.0")
    page = as_manager.get(reverse("campaigns:campaign-detail", args=[email_campaign.pk]))
    assert "1 message opened only by a mail proxy or security scanner is not counted" in (
        page.content.decode()
    )


def test_a_machine_open_is_no_activity_of_the_customer(client, sent, tenant_a):
    pixel(client, sent["Bob"], agent="Mozilla/5.0")
    pixel(client, sent["Ada"])
    opened = compile_condition(
        {"field": "activity.campaign_opened", "op": "within_last_days", "value": 30},
        tenant=tenant_a,
    )
    names = Customer.objects.for_tenant(tenant_a).filter(opened).values_list("first_name")
    assert [name for (name,) in names] == ["Ada"]


def test_without_a_user_agent_only_the_time_rule_applies(sent):
    ada = sent["Ada"]
    assert record_open(execution=ada) is False  # not fetched over HTTP (the demo's opens)
    assert record_open(execution=ada, now=ada.sent_at + timedelta(seconds=1)) is True


def test_the_migration_flags_past_opens_by_the_time_rule(sent):
    ada, bob = sent["Ada"], sent["Bob"]
    sent_at = ada.sent_at
    # As recorded before the rule: every open stamped opened_at, none flagged.
    rows = [
        (ada, "open", sent_at + timedelta(seconds=2)),  # machine (2 s)
        (ada, "open", sent_at + timedelta(minutes=30)),  # Ada reads it
        (bob, "open", sent_at + timedelta(seconds=1)),  # machine, and nothing else
    ]
    for execution, kind, at in rows:
        CampaignResponse.objects.create(
            tenant=execution.tenant,
            campaign=execution.campaign,
            execution=execution,
            customer=execution.customer,
            kind=kind,
            occurred_at=at,
        )
    CampaignExecution.objects.filter(pk=ada.pk).update(opened_at=sent_at + timedelta(seconds=2))
    CampaignExecution.objects.filter(pk=bob.pk).update(opened_at=sent_at + timedelta(seconds=1))
    migration = importlib.import_module("campaigns.migrations.0006_machine_opens")
    migration.flag_fast_opens(apps, None)
    ada.refresh_from_db()
    bob.refresh_from_db()
    flags = CampaignResponse.objects.filter(execution__in=[ada, bob], kind="open").order_by(
        "occurred_at"
    )
    assert list(flags.values_list("is_machine_open", flat=True)) == [True, True, False]
    assert ada.opened_at == sent_at + timedelta(minutes=30)
    assert ada.machine_opened_at == sent_at + timedelta(seconds=2)
    assert bob.opened_at is None
    assert bob.machine_opened_at == sent_at + timedelta(seconds=1)
