"""The campaign pages through Django's test client: rendering, tenancy (another tenant's
campaign is a 404, its catalogue never offered), roles (agents read, managers and admins
write), form errors with nothing written, the status actions, the live count and the preview."""

from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.models import Campaign, CampaignExecution, CampaignTemplate, CampaignType
from campaigns.selectors.analytics import campaign_analytics, campaign_summaries
from campaigns.services.launch import create_executions
from campaigns.services.tracking import record_click, record_conversion
from tenancy.actors import OPERATOR
from tenancy.services.config_entries import config_entry_create, spec_for
from tests.campaigns.foreign import build

from .conftest import channel

pytestmark = pytest.mark.django_db


class World:
    pass


@pytest.fixture
def foreign(tenant_b):
    """Tenant B's own type, channel, status, budget type, template and launched campaign."""
    world = World()
    build(world, tenant_b)
    return world


@pytest.fixture
def as_manager(client, manager_a):
    client.force_login(manager_a.user)
    return client


@pytest.fixture
def as_agent(client, agent_a):
    client.force_login(agent_a.user)
    return client


@pytest.fixture
def template_a(tenant_a):
    return config_entry_create(
        spec_for(CampaignTemplate),
        by=OPERATOR,
        tenant=tenant_a,
        data={
            "template_name": "Welcome offer",
            "campaign_type": CampaignType.objects.get(tenant=tenant_a, type_code="EMAIL_BLAST"),
            "default_channels": ["EMAIL"],
            "default_budget": Decimal("250"),
            "content": {"EMAIL": {"subject": "Hi {{ first_name }}", "body": "Welcome!"}},
        },
    )


def url(name, *args):
    return reverse(f"campaigns:{name}", args=args)


def edit(campaign, tab):
    return url("campaign-edit", campaign.pk, tab)


def basic_data(tenant, **changes):
    data = {
        "name": "Autumn sale",
        "description": "",
        "campaign_type": CampaignType.objects.get(tenant=tenant, type_code="EMAIL_BLAST").pk,
        "budget_type": "",
        "budget": "1000",
        "start_date": "",
        "end_date": "",
        "channels": [channel(tenant, "EMAIL").pk],
    }
    return {**data, **changes}


def content_data(campaign, *forms, initial=None):
    data = {
        "content-TOTAL_FORMS": str(len(forms)),
        "content-INITIAL_FORMS": str(len(forms) if initial is None else initial),
        "content-MIN_NUM_FORMS": "0",
        "content-MAX_NUM_FORMS": "1000",
    }
    for i, form in enumerate(forms):
        for key, value in form.items():
            data[f"content-{i}-{key}"] = value
    return data


def rules_data(*rules, combinator="all"):
    data = {
        "editor": "rules",
        "combinator": combinator,
        "rule-TOTAL_FORMS": str(len(rules)),
        "rule-INITIAL_FORMS": "0",
        "rule-MIN_NUM_FORMS": "0",
        "rule-MAX_NUM_FORMS": "1000",
    }
    for i, (field, op, value) in enumerate(rules):
        data.update({f"rule-{i}-field": field, f"rule-{i}-op": op, f"rule-{i}-value": value})
    return data


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
    create_executions(email_campaign)
    execution = CampaignExecution.objects.filter(campaign=email_campaign).first()
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


# ---------------------------------------------------------------------------------------------
# Writing through the builder


