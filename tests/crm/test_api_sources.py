"""customization/lead-sources/, sub-sources and lead-channels: addressed by code, unique per
tenant among live rows, one default, deactivate and soft delete, counters from leads."""

import pytest
from django.utils import timezone

from crm.models import LeadChannel, LeadSource, LeadStatus, LeadSubSource
from tests.factories import LeadFactory

URL = "/api/v1/customization/lead-sources/"
CHANNELS = "/api/v1/customization/lead-channels/"


@pytest.fixture
def admin(api, admin_a):
    return api(admin_a)


def codes(response):
    return [row["source_code"] for row in response.json()["results"]]


def test_every_tenant_starts_with_the_seed_configuration(admin):
    assert codes(admin.get(URL)) == ["WEBSITE", "EMAIL", "SOCIAL", "REFERRAL"]
    website = admin.get(f"{URL}WEBSITE/").json()
    assert website["is_default"] and website["score_bonus"] == 15
    subs = admin.get(f"{URL}SOCIAL/sub-sources/").json()["results"]
    assert [s["sub_source_code"] for s in subs] == ["FACEBOOK", "LINKEDIN"]
    channels = admin.get(CHANNELS).json()["results"]
    assert [c["channel_code"] for c in channels] == ["DIRECT", "ORGANIC", "PAID", "REFERRAL"]


