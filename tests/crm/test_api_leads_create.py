"""leads/ create: auto-scoring, every contract field, campaign attribution within the tenant,
and bad input as a 400 naming the field with nothing written."""

from decimal import Decimal

import pytest

from crm.models import Lead, LeadActivity, LeadSource
from tests.crm.leads import URL


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"email": "a@gmail.com", "source": "EMAIL"}, 50),
        ({"email": "a@gmail.com"}, 65),  # default source WEBSITE +15
        ({"email": "a@acme.io", "source": "EMAIL"}, 60),  # business email +10
        ({"email": "a@gmail.com", "source": "REFERRAL", "company": "Acme"}, 80),
        ({"email": "a@gmail.com", "source": "SOCIAL", "tags": ["Enterprise"]}, 75),
        ({"email": "a@acme.io", "source": "REFERRAL", "company": "Acme", "tags": ["vip"]}, 100),
        ({"email": "a@acme.io", "source": "REFERRAL", "lead_score": 12}, 12),  # given wins
    ],
)
def test_create_scores_the_lead_like_the_seed(manager, body, expected):
    response = manager.post(URL, {"first_name": "Ann", **body}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["lead_score"] == expected


def test_score_bonus_is_the_sources_own(manager, tenant_a):
    LeadSource.objects.filter(tenant=tenant_a, source_code="EMAIL").update(score_bonus=-30)
    response = manager.post(
        URL, {"first_name": "Ann", "email": "a@gmail.com", "source": "EMAIL"}, format="json"
    )
    assert response.json()["lead_score"] == 20


def test_create_returns_every_contract_field_and_logs_it(manager, manager_a, tenant_a):
    body = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@engines.example",
        "phone": "+44 (20) 7946-0958",
        "company": "Engines",
        "job_title": "Analyst",
        "source": "SOCIAL",
        "sub_source": "LINKEDIN",
        "channel": "ORGANIC",
        "assigned_to": manager_a.user_id,
        "probability": "0.40",
        "estimated_value": "1200.50",
        "expected_close_date": "2026-12-31",
        "tags": ["vip", " Trade-Show "],
        "notes": "Met at the fair",
    }
    response = manager.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["phone"] == "+442079460958"
    assert (data["source"], data["sub_source"], data["channel"]) == (
        "SOCIAL",
        "LINKEDIN",
        "ORGANIC",
    )
    assert data["tags"] == ["trade-show", "vip"]
    assert data["status"] == "NEW" and data["days_since_created"] == 0
    assert data["is_hot_lead"] is True
    assert data["customer"] is None and data["campaign"] is None
    activity = LeadActivity.objects.get(lead_id=data["id"])
    assert activity.kind == "created" and activity.actor == manager_a.user


def test_a_lead_is_attributed_to_a_campaign_of_its_tenant_by_id(manager, tenant_a, tenant_b):
    """The campaign field reaches its model through Lead.campaign (crm imports no campaigns)."""
    from tests.campaigns.factories import CampaignFactory

    ours = CampaignFactory(tenant=tenant_a, name="Spring")
    theirs = CampaignFactory(tenant=tenant_b, name="Foreign")
    body = {"first_name": "Ann", "email": "a@acme.io"}
    response = manager.post(URL, {**body, "campaign": ours.pk}, format="json")
    assert response.status_code == 201 and response.json()["campaign"] == ours.pk
    response = manager.post(URL, {**body, "campaign": theirs.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["campaign"] == [f"Unknown campaign {theirs.pk}."]
    assert not Lead.objects.filter(campaign=theirs).exists()


BAD_INPUT = [
    ({"source": "NOPE"}, "source"),
    ({"source": "EMAIL", "sub_source": "FACEBOOK"}, "sub_source"),
    ({"email": "not-an-email"}, "email"),
    ({"phone": "12"}, "phone"),
    ({"phone": "+1 555 CALL NOW"}, "phone"),
    ({"lead_score": 101}, "lead_score"),
    ({"lead_score": -1}, "lead_score"),
    ({"probability": "1.5"}, "probability"),
    ({"estimated_value": "-1"}, "estimated_value"),
    ({"status": "SLEEPING"}, "status"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
    ({"first_name": ""}, "first_name"),
    ({"email": "", "phone": ""}, "email"),
    ({"channel": "TELEPATHY"}, "channel"),
    ({"assigned_to": 999999}, "assigned_to"),
    ({"tags": ["x" * 51]}, "tags"),
    ({"expected_close_date": "31/12/2026"}, "expected_close_date"),
]


@pytest.mark.parametrize("override, field", BAD_INPUT)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(manager, override, field):
    body = {"first_name": "Bob", "email": "bob@acme.io", **override}
    response = manager.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Lead.objects.exists()
    assert not LeadActivity.objects.exists()


def test_several_errors_are_reported_together(manager):
    response = manager.post(URL, {"first_name": "", "email": "x", "bogus": 1}, format="json")
    assert {"first_name", "email", "bogus"} <= set(response.json())


def test_inactive_source_is_refused_for_new_leads(manager, tenant_a):
    LeadSource.objects.filter(tenant=tenant_a, source_code="EMAIL").update(is_active=False)
    response = manager.post(
        URL, {"first_name": "A", "email": "a@b.io", "source": "EMAIL"}, format="json"
    )
    assert response.status_code == 400 and "source" in response.json()


def test_decimal_fields_round_trip(manager):
    response = manager.post(
        URL, {"first_name": "D", "email": "d@x.io", "estimated_value": "10.25"}, format="json"
    )
    assert Decimal(response.json()["estimated_value"]) == Decimal("10.25")