def test_create_then_write_content_audience_and_schedule(as_manager, tenant_a, customers):
    response = as_manager.post(url("campaign-create"), basic_data(tenant_a))
    campaign = Campaign.objects.get(name="Autumn sale")
    assert response["Location"] == edit(campaign, "content")
    assert campaign.created_by.username == "alpha-manager"

    email = channel(tenant_a, "EMAIL")
    response = as_manager.post(
        edit(campaign, "content"),
        content_data(
            campaign,
            {"channel": email.pk, "variant": "A", "weight": "1", "subject": "Hi", "body": "A"},
            {"channel": email.pk, "variant": "B", "weight": "3", "subject": "Yo", "body": "B"},
            initial=1,
        ),
    )
    assert response.status_code == 302
    assert list(campaign.variants.values_list("variant", "weight")) == [("A", 1), ("B", 3)]

    response = as_manager.post(edit(campaign, "audience"), rules_data(("tags", "has", "vip")))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.audience == {"all": [{"field": "tags", "op": "has", "value": "vip"}]}

    response = as_manager.post(
        edit(campaign, "audience"),
        {
            "editor": "json",
            "condition": '{"not": {"field": "first_name", "op": "eq", "value": "Ada"}}',
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.audience == {"not": {"field": "first_name", "op": "eq", "value": "Ada"}}
    # The rule list cannot show a "not": the page says so and offers the JSON editor.
    assert not as_manager.get(edit(campaign, "audience")).context["audience"].is_simple

    response = as_manager.post(edit(campaign, "schedule"), {"scheduled_at": "2031-05-01T09:30:00"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.scheduled_at.year == 2031


def test_create_from_a_template(as_manager, tenant_a, template_a):
    response = as_manager.post(url("template-create", template_a.pk), {"name": "Welcome May"})
    campaign = Campaign.objects.get()
    assert response["Location"] == edit(campaign, "basic")
    assert (campaign.name, campaign.budget, campaign.template) == (
        "Welcome May",
        Decimal("250.00"),
        template_a,
    )
    assert campaign.variants.get().subject == "Hi {{ first_name }}"


def test_a_budget_outside_the_guidelines_is_refused_with_nothing_written(as_manager, tenant_a):
    response = as_manager.post(url("campaign-create"), basic_data(tenant_a, budget="99999"))
    assert response.status_code == 200
    assert response.context["form"].errors["budget"] == [
        "Email blast campaigns allow a budget of at most 5000.00."
    ]
    assert not Campaign.objects.exists()


def test_an_unknown_tag_is_refused_with_nothing_written(as_manager, tenant_a, email_campaign):
    before = list(email_campaign.variants.values_list("subject", "body"))
    response = as_manager.post(
        edit(email_campaign, "content"),
        content_data(
            email_campaign,
            {
                "channel": channel(tenant_a, "EMAIL").pk,
                "variant": "A",
                "weight": "1",
                "subject": "Hi {{ nickname }}",
                "body": "Body",
            },
        ),
    )
    assert response.status_code == 200
    assert "Unknown personalisation tag: {{ nickname }}." in " ".join(response.context["errors"])
    assert list(email_campaign.variants.values_list("subject", "body")) == before


def test_a_bad_audience_rule_is_refused_with_nothing_written(as_manager, email_campaign):
    response = as_manager.post(
        edit(email_campaign, "audience"), rules_data(("crm_score", "contains", "x"))
    )
    assert response.status_code == 200
    assert "'contains' does not apply to crm_score" in " ".join(response.context["errors"])
    email_campaign.refresh_from_db()
    assert email_campaign.audience == {}


def test_a_launched_campaign_shows_why_it_cannot_be_edited(as_manager, email_campaign):
    as_manager.post(url("campaign-action", email_campaign.pk, "launch"))
    page = as_manager.get(edit(email_campaign, "basic"))
    assert b"A campaign in status Active cannot be edited" in page.content
    assert b"Save basic info" not in page.content
    data = basic_data(email_campaign.tenant, name="Renamed", budget="100")
    response = as_manager.post(edit(email_campaign, "basic"), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "A campaign in status Active cannot be edited."
    ]
    email_campaign.refresh_from_db()
    assert email_campaign.name == "Spring sale"


# ---------------------------------------------------------------------------------------------
# Status actions, live count, preview


def test_launch_pause_resume_complete_through_the_pages(
    as_manager, email_campaign, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    detail = url("campaign-detail", email_campaign.pk)

    def act(action):
        response = as_manager.post(url("campaign-action", email_campaign.pk, action), follow=True)
        assert response.redirect_chain[-1][0] == detail
        email_campaign.refresh_from_db()
        return [str(m) for m in response.context["messages"]]

    assert act("launch") == ["Campaign launched."]
    assert email_campaign.status.status_code == "ACTIVE"
    assert CampaignExecution.objects.filter(campaign=email_campaign).count() == 4
    assert act("pause") == ["Campaign paused."]
    assert email_campaign.status.status_code == "PAUSED"
    assert act("launch") == ["This campaign was launched already; resume it."]
    assert act("resume") == ["Campaign resumed."]
    assert act("complete") == ["Campaign completed."]
    assert act("resume") == ["A campaign in status Completed cannot be resumed."]
    assert email_campaign.status.status_code == "COMPLETED"


def test_launch_refusal_is_a_message_and_nothing_changes(as_manager, tenant_a):
    as_manager.post(url("campaign-create"), basic_data(tenant_a))
    campaign = Campaign.objects.get()
    response = as_manager.post(url("campaign-action", campaign.pk, "launch"), follow=True)
    assert [str(m) for m in response.context["messages"]][-1] == "Write the message for EMAIL."
    campaign.refresh_from_db()
    assert campaign.launched_at is None and campaign.status.status_code == "DRAFT"


def test_live_count_follows_the_posted_rules(as_manager, customers):
    def count(data):
        response = as_manager.post(url("audience-count"), data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        return response.context["count"]["count"], response.context["errors"]

    assert count(rules_data()) == (4, [])
    assert count(rules_data(("tags", "has", "vip"))) == (2, [])
    assert count(rules_data(("custom.loyalty_points", "gte", "100"))) == (1, [])
    assert count(rules_data(("tags", "has", "vip"), ("email", "is_set", ""), combinator="any")) == (
        3,
        [],
    )
    assert count({"editor": "json", "condition": '{"field": "phone", "op": "is_set"}'}) == (3, [])
    none, errors = count(rules_data(("custom.nope", "eq", "1")))
    assert none is None and errors[0].startswith("Rule 1: field: Select a valid choice.")
    none, errors = count(rules_data(("crm_score", "contains", "x")))
    assert none is None and "'contains' does not apply to crm_score" in errors[0]


def test_preview_renders_the_unsaved_content_for_a_customer(
    as_manager, tenant_a, email_campaign, customers
):
    bob = customers[1]
    response = as_manager.post(
        url("campaign-preview", email_campaign.pk),
        {
            "channel": channel(tenant_a, "EMAIL").pk,
            "subject": "Hey {{ first_name }}",
            "body": "<p>{{ last_name }} has {{ custom.loyalty_points }}</p>",
            "customer": bob.pk,
        },
    )
    preview = response.context["preview"]
    assert preview["subject"] == "Hey Bob"
    assert preview["body"] == "<p>&lt;b&gt;Builder&lt;/b&gt; has 5</p>"
    # In a sandboxed iframe; the body is escaped once more into its srcdoc attribute.
    assert b'sandbox srcdoc="&lt;p&gt;&amp;lt;b&amp;gt;Builder' in response.content

    response = as_manager.post(
        url("campaign-preview", email_campaign.pk),
        {"channel": channel(tenant_a, "EMAIL").pk, "subject": "{{ oops }}", "body": "x"},
    )
    assert response.context["preview"] is None
    assert "Unknown personalisation tag: {{ oops }}." in " ".join(response.context["errors"])
