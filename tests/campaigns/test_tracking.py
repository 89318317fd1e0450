"""Tracking links and reports: open pixel, click redirects only to the content's URLs, signed
unsubscribe honoured by later sends, provider webhooks signed with the channel's secret, and
tracking links of one tenant that never reach another's executions."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.links import LinkBuilder, make_token, read_token
from campaigns.models import (
    CampaignExecution,
    CampaignResponse,
    ExecutionStatus,
    SkipReason,
    Unsubscribe,
)
from campaigns.services.campaigns import campaign_create
from campaigns.services.launch import campaign_launch
from campaigns.services.sending import send_campaign
from campaigns.services.tracking import signature
from tenancy.actors import OPERATOR
from tests.campaigns.conftest import channel, make_customers


@pytest.fixture
def sent(email_campaign, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    campaign_launch(by=OPERATOR, campaign=email_campaign)
    send_campaign(campaign_id=email_campaign.pk)
    return email_campaign.executions.get(customer__first_name="Ada")


def url(kind, execution, target=None, tenant_id=None):
    token = make_token(kind, tenant_id or execution.tenant_id, execution.pk, target)
    return reverse(f"campaigns-tracking:{kind}", args=[token])


READER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.0"


def test_open_pixel_stamps_the_first_open(client, sent):
    # Read a minute after sending, in a mail client (sooner, or without a user agent, it would
    # be a machine open: tests/campaigns/test_machine_opens.py).
    CampaignExecution.objects.filter(pk=sent.pk).update(
        sent_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(url("open", sent), HTTP_USER_AGENT=READER)
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    client.get(url("open", sent), HTTP_USER_AGENT=READER)
    sent.refresh_from_db()
    assert sent.opened_at is not None
    opens = CampaignResponse.objects.filter(execution=sent, kind="open")
    assert opens.count() == 2
    assert not opens.filter(is_machine_open=True).exists()
    assert set(opens.values_list("user_agent", flat=True)) == {READER}


def test_click_redirects_to_a_url_of_the_content(client, sent):
    target = "https://shop.example/offer?x=1&y=2"
    response = client.get(url("click", sent, target))
    assert response.status_code == 302 and response["Location"] == target
    sent.refresh_from_db()
    assert sent.clicked_at and sent.opened_at  # a click counts as an open


def test_click_refuses_a_foreign_url_even_when_signed(client, sent):
    response = client.get(url("click", sent, "https://evil.example/phish"))
    assert response.status_code == 404
    sent.refresh_from_db()
    assert sent.clicked_at is None


def test_tampered_and_cross_tenant_tokens_are_404(client, sent, tenant_b):
    token = make_token("open", sent.tenant_id, sent.pk)
    assert (
        client.get(reverse("campaigns-tracking:open", args=[token[:-2] + "xx"])).status_code == 404
    )
    # A genuine signature naming another tenant never finds this tenant's execution.
    assert client.get(url("open", sent, tenant_id=tenant_b.pk)).status_code == 404
    # A token of another kind is not accepted.
    assert client.get(reverse("campaigns-tracking:click", args=[token])).status_code == 404
    sent.refresh_from_db()
    assert sent.opened_at is None


def test_unsubscribe_is_honoured_by_later_sends_on_that_channel(
    client, sent, tenant_a, customers, settings
):
    page = client.get(url("unsubscribe", sent))
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert not Unsubscribe.objects.exists()  # a GET (mail scanners) changes nothing
    assert client.post(url("unsubscribe", sent)).status_code == 200
    assert Unsubscribe.objects.filter(customer=sent.customer, channel=sent.channel).count() == 1

    email = channel(tenant_a, "EMAIL")
    later = campaign_create(
        by=OPERATOR,
        tenant=tenant_a,
        data={"name": "Later", "budget": 1},
        channels=[email],
        contents=[{"channel": email, "subject": "Again", "body": "<p>Again</p>"}],
    )
    campaign_launch(by=OPERATOR, campaign=later)
    send_campaign(campaign_id=later.pk)
    ada = later.executions.get(customer=sent.customer)
    assert (ada.status, ada.skip_reason) == (ExecutionStatus.SKIPPED, SkipReason.UNSUBSCRIBED)
    assert later.executions.get(customer__first_name="Bob").status == ExecutionStatus.SENT


def report(client, tenant, code, body, secret):
    raw = json.dumps(body).encode()
    return client.post(
        reverse("campaigns-tracking:webhook", args=[tenant.slug, code]),
        raw,
        content_type="application/json",
        HTTP_X_ATRIUM_SIGNATURE=signature(secret, raw),
    )


def test_provider_reports_need_the_channels_secret(
    client, tenant_a, customers, sms_channel, http_provider, django_capture_on_commit_callbacks
):
    campaign = campaign_create(
        by=OPERATOR,
        tenant=tenant_a,
        data={"name": "SMS", "budget": 1},
        channels=[sms_channel],
        contents=[{"channel": sms_channel, "body": "Hi"}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        campaign_launch(by=OPERATOR, campaign=campaign)
    ada, bob = (campaign.executions.get(customer__first_name=n) for n in ("Ada", "Bob"))
    events = {
        "events": [
            {"reference": str(ada.idempotency_key), "status": "delivered"},
            {"reference": str(bob.idempotency_key), "status": "bounced"},
        ]
    }
    assert report(client, tenant_a, "SMS", events, "wrong-secret").status_code == 403
    ada.refresh_from_db()
    assert ada.status == ExecutionStatus.SENT

    response = report(client, tenant_a, "SMS", events, "whsec-shared")
    assert response.status_code == 200 and response.json() == {"applied": 2}
    ada.refresh_from_db()
    bob.refresh_from_db()
    assert (ada.status, bob.status) == (ExecutionStatus.DELIVERED, ExecutionStatus.BOUNCED)
    assert report(client, tenant_a, "SMS", {"status": "nope"}, "whsec-shared").status_code == 400


def test_reports_for_another_tenants_channel_or_execution_change_nothing(
    client, tenant_a, tenant_b, sent
):
    events = {"events": [{"reference": str(sent.idempotency_key), "status": "bounced"}]}
    assert report(client, tenant_b, "SMS", events, "x").status_code == 404
    beta_email = channel(tenant_b, "EMAIL")
    beta_email.webhook_secret = "beta-secret"
    beta_email.save()
    response = report(client, tenant_b, "EMAIL", events, "beta-secret")
    assert response.json() == {"applied": 0}
    sent.refresh_from_db()
    assert sent.status == ExecutionStatus.SENT


def test_tracking_a_customer_of_another_tenant_is_impossible(client, tenant_b, sent):
    make_customers(tenant_b, [{"first_name": "Zed", "email": "zed@b.example"}])
    for kind in ("open", "unsubscribe"):
        assert client.get(url(kind, sent, tenant_id=tenant_b.pk)).status_code == 404


@pytest.mark.parametrize("kind", ["open", "click", "unsubscribe"])
def test_the_batch_signs_the_tokens_the_signer_makes(kind, settings):
    """The sender's tokens (a keyed HMAC copied per token) are Signer's own, and verify."""
    builder = LinkBuilder()
    for execution_id, target in [(1, None), (987654, "https://shop.example/ünï?a=1&b=2")]:
        token = builder.token(kind, 7, execution_id, target)
        assert token == make_token(kind, 7, execution_id, target)
        assert read_token(kind, token) == (7, execution_id, target)
        assert f"/{token}/" in builder.url(kind, 7, execution_id, target)
    settings.SECRET_KEY = "another secret, another key: the builder reads it when made"
    assert LinkBuilder().token(kind, 7, 1) == make_token(kind, 7, 1) != builder.token(kind, 7, 1)
