"""A reply to a campaign message (reported by the channel's provider) and a conversion are
interactions of the customer's: crm's customer_record_interaction counts them, moves the last
contact and the score. Opens, clicks and deliveries are not contacts and do not count."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from campaigns.models import CampaignResponse
from campaigns.services.launch import campaign_launch
from campaigns.services.sending import send_campaign
from campaigns.services.tracking import record_click, record_conversion, record_provider_reports
from crm.models import Customer, LeadStatus
from crm.services.leads import lead_update
from tenancy.actors import OPERATOR
from tests.campaigns.conftest import channel
from tests.factories import LeadFactory


@pytest.fixture
def sent(email_campaign, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    campaign_launch(by=OPERATOR, campaign=email_campaign)
    send_campaign(campaign_id=email_campaign.pk)
    return email_campaign.executions.get(customer__first_name="Ada")


def interactions(customer):
    row = Customer.objects.get(pk=customer.pk)
    return row.total_interactions, row.last_contacted_at


def test_a_reported_reply_counts_and_is_kept(sent, tenant_a):
    report = [{"reference": str(sent.idempotency_key), "status": "replied"}]
    assert record_provider_reports(channel=channel(tenant_a, "EMAIL"), events=report) == 1
    count, contacted = interactions(sent.customer)
    assert count == 1 and contacted is not None
    assert CampaignResponse.objects.filter(execution=sent, kind="reply").count() == 1
    record_click(execution=sent, url="https://shop.example/offer?x=1&y=2")
    report = [{"reference": str(sent.idempotency_key), "status": "delivered"}]
    record_provider_reports(channel=channel(tenant_a, "EMAIL"), events=report)
    assert interactions(sent.customer)[0] == 1  # a click and a delivery are not contacts


def test_a_conversion_counts_at_its_time(sent, manager_a):
    at = datetime(2025, 6, 1, 12, tzinfo=UTC)
    record_conversion(
        campaign=sent.campaign,
        value=Decimal("40"),
        customer=sent.customer,
        occurred_at=at,
        by=manager_a,
    )
    assert interactions(sent.customer) == (1, at)


def test_a_won_lead_converts_once_and_counts_once(
    email_campaign, customers, manager_a, tenant_a, django_capture_on_commit_callbacks
):
    ada = customers[0]
    lead = LeadFactory(tenant=tenant_a, customer=ada, campaign=email_campaign)
    for _ in range(2):  # saved as WON twice: one conversion
        with django_capture_on_commit_callbacks(execute=True):
            lead_update(lead=lead, by=manager_a, data={"status": LeadStatus.WON})
    assert CampaignResponse.objects.filter(lead=lead, kind="conversion").count() == 1
    assert interactions(ada)[0] == 1
