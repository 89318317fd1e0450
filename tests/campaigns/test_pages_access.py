"""The campaign pages through Django's test client: every page renders, the list filters and
its figures match the analytics, another tenant's campaign is a 404 and its catalogue is never
offered, agents read while managers and admins write, and signed-out visitors sign in first."""

from decimal import Decimal

import pytest

from campaigns.models import Campaign, CampaignExecution, CampaignType
from campaigns.selectors.analytics import campaign_analytics, campaign_summaries
from campaigns.services.tracking import record_click, record_conversion
from tenancy.actors import OPERATOR

from .conftest import channel
from .factories import CampaignExecutionFactory
from .pages import basic_data, edit, rules_data, url

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Rendering


def test_every_page_renders(as_manager, email_campaign, template_a):
    for address in (
        url("campaign-list"),
        url("campaign-create"),
        url("template-list"),
        url("campaign-detail", email_campaign.pk),
        *(edit(email_campaign, tab) for tab in ("basic", "content", "audience", "schedule")),
    ):
        response = as_manager.get(address)
        assert response.status_code == 200, address
    assert as_manager.get(edit(email_campaign, "nope")).status_code == 404


def test_list_filters_by_status_and_type(as_manager, tenant_a, email_campaign):
    seo = CampaignType.objects.get(tenant=tenant_a, type_code="SEO_CAMPAIGN")
    Campaign.objects.create(
        tenant=tenant_a, name="Search push", campaign_type=seo, status=email_campaign.status
    )
    names = lambda response: [row["campaign"].name for row in response.context["rows"]]  # noqa: E731
    assert sorted(names(as_manager.get(url("campaign-list")))) == ["Search push", "Spring sale"]
    assert names(as_manager.get(url("campaign-list"), {"campaign_type": "SEO_CAMPAIGN"})) == [
        "Search push"
    ]
    assert names(as_manager.get(url("campaign-list"), {"status": "ACTIVE"})) == []
    partial = as_manager.get(url("campaign-list"), {"search": "spring"}, HTTP_HX_REQUEST="true")
    assert names(partial) == ["Spring sale"]
    assert b"<html" not in partial.content


def test_list_figures_match_the_campaign_analytics(tenant_a, email_campaign, customers):
    execution = CampaignExecutionFactory(campaign=email_campaign)
    CampaignExecution.objects.filter(pk=execution.pk).update(sent_at=execution.created_at)
    record_click(execution=execution, url="https://shop.example/offer?x=1&y=2")
    record_conversion(
        by=OPERATOR, campaign=email_campaign, value=Decimal("40"), customer=execution.customer
    )
    summary = campaign_summaries(tenant=tenant_a, campaign_ids=[email_campaign.pk])
    full = campaign_analytics(campaign=email_campaign)
    for key in ("audience", "sent", "opened", "clicked", "converted", "revenue", "cost"):
        assert summary[email_campaign.pk][key] == full[key], key
    assert (summary[email_campaign.pk]["clicked"], summary[email_campaign.pk]["revenue"]) == (
        1,
        Decimal("40.00"),
    )


# ---------------------------------------------------------------------------------------------
# Tenancy and roles


def test_another_tenants_campaign_is_404_everywhere(as_manager, foreign):
    campaign = foreign.campaign
    for address in (
        url("campaign-detail", campaign.pk),
        edit(campaign, "basic"),
        edit(campaign, "content"),
    ):
        assert as_manager.get(address).status_code == 404, address
    for action in ("launch", "pause", "resume", "complete"):
        assert as_manager.post(url("campaign-action", campaign.pk, action)).status_code == 404
    assert as_manager.post(url("campaign-preview", campaign.pk), {}).status_code == 404
    response = as_manager.post(url("template-create", foreign.campaign_template.pk), {})
    assert response.status_code == 404
    campaign.refresh_from_db()
    assert campaign.launched_at is None
    assert Campaign.objects.filter(tenant=campaign.tenant).count() == 1


def test_dropdowns_never_offer_another_tenants_entries(as_manager, foreign, email_campaign):
    pages = [
        as_manager.get(url("campaign-list")),
        as_manager.get(url("campaign-create")),
        as_manager.get(url("template-list")),
        as_manager.get(edit(email_campaign, "basic")),
        as_manager.get(edit(email_campaign, "content")),
        as_manager.get(edit(email_campaign, "audience")),
    ]
    for response in pages:
        html = response.content.decode()
        assert "Zqxbeta" not in html and "ZQXBETA" not in html and "zqxbeta" not in html
    basic = pages[1].context["form"]
    assert all(
        t.tenant_id == email_campaign.tenant_id for t in basic["campaign_type"].field.queryset
    )
    assert all(c.tenant_id == email_campaign.tenant_id for c in basic["channels"].field.queryset)


def test_foreign_ids_posted_to_the_forms_are_refused(as_manager, tenant_a, foreign, email_campaign):
    data = basic_data(
        tenant_a,
        campaign_type=foreign.campaign_type.pk,
        channels=[foreign.campaign_channel.pk],
    )
    response = as_manager.post(url("campaign-create"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"campaign_type", "channels"}
    foreign_customer = foreign.execution.customer
    response = as_manager.post(
        url("campaign-preview", email_campaign.pk),
        {"channel": channel(tenant_a, "EMAIL").pk, "body": "Hi", "customer": foreign_customer.pk},
    )
    assert response.context["preview"] is None
    assert "customer" in " ".join(response.context["errors"])
    assert Campaign.objects.filter(tenant=tenant_a).count() == 1


def test_agents_read_but_cannot_write(as_agent, tenant_a, email_campaign, template_a):
    assert as_agent.get(url("campaign-list")).status_code == 200
    detail = as_agent.get(url("campaign-detail", email_campaign.pk))
    assert detail.status_code == 200
    assert b"Launch</button>" not in detail.content
    assert as_agent.get(url("campaign-create")).status_code == 403
    assert as_agent.get(edit(email_campaign, "basic")).status_code == 403
    assert as_agent.post(url("campaign-action", email_campaign.pk, "launch")).status_code == 403
    assert as_agent.post(url("audience-count"), rules_data()).status_code == 403
    assert as_agent.post(url("campaign-preview", email_campaign.pk), {}).status_code == 403
    assert as_agent.post(url("template-create", template_a.pk), {}).status_code == 403
    email_campaign.refresh_from_db()
    assert email_campaign.launched_at is None
    assert Campaign.objects.count() == 1


def test_signed_out_visitors_go_to_the_login_page(client, email_campaign):
    response = client.get(url("campaign-detail", email_campaign.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
