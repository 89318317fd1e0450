"""leads/ reads: filters, search, ordering, pagination and statistics, checked against a small
catalogue of leads."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from crm.models import Lead, LeadChannel, LeadStatus, LeadSubSource
from crm.services.leads import lead_create
from tenancy.actors import OPERATOR
from tests.crm.leads import URL, source
from tests.factories import LeadFactory


@pytest.fixture
def catalogue(tenant_a, agent_a):
    social = source(tenant_a, "SOCIAL")
    facebook = LeadSubSource.objects.get(source=social, sub_source_code="FACEBOOK")
    paid = LeadChannel.objects.get(tenant=tenant_a, channel_code="PAID")
    now = timezone.now()
    leads = {
        "ada": LeadFactory(
            tenant=tenant_a,
            first_name="Ada",
            last_name="Lovelace",
            email="ada@engines.example",
            company="Analytical Engines",
            lead_score=90,
            status=LeadStatus.QUALIFIED,
            source=social,
            sub_source=facebook,
            channel=paid,
            created_at=now - timedelta(days=1),
        ),
        "alan": LeadFactory(
            tenant=tenant_a,
            first_name="Alan",
            last_name="Turing",
            email="alan@bletchley.example",
            lead_score=75,
            status=LeadStatus.WON,
            assigned_to=agent_a.user,
            created_at=now - timedelta(days=10),
        ),
        "grace": LeadFactory(
            tenant=tenant_a,
            first_name="Grace",
            last_name="Hopper",
            email="grace@navy.example",
            phone="+15550001111",
            lead_score=40,
            status=LeadStatus.NEW,
            created_at=now - timedelta(days=40),
        ),
    }
    lead_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "Tim", "email": "tim@w3.example"},
        tags=["vip", "web"],
    )
    leads["tim"] = Lead.objects.get(first_name="Tim")
    return leads


def names(response):
    assert response.status_code == 200, response.json()
    return [row["first_name"] for row in response.json()["results"]]


# ---------------------------------------------------------------------------------------------
# filters, search, ordering, pagination


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"status": "WON"}, {"Alan"}),
        ({"source": "SOCIAL"}, {"Ada"}),
        ({"sub_source": "FACEBOOK"}, {"Ada"}),
        ({"channel": "PAID"}, {"Ada"}),
        ({"lead_score_min": 75}, {"Ada", "Alan", "Tim"}),
        ({"lead_score_max": 75}, {"Alan", "Grace"}),
        ({"lead_score_min": 50, "lead_score_max": 80}, {"Alan"}),
        ({"search": "ada"}, {"Ada"}),
        ({"search": "ENGINES"}, {"Ada"}),
        ({"search": "alan turing"}, {"Alan"}),
        ({"search": "5550001111"}, {"Grace"}),
        ({"search": "example"}, {"Ada", "Alan", "Grace", "Tim"}),
        ({"is_hot_leads_only": "true"}, {"Ada", "Tim"}),  # Alan is WON: closed, not hot
        ({"tags": "web"}, {"Tim"}),
        ({"tags": "nope,VIP"}, {"Tim"}),
        ({"unassigned": "false"}, {"Alan"}),
    ],
)
def test_filters(manager, catalogue, params, expected):
    assert set(names(manager.get(URL, params))) == expected


def test_filter_by_assignee(manager, catalogue, agent_a):
    assert names(manager.get(URL, {"assigned_to": agent_a.user_id})) == ["Alan"]


def test_created_range_is_inclusive_in_the_tenants_time_zone(manager, tenant_a):
    tenant_a.timezone = "Asia/Tokyo"
    tenant_a.save()
    tokyo = ZoneInfo("Asia/Tokyo")
    LeadFactory(
        tenant=tenant_a, first_name="Early", created_at=datetime(2026, 3, 1, 0, 30, tzinfo=tokyo)
    )
    LeadFactory(
        tenant=tenant_a, first_name="Late", created_at=datetime(2026, 3, 1, 23, 59, tzinfo=tokyo)
    )
    LeadFactory(
        tenant=tenant_a, first_name="Next", created_at=datetime(2026, 3, 2, 0, 0, tzinfo=tokyo)
    )
    day = {"created_after": "2026-03-01", "created_before": "2026-03-01"}
    assert set(names(manager.get(URL, day))) == {"Early", "Late"}
    assert names(manager.get(URL, {"created_after": "2026-03-02"})) == ["Next"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "SLEEPING"}, "status"),
        ({"lead_score_min": "abc"}, "lead_score_min"),
        ({"lead_score_max": 101}, "lead_score_max"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"ordering": "password"}, "ordering"),
        ({"source": "NOPE"}, "source"),
    ],
)
def test_bad_filters_are_400(manager, params, field):
    response = manager.get(URL, params)
    assert response.status_code == 400 and field in response.json()


def test_ordering(manager, catalogue):
    # Ada and Tim tie on 90: the newer row (higher id) comes first.
    assert names(manager.get(URL, {"ordering": "-lead_score"})) == ["Tim", "Ada", "Alan", "Grace"]
    assert names(manager.get(URL, {"ordering": "status,first_name"})) == [
        "Grace",
        "Tim",
        "Ada",
        "Alan",
    ]
    assert names(manager.get(URL)) == ["Tim", "Ada", "Alan", "Grace"]  # newest first


def test_pagination(manager, tenant_a):
    LeadFactory.create_batch(7, tenant=tenant_a)
    page = manager.get(URL, {"page_size": 3, "page": 2}).json()
    assert page["count"] == 7 and len(page["results"]) == 3
    assert page["next"] and page["previous"]
    seen = set()
    for number in (1, 2, 3):
        seen |= {
            r["id"] for r in manager.get(URL, {"page_size": 3, "page": number}).json()["results"]
        }
    assert len(seen) == 7
    assert manager.get(URL, {"page": 9}).status_code == 404


def test_a_doubled_minus_in_ordering_is_a_400_not_a_crash(manager):
    response = manager.get(URL, {"ordering": "--lead_score"})
    assert response.status_code == 400 and "ordering" in response.json()


# ---------------------------------------------------------------------------------------------
# statistics


def test_statistics_against_hand_computed_figures(manager, catalogue, tenant_a):
    stats = manager.get(f"{URL}statistics/").json()
    # Ada 90 QUALIFIED SOCIAL, Alan 75 WON WEBSITE, Grace 40 NEW WEBSITE, Tim auto-scored
    # WEBSITE: 50 + 15 + business email 10 + vip 15 = 90, NEW.
    assert Lead.objects.get(first_name="Tim").lead_score == 90
    assert stats["total_leads"] == 4
    assert stats["leads_by_status"]["NEW"] == 2
    assert stats["leads_by_status"]["QUALIFIED"] == 1
    assert stats["leads_by_status"]["WON"] == 1
    assert stats["leads_by_status"]["LOST"] == 0
    assert stats["leads_by_source"] == {"SOCIAL": 1, "WEBSITE": 3}
    assert stats["average_lead_score"] == pytest.approx((90 + 75 + 40 + 90) / 4)
    assert stats["hot_leads_count"] == 2
    assert stats["conversion_rate"] == 25.0
    filtered = manager.get(f"{URL}statistics/", {"source": "WEBSITE"}).json()
    assert filtered["total_leads"] == 3 and filtered["conversion_rate"] == pytest.approx(33.33)


def test_statistics_of_nothing(manager):
    stats = manager.get(f"{URL}statistics/").json()
    assert stats["total_leads"] == 0 and stats["conversion_rate"] == 0.0
    assert stats["average_lead_score"] is None


def test_archived_leads_leave_statistics(manager, tenant_a):
    LeadFactory(tenant=tenant_a, archived_at=timezone.now())
    assert manager.get(f"{URL}statistics/").json()["total_leads"] == 0
