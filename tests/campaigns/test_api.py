"""The campaign API: the default catalogue, write-only secrets, campaigns with content and
audience, and every kind of bad input refused with a 400 and nothing written."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign, CampaignChannel, CampaignTemplate, CampaignVariant
from tests.factories import make_tenant

BODY = "<p>Hi {{ first_name }}, {{ custom.loyalty_points }} points</p>"


def test_every_new_tenant_gets_the_default_catalogue(api, admin_a):
    client = api(admin_a)

    def codes(route, field):
        return [row[field] for row in client.get(reverse(route)).json()["results"]]

    assert codes("campaign-type-list", "type_code") == ["EMAIL_BLAST", "SOCIAL_ADS", "SEO_CAMPAIGN"]
    assert codes("campaign-channel-list", "channel_code") == ["EMAIL", "FACEBOOK", "GOOGLE_ADS"]
    assert codes("campaign-status-list", "status_code") == [
        "DRAFT",
        "ACTIVE",
        "PAUSED",
        "COMPLETED",
    ]
    assert codes("budget-type-list", "budget_type_code") == ["TOTAL", "PER_CHANNEL", "VARIABLE"]
    draft = client.get(reverse("campaign-status-detail", args=["DRAFT"])).json()
    assert draft["is_initial"] and draft["next_statuses"] == ["ACTIVE"]
    assert client.get(reverse("campaign-status-detail", args=["COMPLETED"])).json()["is_final"]


def test_integration_key_is_write_only_and_masked_in_the_admin(api, admin_a, client):
    api_client = api(admin_a)
    response = api_client.patch(
        reverse("campaign-channel-detail", args=["EMAIL"]),
        {"integration_key": "sk-topsecret-123", "webhook_secret": "wh-topsecret"},
        format="json",
    )
    assert response.status_code == 200
    assert "topsecret" not in response.content.decode()
    assert response.json()["has_integration_key"] is True
    assert "topsecret" not in api_client.get(reverse("campaign-channel-list")).content.decode()
    channel = CampaignChannel.objects.get(tenant=admin_a.tenant, channel_code="EMAIL")
    assert channel.integration_key == "sk-topsecret-123"

    client.force_login(admin_a.user)
    for page in (
        reverse("admin:campaigns_campaignchannel_changelist"),
        reverse("admin:campaigns_campaignchannel_change", args=[channel.pk]),
    ):
        content = client.get(page).content.decode()
        assert "topsecret" not in content
    # Saving the form with the key left blank keeps it.
    form = client.get(reverse("admin:campaigns_campaignchannel_change", args=[channel.pk]))
    data = {k: v for k, v in form.context["adminform"].form.initial.items() if v is not None} | {
        "integration_key": "",
        "webhook_secret": "",
        "channel_name": "Email 2",
    }
    data["integration_data"] = "{}"
    data["metadata"] = "{}"
    client.post(reverse("admin:campaigns_campaignchannel_change", args=[channel.pk]), data)
    channel.refresh_from_db()
    assert (channel.channel_name, channel.integration_key) == ("Email 2", "sk-topsecret-123")


def test_catalogue_delete_is_soft_and_writes_need_an_admin(api, admin_a, manager_a):
    assert (
        api(manager_a)
        .post(reverse("campaign-type-list"), {"type_code": "X", "type_name": "X"}, format="json")
        .status_code
        == 403
    )
    client = api(admin_a)
    assert client.delete(reverse("campaign-type-detail", args=["SEO_CAMPAIGN"])).status_code == 204
    assert client.get(reverse("campaign-type-detail", args=["SEO_CAMPAIGN"])).status_code == 404
    # The default type cannot go.
    assert client.delete(reverse("campaign-type-detail", args=["EMAIL_BLAST"])).status_code == 400


@pytest.fixture
def create(api, manager_a, customers):
    client = api(manager_a)

    def create(**fields):
        body = {
            "name": "Spring",
            "campaign_type": "EMAIL_BLAST",
            "budget": "500.00",
            "channels": ["EMAIL"],
            "audience": {"field": "tags", "op": "has", "value": "vip"},
            "contents": [{"channel": "EMAIL", "subject": "Hi {{ first_name }}", "body": BODY}],
            **fields,
        }
        return client.post(reverse("campaign-list"), body, format="json")

    return create


def test_create_a_campaign_with_content_and_audience(create, api, manager_a):
    response = create()
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "DRAFT" and data["channels"] == ["EMAIL"] and data["spend"] == "0.00"
    assert data["contents"][0]["variant"] == "A"
    client = api(manager_a)
    count = client.get(reverse("campaign-audience", args=[data["id"]])).json()
    assert count == {"count": 2}  # Ada and Dee are vip
    live = client.post(
        reverse("campaign-audience-count"),
        {"audience": {"field": "custom.loyalty_points", "op": "gte", "value": 100}},
        format="json",
    )
    assert live.json() == {"count": 1}
    preview = client.post(
        reverse("campaign-preview", args=[data["id"]]), {"channel": "EMAIL"}, format="json"
    ).json()
    assert preview["subject"] == "Hi Ada" and "120 points" in preview["body"]


@pytest.mark.parametrize(
    "fields, field",
    [
        (
            {"contents": [{"channel": "EMAIL", "subject": "S", "body": "{{ shoe_size }}"}]},
            "contents",
        ),
        ({"budget": "9999.00"}, "budget"),
        ({"audience": {"field": "password", "op": "eq", "value": "x"}}, "audience"),
        ({"audience": {"field": "email", "op": "regex", "value": "x"}}, "audience"),
        ({"campaign_type": "NOPE"}, "campaign_type"),
        ({"budget_type": "PER_CHANNEL"}, "channel_budgets"),
        ({"status": "ACTIVE"}, "status"),
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(create, fields, field):
    response = create(**fields)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Campaign.objects.exists() and not CampaignVariant.objects.exists()


def test_budget_outside_the_type_guidelines_says_why(create):
    response = create(budget="6000")
    assert response.json()["budget"] == ["Email blast campaigns allow a budget of at most 5000.00."]


def test_forbidden_transition_and_edit_of_a_non_editable_campaign(create, api, manager_a):
    campaign_id = create().json()["id"]
    client = api(manager_a)
    detail = reverse("campaign-detail", args=[campaign_id])
    response = client.patch(detail, {"status": "COMPLETED"}, format="json")
    assert response.status_code == 400
    assert response.json()["status"] == ["A campaign cannot go from DRAFT to COMPLETED."]
    assert client.post(reverse("campaign-launch", args=[campaign_id])).json()["status"] == "ACTIVE"
    before = Campaign.objects.get(pk=campaign_id).updated_at
    response = client.patch(detail, {"name": "Renamed"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == ["A campaign in status Active cannot be edited."]
    response = client.patch(detail, {"name": "Renamed", "status": "PAUSED"}, format="json")
    assert response.status_code == 400
    campaign = Campaign.objects.get(pk=campaign_id)
    assert (campaign.name, campaign.status.status_code, campaign.updated_at) == (
        "Spring",
        "ACTIVE",
        before,
    )
    assert client.patch(detail, {"status": "PAUSED"}, format="json").json()["status"] == "PAUSED"
    assert client.post(reverse("campaign-resume", args=[campaign_id])).json()["status"] == "ACTIVE"
    assert client.delete(detail).status_code == 400


def test_create_from_a_template(api, admin_a, manager_a, customers):
    template = api(admin_a).post(
        reverse("campaign-template-list"),
        {
            "template_name": "Q1 email",
            "campaign_type_code": "EMAIL_BLAST",
            "default_channels": ["EMAIL"],
            "default_budget": "2000",
            "default_duration_days": 30,
            "target_audience": {"field": "tags", "op": "has", "value": "vip"},
            "kpis": ["open_rate", "conversions"],
            "content": {"EMAIL": {"subject": "Hello {{ first_name }}", "body": BODY}},
        },
        format="json",
    )
    assert template.status_code == 201, template.content
    client = api(manager_a)
    listed = client.get(reverse("campaign-library-list")).json()["results"]
    assert [t["template_name"] for t in listed] == ["Q1 email"]
    response = client.post(
        reverse("campaign-library-create", args=[template.json()["id"]]),
        {"name": "Q1 for VIPs"},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["name"] == "Q1 for VIPs" and data["budget"] == "2000.00"
    assert data["channels"] == ["EMAIL"] and data["kpis"] == ["open_rate", "conversions"]
    assert data["contents"][0]["subject"] == "Hello {{ first_name }}"
    assert data["template"] == template.json()["id"]


def test_a_template_with_an_unknown_tag_is_refused(api, admin_a):
    response = api(admin_a).post(
        reverse("campaign-template-list"),
        {
            "template_name": "Bad",
            "campaign_type_code": "EMAIL_BLAST",
            "content": {"EMAIL": {"subject": "x", "body": "{{ custom.nope }}"}},
        },
        format="json",
    )
    assert response.status_code == 400 and "content" in response.json()
    assert not CampaignTemplate.objects.exists()


def test_another_tenants_campaign_is_404_everywhere(api, create, tenant_b, admin_b):
    campaign_id = create().json()["id"]
    client = api(admin_b)
    for name in ("campaign-detail", "campaign-analytics", "campaign-audience"):
        assert client.get(reverse(name, args=[campaign_id])).status_code == 404
    for name in ("campaign-launch", "campaign-pause", "campaign-preview"):
        assert client.post(reverse(name, args=[campaign_id]), {}, format="json").status_code == 404
    assert make_tenant("gamma")  # a third tenant changes nothing either
