"""The tracking path emits `campaign_opened` and `campaign_clicked` (tenancy.events) in the same
transaction as the open or click: once per execution (an open) and per execution and link (a
click), for the execution's customer. A machine open emits nothing (its rule: the module
docstring of campaigns.services.tracking); the customer's own open that follows still does.
A rolled-back open emits nothing."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from campaigns.links import make_token
from campaigns.models import CampaignExecution
from campaigns.services.launch import campaign_launch
from campaigns.services.sending import send_campaign
from campaigns.services.tracking import record_open
from tenancy.actors import OPERATOR
from tenancy.models import OutboxEvent

pytestmark = pytest.mark.django_db

READER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.0"
TARGET = "https://shop.example/offer?x=1&y=2"


@pytest.fixture
def sent(email_campaign, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    campaign_launch(by=OPERATOR, campaign=email_campaign)
    send_campaign(campaign_id=email_campaign.pk)
    execution = email_campaign.executions.get(customer__first_name="Ada")
    # Sent a minute ago: an open now is a person's, not a prefetch's.
    CampaignExecution.objects.filter(pk=execution.pk).update(
        sent_at=timezone.now() - timedelta(minutes=1)
    )
    execution.refresh_from_db()
    return execution


def url(kind, execution, target=None):
    token = make_token(kind, execution.tenant_id, execution.pk, target)
    return reverse(f"campaigns-tracking:{kind}", args=[token])


def events(tenant, event_type):
    return list(
        OutboxEvent.objects.filter(tenant=tenant, event_type=event_type)
        .order_by("pk")
        .values("customer_id", "data", "event_id")
    )


def expected_data(execution):
    return {
        "campaign": execution.campaign_id,
        "execution": execution.pk,
        "channel": execution.channel.channel_code,
    }


def test_an_open_emits_once_however_often_the_pixel_loads(client, sent):
    client.get(url("open", sent), HTTP_USER_AGENT=READER)
    client.get(url("open", sent), HTTP_USER_AGENT=READER)
    assert events(sent.tenant, "campaign_opened") == [
        {
            "customer_id": sent.customer_id,
            "data": expected_data(sent),
            "event_id": f"campaign_opened:{sent.pk}",
        }
    ]


def test_a_click_emits_clicked_per_link_and_counts_as_the_open(client, sent):
    assert client.get(url("click", sent, TARGET)).status_code == 302
    client.get(url("click", sent, TARGET))
    [clicked] = events(sent.tenant, "campaign_clicked")
    assert clicked["customer_id"] == sent.customer_id
    assert clicked["data"] == {**expected_data(sent), "url": TARGET}
    assert clicked["event_id"].startswith(f"campaign_clicked:{sent.pk}:")
    # The image-blocking reader who clicked did open it; a later pixel load is the same open.
    client.get(url("open", sent), HTTP_USER_AGENT=READER)
    assert len(events(sent.tenant, "campaign_opened")) == 1


def test_a_machine_open_emits_nothing_and_the_readers_open_still_does(client, sent):
    # Apple's proxy prefetching the images: flagged, no event.
    client.get(url("open", sent), HTTP_USER_AGENT="Mozilla/5.0", REMOTE_ADDR="17.58.1.2")
    assert events(sent.tenant, "campaign_opened") == []
    client.get(url("open", sent), HTTP_USER_AGENT=READER)
    assert len(events(sent.tenant, "campaign_opened")) == 1


def test_an_open_within_seconds_of_sending_emits_nothing(client, sent):
    CampaignExecution.objects.filter(pk=sent.pk).update(sent_at=timezone.now())
    client.get(url("open", sent), HTTP_USER_AGENT=READER)
    assert events(sent.tenant, "campaign_opened") == []


def test_a_rolled_back_open_emits_nothing(sent):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        record_open(execution=sent, user_agent=READER)
        assert len(events(sent.tenant, "campaign_opened")) == 1
        raise Undo
    assert events(sent.tenant, "campaign_opened") == []


def test_a_forged_token_of_another_tenant_emits_nothing(client, sent, tenant_b):
    token = make_token("open", tenant_b.pk, sent.pk)
    response = client.get(reverse("campaigns-tracking:open", args=[token]), HTTP_USER_AGENT=READER)
    assert response.status_code == 404
    assert not OutboxEvent.objects.filter(event_type="campaign_opened").exists()
