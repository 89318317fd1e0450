"""Each analytic against figures computed by hand (definitions: docs/metrics.md)."""

import math
from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.selectors.analytics import ab_test, z_test
from campaigns.services.campaigns import campaign_update
from campaigns.services.launch import campaign_launch
from campaigns.services.metrics import ad_metric_record
from campaigns.services.sending import send_campaign
from campaigns.services.tracking import record_click, record_provider_reports
from crm.services.leads import lead_create, lead_update
from tenancy.actors import OPERATOR
from tests.campaigns.conftest import channel


@pytest.fixture
def measured(
    tenant_a, email_campaign, manager_a, api, settings, django_capture_on_commit_callbacks
):
    """2 emails sent at 0.50 (Bob's bounces), 2 customers skipped, Ada clicks and converts for
    50 through the API, an attributed lead is won for 30, Facebook reports 1000 impressions,
    20 clicks and 9.00 spend."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email, facebook = channel(tenant_a, "EMAIL"), channel(tenant_a, "FACEBOOK")
    email.cost_per_message = Decimal(0.50)
    email.save()
    campaign_update(by=OPERATOR, campaign=email_campaign, data={}, channels=[email, facebook])
    email_campaign = campaign_launch(by=OPERATOR, campaign=email_campaign)
    send_campaign(campaign_id=email_campaign.pk)
    ada = email_campaign.executions.get(customer__first_name="Ada")
    bob = email_campaign.executions.get(customer__first_name="Bob")
    record_provider_reports(
        channel=email, events=[{"reference": str(bob.idempotency_key), "status": "bounced"}]
    )
    record_click(execution=ada, url="https://shop.example/offer?x=1&y=2")
    response = api(manager_a).post(
        reverse("campaign-conversions", args=[email_campaign.pk]),
        {"customer": ada.customer_id, "value": 50.00},
        format="json",
    )
    assert response.status_code == 201 and response.json()["execution"] == ada.pk
    lead = lead_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "first_name": "Lee",
            "email": "lee@example.org",
            "campaign": email_campaign,
            "estimated_value": 30,
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        lead_update(lead=lead, by=OPERATOR, data={"status": "WON"})
    with django_capture_on_commit_callbacks(execute=True):  # saved as WON again: no second one
        lead_update(lead=lead, by=OPERATOR, data={"notes": "still won"})
    ad_metric_record(
        by=OPERATOR,
        campaign=email_campaign,
        channel=facebook,
        day=email_campaign.launched_at.date(),
        impressions=1000,
        clicks=20,
        spend=Decimal(9.00),
    )
    return email_campaign


def test_campaign_analytics(measured, api, manager_a):
    data = api(manager_a).get(reverse("campaign-analytics", args=[measured.pk])).json()
    expected = {
        "audience": 4,
        "sent": 2,
        "delivered": 1,
        "bounced": 1,
        "failed": 0,
        "skipped": 2,
        "opened": 1,
        "clicked": 1,
        "converted": 2,
        "delivery_rate": 50.0,
        "open_rate": 100.0,
        "click_rate": 100.0,
        "conversion_rate": 200.0,
        "impressions": 1001,
        "clicks": 21,
        "cost": 10.00,
        "messaging_cost": 1.00,
        "ad_spend": 9.00,
        "revenue": 80.00,
        "roi": 700.0,
        "budget": 100.00,
        "budget_used": 10.0,
        "leads": 1,
        "cpl": 10.00,
        "cpm": 9.99,
        "ctr": 2.1,
        "cpc": 0.48,
    }
    assert {key: data[key] for key in expected} == expected
    email, facebook = data["channels"]
    assert (email["channel_code"], email["cost"], email["converted"]) == ("EMAIL", 1.00, 1)
    assert (facebook["impressions"], facebook["clicks"], facebook["cost"]) == (1000, 20, 9.00)
    assert [(v["variant"], v["sent"], v["clicked"]) for v in data["variants"]] == [("A", 2, 1)]
    today = [day for day in data["daily"] if day["sent"]]
    assert today[0]["sent"] == 2 and today[0]["converted"] == 2 and today[0]["revenue"] == 80.00


def test_channel_and_type_performance_and_trends(measured, api, manager_a):
    client = api(manager_a)
    day = measured.launched_at.date().isoformat()
    facebook = client.get(
        reverse("campaign-channel-performance", args=["FACEBOOK"]),
        {"start_date": day, "end_date": day},
    ).json()
    expected = {
        "campaign_count": 1,
        "total_budget": 50.00,  # no per-channel budget: an equal share of 100
        "total_spent": 9.00,
        "total_impressions": 1000,
        "total_clicks": 20,
        "total_leads": 1,
        "total_conversions": 0,
        "cpl": 9.00,
        "cpm": 9.00,
        "ctr": 2.0,
        "cpc": 0.45,
        "conversion_rate": 0.0,
        "roi": -100.0,
    }
    assert {key: facebook[key] for key in expected} == expected

    kind = client.get(reverse("campaign-type-performance", args=["EMAIL_BLAST"])).json()
    expected = {
        "total_campaigns": 1,
        "active_campaigns": 1,
        "total_budget": 100.00,
        "total_spent": 10.00,
        "total_revenue": 80.00,
        "total_leads": 1,
        "total_conversions": 2,
        "average_cpl": 10.00,
        "conversion_rate": 200.0,
        "roi": 700.0,
        "budget_used": 10.0,
    }
    assert {key: kind[key] for key in expected} == expected

    trends = client.get(reverse("campaign-trends"), {"days": 1}).json()
    assert trends["series"] == [
        {
            "date": day,
            "campaigns_launched": 1,
            "sent": 2,
            "opened": 1,
            "clicked": 21,
            "conversions": 2,
            "revenue": 80.00,
            "spend": 10.00,
        }
    ]
    assert client.get(reverse("campaign-trends"), {"days": 0}).status_code == 400


def test_two_proportion_z_test_by_hand():
    # A: 20 clicks of 100 delivered, B: 10 of 100. Pooled p = 0.15,
    # se = sqrt(0.15 × 0.85 × (1/100 + 1/100)) = 0.050498, z = 0.10 / se = 1.9803.
    z, p_value = z_test(20, 100, 10, 100)
    assert round(z, 4) == 1.9803
    assert round(p_value, 4) == round(math.erfc(1.9803 / math.sqrt(2)), 4) == 0.0477
    verdict = ab_test(
        "EMAIL",
        [
            {"variant": "A", "delivered": 100, "clicked": 20},
            {"variant": "B", "delivered": 100, "clicked": 10},
        ],
    )
    assert (verdict["winner"], verdict["significant"], verdict["z"]) == ("A", True, 1.98)
    close = ab_test(
        "EMAIL",
        [
            {"variant": "A", "delivered": 100, "clicked": 12},
            {"variant": "B", "delivered": 100, "clicked": 10},
        ],
    )
    assert (close["leader"], close["winner"], close["significant"]) == ("A", None, False)
