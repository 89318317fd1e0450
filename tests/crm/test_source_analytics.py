"""Source performance and trends against a small dataset whose figures are worked out by hand
below. The tenant lives in New York, so day boundaries are New York midnights."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from crm.models import LeadSource, LeadStatus, LeadSubSource
from tests.factories import LeadFactory

NY = ZoneInfo("America/New_York")


def at(month, day, hour=12, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=NY)


@pytest.fixture
def social(tenant_a):
    tenant_a.timezone = "America/New_York"
    tenant_a.save()
    source = LeadSource.objects.get(tenant=tenant_a, source_code="SOCIAL")
    LeadSubSource.objects.filter(source=source, sub_source_code="FACEBOOK").update(
        cost_per_lead=Decimal("10")
    )
    LeadSubSource.objects.filter(source=source, sub_source_code="LINKEDIN").update(
        cost_per_lead=Decimal("25")
    )
    return source


@pytest.fixture
def dataset(tenant_a, social):
    fb = LeadSubSource.objects.get(source=social, sub_source_code="FACEBOOK")
    li = LeadSubSource.objects.get(source=social, sub_source_code="LINKEDIN")

    def lead(
        sub,
        created,
        status=LeadStatus.NEW,
        contacted=False,
        qualified=False,
        closed=None,
        value=None,
        archived=False,
    ):
        return LeadFactory(
            tenant=tenant_a,
            source=social,
            sub_source=sub,
            status=status,
            created_at=created,
            contacted_at=created + timedelta(hours=1) if contacted else None,
            qualified_at=created + timedelta(hours=2) if qualified else None,
            converted_at=closed,
            estimated_value=value,
            archived_at=timezone.now() if archived else None,
        )

    W = LeadStatus
    # FACEBOOK
    lead(fb, at(1, 5, 10), W.WON, True, True, closed=at(1, 15, 10), value=Decimal("1000"))  # 10 d
    lead(fb, at(1, 10), W.LOST, contacted=True)
    lead(fb, at(1, 20), W.QUALIFIED, True, True)
    lead(fb, at(1, 31, 23, 30))  # 04:30 UTC on Feb 1, still January in New York: counted
    lead(fb, at(2, 1, 0, 30))  # February in New York: outside
    lead(fb, at(1, 12), W.WON, True, True, closed=at(1, 13), value=Decimal("9999"), archived=True)
    # LINKEDIN
    lead(li, at(1, 2), W.WON, True, True, closed=at(1, 7), value=Decimal("3000"))  # 5 days
    lead(li, at(1, 3), W.CONTACTED, contacted=True)
    # no sub-source
    lead(None, at(1, 8, 6), W.WON, True, True, closed=at(1, 8, 18), value=Decimal("500"))  # 0.5 d
    lead(None, at(12, 31, 23, year=2025))  # outside
    # another source, same period: not counted
    LeadFactory(tenant=tenant_a, created_at=at(1, 9), status=W.WON, converted_at=at(1, 9, 13))


def perf(client, **params):
    response = client.get("/api/v1/customization/lead-sources/SOCIAL/performance/", params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_source_performance_by_hand(api, manager_a, dataset):
    data = perf(api(manager_a), start_date="2026-01-01", end_date="2026-01-31")
    # 7 leads in January: fb×4 (not the February one, not the archived one), li×2, none×1.
    assert data["leads_generated"] == 7
    assert data["leads_contacted"] == 6  # all but the NEW one of Jan 31
    assert data["leads_qualified"] == 4  # fb WON, fb QUALIFIED, li WON, none WON
    assert data["leads_converted"] == 3
    assert data["leads_lost"] == 1
    assert data["conversion_rate"] == 42.86  # 3 / 7
    assert data["qualification_rate"] == 57.14  # 4 / 7
    assert data["average_days_to_close"] == 5.17  # (10 + 5 + 0.5) / 3
    assert Decimal(str(data["total_value"])) == Decimal("4500")
    assert Decimal(str(data["total_cost"])) == Decimal("90")  # 4 × 10 + 2 × 25
    assert Decimal(str(data["cost_per_lead"])) == Decimal("12.86")  # 90 / 7
    assert data["roi"] == 4900.0  # (4500 − 90) / 90 × 100

    fb, li = data["sub_sources"]
    assert fb["sub_source_code"] == "FACEBOOK"
    assert (fb["leads_generated"], fb["leads_contacted"], fb["leads_qualified"]) == (4, 3, 2)
    assert (fb["leads_converted"], fb["leads_lost"]) == (1, 1)
    assert (fb["conversion_rate"], fb["qualification_rate"]) == (25.0, 50.0)
    assert fb["average_days_to_close"] == 10.0
    assert Decimal(str(fb["cost_per_lead"])) == Decimal("10")
    assert fb["roi"] == 2400.0  # (1000 − 40) / 40 × 100
    assert (li["leads_generated"], li["leads_converted"], li["conversion_rate"]) == (2, 1, 50.0)
    assert li["average_days_to_close"] == 5.0
    assert li["roi"] == 5900.0  # (3000 − 50) / 50 × 100


def test_empty_period_has_no_rates_to_divide(api, manager_a, dataset):
    data = perf(api(manager_a), start_date="2024-01-01", end_date="2024-01-31")
    assert data["leads_generated"] == 0 and data["conversion_rate"] == 0.0
    assert data["average_days_to_close"] is None and data["cost_per_lead"] is None
    assert data["roi"] is None


def test_default_period_is_the_last_30_days(api, manager_a, social, tenant_a):
    LeadFactory(tenant=tenant_a, source=social, created_at=timezone.now() - timedelta(days=29))
    LeadFactory(tenant=tenant_a, source=social, created_at=timezone.now() - timedelta(days=31))
    data = perf(api(manager_a))
    assert data["leads_generated"] == 1


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "start_date"),
        ({"start_date": "01/02/2026"}, "start_date"),
        ({"end_date": "soon"}, "end_date"),
    ],
)
def test_bad_period_is_400(api, manager_a, params, field):
    response = api(manager_a).get("/api/v1/customization/lead-sources/SOCIAL/performance/", params)
    assert response.status_code == 400 and field in response.json()


def test_daily_trends_by_hand(api, manager_a, social, tenant_a):
    today = timezone.now().astimezone(NY).date()

    def local(day_offset, hour, minute=0):
        day = today - timedelta(days=day_offset)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)

    LeadFactory(tenant=tenant_a, source=social, created_at=local(0, 0, 5))
    LeadFactory(tenant=tenant_a, source=social, created_at=local(1, 23, 30))  # yesterday, NY
    LeadFactory(tenant=tenant_a, source=social, created_at=local(1, 1))
    LeadFactory(tenant=tenant_a, source=social, created_at=local(3, 12))  # outside 3 days
    LeadFactory(
        tenant=tenant_a,
        source=social,
        created_at=local(5, 12),
        status=LeadStatus.WON,
        converted_at=local(2, 9),
    )
    response = api(manager_a).get("/api/v1/customization/lead-sources/trends/", {"days": 3})
    assert response.status_code == 200
    data = response.json()
    assert (data["start_date"], data["end_date"]) == (
        (today - timedelta(days=2)).isoformat(),
        today.isoformat(),
    )
    row = next(s for s in data["sources"] if s["source_code"] == "SOCIAL")
    assert [p["leads_generated"] for p in row["series"]] == [0, 2, 1]
    assert [p["leads_converted"] for p in row["series"]] == [1, 0, 0]
    assert (row["leads_generated"], row["leads_converted"]) == (3, 1)
    website = next(s for s in data["sources"] if s["source_code"] == "WEBSITE")
    assert [p["leads_generated"] for p in website["series"]] == [0, 0, 0]


@pytest.mark.parametrize("days", ["0", "367", "abc", "-1"])
def test_bad_trend_days_are_400(api, manager_a, days):
    response = api(manager_a).get("/api/v1/customization/lead-sources/trends/", {"days": days})
    assert response.status_code == 400 and "days" in response.json()
