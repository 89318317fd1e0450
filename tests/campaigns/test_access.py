"""Who reaches a campaign: `campaigns_visible_to` is the one list and `campaign_for` the one
fetch that the API and the pages use, so a missing campaign, another tenant's, a deleted one
and a key that is not a number are the same 404 everywhere (the template library likewise)."""

import pytest
from django.http import Http404
from django.urls import reverse

from campaigns.models import CampaignTemplate, CampaignType
from campaigns.selectors.campaigns import campaign_for, campaigns_visible_to
from campaigns.selectors.templates import campaign_template_for, templates_available
from campaigns.services.campaigns import campaign_create, campaign_delete
from tenancy.actors import OPERATOR
from tenancy.services.config_entries import (
    config_entry_create,
    config_entry_deactivate,
    config_entry_delete,
    spec_for,
)

pytestmark = pytest.mark.django_db

HUGE = str(2**70)


@pytest.fixture
def campaigns(tenant_a, tenant_b, email_campaign):
    """Tenant A's campaign, and the keys of a deleted one of A and of tenant B's."""
    deleted = campaign_create(by=OPERATOR, tenant=tenant_a, data={"name": "Gone"})
    deleted_pk = deleted.pk
    campaign_delete(by=OPERATOR, campaign=deleted)
    foreign = campaign_create(by=OPERATOR, tenant=tenant_b, data={"name": "Theirs"})
    return {"ours": email_campaign, "deleted": deleted_pk, "foreign": foreign.pk}


def test_every_member_sees_every_campaign_of_the_tenant(
    tenant_a, admin_a, manager_a, agent_a, campaigns
):
    for membership in (admin_a, manager_a, agent_a):
        visible = campaigns_visible_to(tenant=tenant_a, membership=membership)
        assert list(visible) == [campaigns["ours"]]
        found = campaign_for(tenant=tenant_a, membership=membership, pk=campaigns["ours"].pk)
        assert found == campaigns["ours"]
        assert (
            campaign_for(tenant=tenant_a, membership=membership, pk=str(campaigns["ours"].pk))
            == (campaigns["ours"])
        )


@pytest.mark.parametrize("pk", ["missing", "foreign", "deleted", "abc", HUGE, "-1", "0", None])
def test_campaign_for_is_one_404(tenant_a, agent_a, campaigns, pk):
    pk = campaigns[pk] if pk in campaigns else 10**6 if pk == "missing" else pk
    with pytest.raises(Http404) as refused:
        campaign_for(tenant=tenant_a, membership=agent_a, pk=pk)
    assert str(refused.value) == "No such campaign."


def test_campaign_for_intersects_the_given_queryset(tenant_a, agent_a, campaigns):
    from campaigns.models import Campaign

    everyone = Campaign.objects.select_related("status")
    found = campaign_for(
        tenant=tenant_a, membership=agent_a, pk=campaigns["ours"].pk, queryset=everyone
    )
    assert found == campaigns["ours"]
    with pytest.raises(Http404):
        campaign_for(
            tenant=tenant_a, membership=agent_a, pk=campaigns["foreign"], queryset=everyone
        )


def test_a_deleted_campaign_is_absent_from_the_api_and_the_pages(api, client, manager_a, campaigns):
    ours, deleted = campaigns["ours"], campaigns["deleted"]
    rest = api(manager_a)
    listed = rest.get(reverse("campaign-list")).json()["results"]
    assert [row["id"] for row in listed] == [ours.pk]
    assert rest.get(reverse("campaign-detail", args=[ours.pk])).status_code == 200
    for name in ("campaign-detail", "campaign-analytics", "campaign-audience"):
        assert rest.get(reverse(name, args=[deleted])).status_code == 404
    assert rest.post(reverse("campaign-launch", args=[deleted])).status_code == 404
    assert rest.get(reverse("campaign-detail", args=[HUGE])).status_code == 404

    client.force_login(manager_a.user)
    page = client.get(reverse("campaigns:campaign-list"))
    assert page.status_code == 200
    assert [row["campaign"] for row in page.context["rows"]] == [ours]
    pages = [
        ("get", reverse("campaigns:campaign-detail", args=[deleted])),
        ("get", reverse("campaigns:campaign-edit", args=[deleted, "basic"])),
        ("post", reverse("campaigns:campaign-preview", args=[deleted])),
        ("post", reverse("campaigns:campaign-action", args=[deleted, "launch"])),
        ("get", reverse("campaigns:campaign-detail", args=[HUGE])),
    ]
    for method, url in pages:
        assert getattr(client, method)(url).status_code == 404, url


@pytest.fixture
def templates(tenant_a, tenant_b):
    """An available template of A, an inactive one, a deleted one, and B's."""

    def make(tenant, name):
        return config_entry_create(
            spec_for(CampaignTemplate),
            by=OPERATOR,
            tenant=tenant,
            data={
                "template_name": name,
                "campaign_type": CampaignType.objects.get(tenant=tenant, type_code="EMAIL_BLAST"),
            },
        )

    ours = make(tenant_a, "Ours")  # the first is the tenant's default template
    inactive, deleted = make(tenant_a, "Inactive"), make(tenant_a, "Deleted")
    config_entry_deactivate(inactive, by=OPERATOR)
    config_entry_delete(deleted, by=OPERATOR)
    return {
        "ours": ours,
        "inactive": inactive,
        "deleted": deleted,
        "foreign": make(tenant_b, "Theirs"),
    }


@pytest.mark.parametrize("pk", ["inactive", "deleted", "foreign", "missing", "abc", HUGE])
def test_the_template_library_is_one_404_too(tenant_a, agent_a, templates, pk):
    assert list(templates_available(tenant=tenant_a)) == [templates["ours"]]
    ours = campaign_template_for(tenant=tenant_a, membership=agent_a, pk=templates["ours"].pk)
    assert ours == templates["ours"]
    pk = templates[pk].pk if pk in templates else 10**6 if pk == "missing" else pk
    with pytest.raises(Http404):
        campaign_template_for(tenant=tenant_a, membership=agent_a, pk=pk)


def test_the_library_api_and_page_fetch_templates_the_same_way(api, client, manager_a, templates):
    rest = api(manager_a)
    listed = rest.get(reverse("campaign-library-list")).json()["results"]
    assert [row["id"] for row in listed] == [templates["ours"].pk]
    client.force_login(manager_a.user)
    for name in ("inactive", "deleted", "foreign"):
        pk = templates[name].pk
        url = reverse("campaign-library-create", args=[pk])
        assert rest.post(url, {"name": "X"}, format="json").status_code == 404
        page = reverse("campaigns:template-create", args=[pk])
        assert client.post(page, {"name": "X"}).status_code == 404
    from campaigns.models import Campaign

    assert not Campaign.objects.exists()