def test_create_and_address_by_code(admin):
    response = admin.post(
        URL,
        {
            "source_code": "WHATSAPP",
            "source_name": "WhatsApp",
            "source_type": "social",
            "color_hex": "#25d366",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["score_bonus"] == 5  # WhatsApp's default bonus (DEFAULT_SCORE_BONUS)
    assert response.json()["leads_generated"] == 0
    assert (
        admin.patch(f"{URL}WHATSAPP/", {"score_bonus": 7}, format="json").json()["score_bonus"] == 7
    )
    assert admin.get(f"{URL}whatsapp/").status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"source_code": "web site", "source_name": "x"}, "source_code"),
        ({"source_code": "lower", "source_name": "x"}, "source_code"),
        ({"source_code": "WEBSITE", "source_name": "Dup"}, "__all__"),
        ({"source_code": "OK_1"}, "source_name"),
        ({"source_code": "OK_1", "source_name": "x", "color_hex": "blue"}, "color_hex"),
        (
            {"source_code": "OK_1", "source_name": "x", "source_type": "carrier-pigeon"},
            "source_type",
        ),
        ({"source_code": "OK_1", "source_name": "x", "leads_generated": 5, "hack": 1}, "hack"),
    ],
)
def test_bad_source_input_is_400(admin, tenant_a, body, field):
    before = LeadSource.objects.count()
    response = admin.post(URL, body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors or (field == "__all__" and "detail" in errors), errors
    assert LeadSource.objects.count() == before


def test_one_default_per_tenant(admin, tenant_a):
    response = admin.patch(f"{URL}EMAIL/", {"is_default": True}, format="json")
    assert response.status_code == 200 and response.json()["is_default"]
    assert not admin.get(f"{URL}WEBSITE/").json()["is_default"]
    response = admin.patch(f"{URL}EMAIL/", {"is_default": False}, format="json")
    assert response.status_code == 400 and "is_default" in response.json()
    response = admin.post(f"{URL}EMAIL/deactivate/")
    assert response.status_code == 400
    assert admin.delete(f"{URL}EMAIL/").status_code == 400
    assert LeadSource.objects.filter(tenant=tenant_a, is_default=True).count() == 1


def test_deactivate_hides_from_new_leads_but_keeps_history(admin, tenant_a):
    lead = LeadFactory(
        tenant=tenant_a, source=LeadSource.objects.get(tenant=tenant_a, source_code="EMAIL")
    )
    response = admin.post(f"{URL}EMAIL/deactivate/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert codes(admin.get(URL, {"is_active": "false"})) == ["EMAIL"]
    response = admin.post(
        "/api/v1/leads/", {"first_name": "A", "email": "a@b.io", "source": "EMAIL"}, format="json"
    )
    assert response.status_code == 400
    assert admin.get(f"/api/v1/leads/{lead.pk}/").json()["source"] == "EMAIL"


def test_soft_delete_keeps_the_row_and_frees_the_code(admin, tenant_a):
    old = LeadSource.objects.get(tenant=tenant_a, source_code="SOCIAL")
    lead = LeadFactory(tenant=tenant_a, source=old)
    assert admin.delete(f"{URL}SOCIAL/").status_code == 204
    old.refresh_from_db()
    assert old.deleted_at is not None and not old.is_active
    assert all(s.deleted_at for s in LeadSubSource.objects.filter(source=old))
    assert admin.get(f"{URL}SOCIAL/").status_code == 404
    assert "SOCIAL" not in codes(admin.get(URL))
    response = admin.post(URL, {"source_code": "SOCIAL", "source_name": "Social 2"}, format="json")
    assert response.status_code == 201
    assert response.json()["leads_generated"] == 0  # the old row keeps its own history
    lead.refresh_from_db()
    assert lead.source_id == old.pk


def test_counters_are_computed_from_leads(admin, tenant_a):
    email = LeadSource.objects.get(tenant=tenant_a, source_code="EMAIL")
    LeadFactory.create_batch(3, tenant=tenant_a, source=email)
    LeadFactory(tenant=tenant_a, source=email, status=LeadStatus.WON)
    LeadFactory(tenant=tenant_a, source=email, status=LeadStatus.WON, archived_at=timezone.now())
    row = admin.get(f"{URL}EMAIL/").json()
    assert (row["leads_generated"], row["conversion_count"], row["conversion_rate"]) == (4, 1, 25.0)


def test_only_admins_configure(api, manager_a, agent_a):
    for client in (api(manager_a), api(agent_a)):
        assert client.get(URL).status_code == 200
        response = client.post(URL, {"source_code": "X", "source_name": "X"}, format="json")
        assert response.status_code == 403
        assert client.patch(f"{URL}EMAIL/", {"source_name": "Y"}, format="json").status_code == 403
        assert client.delete(f"{URL}EMAIL/").status_code == 403
    assert not LeadSource.objects.filter(source_code="X").exists()


def test_sub_sources_crud_under_their_source(admin, tenant_a):
    url = f"{URL}SOCIAL/sub-sources/"
    response = admin.post(
        url,
        {"sub_source_code": "TIKTOK", "sub_source_name": "TikTok", "cost_per_lead": "4.50"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["source_code"] == "SOCIAL"
    dup = admin.post(url, {"sub_source_code": "TIKTOK", "sub_source_name": "Again"}, format="json")
    assert dup.status_code == 400
    # the same code under another source is another sub-source
    other = admin.post(
        f"{URL}EMAIL/sub-sources/",
        {"sub_source_code": "TIKTOK", "sub_source_name": "T"},
        format="json",
    )
    assert other.status_code == 201
    assert admin.patch(f"{url}TIKTOK/", {"cost_per_lead": "-1"}, format="json").status_code == 400
    assert admin.post(f"{url}TIKTOK/deactivate/").json()["is_active"] is False
    assert admin.delete(f"{url}TIKTOK/").status_code == 204
    assert admin.get(f"{url}TIKTOK/").status_code == 404
    assert admin.get(f"{URL}NOPE/sub-sources/").status_code == 404
    assert LeadSubSource.objects.filter(sub_source_code="TIKTOK").count() == 2


def test_sub_source_counters_and_last_activity(admin, tenant_a):
    social = LeadSource.objects.get(tenant=tenant_a, source_code="SOCIAL")
    facebook = LeadSubSource.objects.get(source=social, sub_source_code="FACEBOOK")
    first = LeadFactory(tenant=tenant_a, source=social, sub_source=facebook, status=LeadStatus.WON)
    row = admin.get(f"{URL}SOCIAL/sub-sources/FACEBOOK/").json()
    assert (row["leads_generated"], row["conversion_rate"]) == (1, 100.0)
    assert row["last_activity_date"].startswith(first.created_at.date().isoformat())


def test_channels_crud(admin, tenant_a):
    response = admin.post(
        CHANNELS, {"channel_code": "EVENTS", "channel_name": "Events"}, format="json"
    )
    assert response.status_code == 201
    assert (
        admin.post(
            CHANNELS, {"channel_code": "EVENTS", "channel_name": "x"}, format="json"
        ).status_code
        == 400
    )
    assert (
        admin.patch(f"{CHANNELS}EVENTS/", {"channel_name": "Trade events"}, format="json").json()[
            "channel_name"
        ]
        == "Trade events"
    )
    assert admin.delete(f"{CHANNELS}EVENTS/").status_code == 204
    assert LeadChannel.objects.get(channel_code="EVENTS").deleted_at is not None
    assert (
        admin.post(
            CHANNELS, {"channel_code": "EVENTS", "channel_name": "again"}, format="json"
        ).status_code
        == 201
    )
