"""Recommendations from the tenant's own history (docs/metrics.md, "Recommendations"), against a
hand-computed fixture: every expected figure below is worked out by hand in the comments, not by
the code under test."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import (
    CampaignExecution,
    CampaignResponse,
    CampaignType,
    ExecutionStatus,
    ResponseKind,
)
from campaigns.selectors.recommendations import recommendation_report, recommendations
from campaigns.services.catalogue import CHANNELS
from crm.models import Customer
from tenancy.actors import OPERATOR
from tenancy.services.config_entries import config_entry_create
from tests.campaigns.conftest import channel
from tests.campaigns.factories import CampaignFactory

UTC = ZoneInfo("UTC")


def sms(tenant, code="SMS"):
    return config_entry_create(
        CHANNELS,
        by=OPERATOR,
        tenant=tenant,
        data={"channel_code": code, "channel_name": code.title(), "kind": "sms"},
    )


def campaign(tenant, name, type_code, on):
    return CampaignFactory(
        tenant=tenant,
        name=name,
        campaign_type=CampaignType.objects.get(tenant=tenant, type_code=type_code),
        budget=Decimal("500"),
        contents=[{"channel": on, "subject": "Hi", "body": "Hello"}],
    )


def history(camp, on, *, sent, bounced=0, clicked=0, cost, conversions=0, value=0, at):
    """`sent` messages of `camp` on `on` at `at` (the first `bounced` bounced, the next
    `clicked` clicked), each costing `cost`, and `conversions` conversions worth `value`."""
    tenant = camp.tenant
    people = Customer.objects.bulk_create(
        Customer(tenant=tenant, first_name=f"P{i}", last_name=camp.name) for i in range(sent)
    )
    CampaignExecution.objects.bulk_create(
        CampaignExecution(
            tenant=tenant,
            campaign=camp,
            customer=person,
            channel=on,
            status=ExecutionStatus.BOUNCED if i < bounced else ExecutionStatus.SENT,
            sent_at=at,
            clicked_at=at + timedelta(hours=1) if bounced <= i < bounced + clicked else None,
            cost=cost,
        )
        for i, person in enumerate(people)
    )
    CampaignResponse.objects.bulk_create(
        CampaignResponse(
            tenant=tenant,
            campaign=camp,
            channel=on,
            kind=ResponseKind.CONVERSION,
            value=value,
            occurred_at=at + timedelta(days=1),
        )
        for _ in range(conversions)
    )


def at_utc(days_ago, hour, minute):
    day = (timezone.now() - timedelta(days=days_ago)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def kolkata(tenant_a):
    """Tenant A in India (UTC+05:30), so send hours are told in its own time."""
    tenant_a.timezone = "Asia/Kolkata"
    tenant_a.save()
    return tenant_a


@pytest.fixture
def fixture_history(kolkata):
    tenant = kolkata
    email, text = channel(tenant, "EMAIL"), sms(tenant)
    spring = campaign(tenant, "Spring letter", "EMAIL_BLAST", email)
    summer = campaign(tenant, "Summer letter", "EMAIL_BLAST", email)
    texts = campaign(tenant, "Text blast", "SOCIAL_ADS", text)
    # Spring: 300 sent, none bounced, 30 clicked, 0.10 each = 30.00, 15 conversions × 10 = 150.
    # Sent 03:30 UTC = 09:00 in Kolkata.
    history(spring, email, sent=300, clicked=30, cost=Decimal("0.10"), conversions=15,
            value=Decimal("10"), at=at_utc(10, 3, 30))  # fmt: skip
    # Summer: 250 sent, 50 bounced → 200 delivered, 30 clicked, 25.00, 2 × 10 = 20.
    # Sent 08:30 UTC = 14:00 in Kolkata.
    history(summer, email, sent=250, bounced=50, clicked=30, cost=Decimal("0.10"),
            conversions=2, value=Decimal("10"), at=at_utc(9, 8, 30))  # fmt: skip
    # Text blast: 400 sent, 8 clicked, 0.05 each = 20.00, 4 × 5 = 20. 09:00 in Kolkata.
    history(texts, text, sent=400, clicked=8, cost=Decimal("0.05"), conversions=4,
            value=Decimal("5"), at=at_utc(8, 3, 30))  # fmt: skip
    return {"spring": spring, "summer": summer, "texts": texts}


def by_kind(items):
    return {item["kind"]: item for item in items}


def test_each_kind_against_the_hand_computed_fixture(fixture_history, kolkata):
    report = recommendation_report(tenant=kolkata)
    items = by_kind(report["items"])
    assert set(items) == {
        "best_channel_conversion",
        "best_channel_roi",
        "best_type_conversion",
        "best_type_roi",
        "best_send_hour",
        "under_type_average",
        "budget_move",
    }
    assert report["notes"] == []

    # Email: 300 + 200 = 500 delivered, 15 + 2 = 17 conversions: 17 / 500 = 3.40 %.
    # SMS: 400 delivered, 4 conversions: 1.00 %.
    best = items["best_channel_conversion"]
    assert best["title"] == "Email converts best"
    assert best["sample_size"] == 900
    assert best["data"]["leader"]["conversion_rate"] == 3.40
    assert best["data"]["runner_up"]["name"] == "Sms"
    assert best["data"]["runner_up"]["conversion_rate"] == 1.00
    assert "3.40% of 500 delivered messages converted" in best["reason"]

    # Email: cost 30 + 25 = 55, revenue 150 + 20 = 170: (170 − 55) / 55 = 209.09 %.
    # SMS: cost 20, revenue 20: 0.00 %.
    roi = items["best_channel_roi"]
    assert roi["data"]["leader"]["roi"] == 209.09
    assert roi["data"]["leader"]["cost"] == 55.0
    assert roi["data"]["runner_up"]["roi"] == 0.0
    assert roi["sample_size"] == 900

    # The types match the channels here: Email blast is Spring + Summer, Social ads the texts.
    assert items["best_type_conversion"]["title"] == "Email blast campaigns convert best"
    assert items["best_type_conversion"]["data"]["leader"]["conversion_rate"] == 3.40
    assert items["best_type_roi"]["data"]["leader"]["roi"] == 209.09

    # 09:00 (Kolkata): Spring 300 + texts 400 = 700 delivered, 30 + 8 = 38 clicked = 5.43 %.
    # 14:00 (Kolkata): Summer 200 delivered, 30 clicked = 15.00 %. (In UTC: 03:00 and 08:00.)
    hour = items["best_send_hour"]
    assert hour["title"] == "Send at 14:00–15:00"
    assert hour["data"]["leader"]["key"] == 14
    assert hour["data"]["leader"]["click_rate"] == 15.00
    assert hour["data"]["runner_up"]["key"] == 9
    assert hour["data"]["runner_up"]["click_rate"] == 5.43
    assert hour["data"]["time_zone"] == "Asia/Kolkata"
    assert hour["sample_size"] == 900

    # Summer converts 2 / 200 = 1.00 %; the rest of Email blast (Spring) 15 / 300 = 5.00 %.
    # 1.00 < 0.75 × 5.00 = 3.75: (5 − 1) / 5 = 80.00 % below. Spring (5 % against 1 %) is not
    # below; the texts have no other Social ads campaign to compare with.
    under = items["under_type_average"]
    assert under["data"]["campaign"] == fixture_history["summer"].pk
    assert under["data"]["below_by"] == 80.00
    assert under["data"]["type_conversion_rate"] == 5.00
    assert under["sample_size"] == 500
    assert [i for i in report["items"] if i["kind"] == "under_type_average"] == [under]

    # From SMS (0.00 %) to Email (209.09 %): a gap of 209.09 points; a tenth of SMS's 20.00.
    move = items["budget_move"]
    assert move["title"] == "Move budget from Sms to Email"
    assert move["data"]["roi_gap"] == 209.09
    assert move["data"]["suggested_amount"] == 2.00
    assert move["sample_size"] == 900


def test_nothing_is_recommended_below_the_minimum_sample(tenant_a):
    email, text = channel(tenant_a, "EMAIL"), sms(tenant_a)
    letter = campaign(tenant_a, "Letter", "EMAIL_BLAST", email)
    texts = campaign(tenant_a, "Texts", "EMAIL_BLAST", text)
    at = timezone.now() - timedelta(days=3)
    history(letter, email, sent=250, cost=Decimal("0.10"), conversions=20, value=10, at=at)
    history(texts, text, sent=37, cost=Decimal("0.05"), conversions=1, value=1, at=at)
    report = recommendation_report(tenant=tenant_a)
    assert report["items"] == []
    notes = by_kind(report["notes"])
    # Email has 250, SMS only 37 of the 200 a second channel needs.
    assert notes["best_channel_conversion"]["reason"].startswith(
        "Not enough sends yet: 37 of the 200 needed."
    )
    assert notes["best_channel_roi"]["reason"].startswith("Not enough sends yet: 37 of the 200")
    assert notes["budget_move"]["reason"].startswith("Not enough sends yet: 37 of the 200")
    # One type only: no second group at all.
    assert notes["best_type_conversion"]["reason"].startswith("Not enough sends yet: 0 of the 200")
    # One send hour only.
    assert notes["best_send_hour"]["reason"].startswith("Not enough sends yet: 0 of the 200")
    # Texts has 37 delivered, and the rest of its type (the letter) 250: min is 37.
    assert notes["under_type_average"]["reason"].startswith("Not enough sends yet: 37 of the 200")


def test_history_older_than_a_year_is_not_counted(tenant_a):
    email, text = channel(tenant_a, "EMAIL"), sms(tenant_a)
    old = timezone.now() - timedelta(days=400)
    history(campaign(tenant_a, "Old", "EMAIL_BLAST", email), email, sent=300, cost=1, at=old)
    history(campaign(tenant_a, "Older", "EMAIL_BLAST", text), text, sent=300, cost=1, at=old)
    assert recommendations(tenant=tenant_a) == []


def test_another_tenants_history_never_shapes_a_recommendation(tenant_a, tenant_b):
    # Tenant A: 250 on email only. Tenant B: plenty on two channels of its own.
    email_a = channel(tenant_a, "EMAIL")
    at = timezone.now() - timedelta(days=5)
    history(campaign(tenant_a, "Ours", "EMAIL_BLAST", email_a), email_a, sent=250,
            cost=Decimal("0.10"), conversions=5, value=10, at=at)  # fmt: skip
    email_b, text_b = channel(tenant_b, "EMAIL"), sms(tenant_b)
    history(campaign(tenant_b, "Theirs", "EMAIL_BLAST", email_b), email_b, sent=400,
            cost=Decimal("0.10"), conversions=40, value=10, at=at)  # fmt: skip
    history(campaign(tenant_b, "Theirs too", "SOCIAL_ADS", text_b), text_b, sent=400,
            cost=Decimal("0.05"), conversions=1, value=1, at=at)  # fmt: skip
    report = recommendation_report(tenant=tenant_a)
    assert report["items"] == []
    assert by_kind(report["notes"])["best_channel_conversion"]["sample_size"] == 250
    assert "Theirs" not in str(report)
    assert {i["kind"] for i in recommendations(tenant=tenant_b)} >= {
        "best_channel_conversion",
        "budget_move",
    }


def test_api_answers_every_member_with_the_items(fixture_history, api, agent_a, manager_a):
    for member in (agent_a, manager_a):
        response = api(member).get("/api/v1/campaigns/recommendations/")
        assert response.status_code == 200
        body = response.json()
        assert {item["kind"] for item in body} >= {"best_channel_conversion", "budget_move"}
        assert set(body[0]) == {"kind", "title", "reason", "data", "sample_size"}


def test_api_of_a_young_tenant_is_an_empty_list(api, agent_a):
    response = api(agent_a).get("/api/v1/campaigns/recommendations/")
    assert response.status_code == 200 and response.json() == []


def test_the_campaigns_page_shows_them_in_words(fixture_history, as_agent):
    page = as_agent.get(reverse("campaigns:campaign-list")).content.decode()
    assert "Recommendations" in page
    assert "Email converts best" in page
    assert "Move budget from Sms to Email" in page
    assert "Based on 900 delivered messages" in page
    assert "best_channel" not in page  # words, not codes


def test_the_panel_says_why_nothing_is_recommended(tenant_a, as_manager):
    email = channel(tenant_a, "EMAIL")
    history(campaign(tenant_a, "First", "EMAIL_BLAST", email), email, sent=37, cost=0,
            at=timezone.now() - timedelta(days=1))  # fmt: skip
    page = as_manager.get(reverse("campaigns:campaign-list")).content.decode()
    assert "No recommendation yet." in page
    assert "Not enough sends yet: 0 of the 200 needed." in page
    # htmx swaps only the results: the panel is not computed again.
    partial = as_manager.get(reverse("campaigns:campaign-list"), HTTP_HX_REQUEST="true")
    assert "Recommendations" not in partial.content.decode()
