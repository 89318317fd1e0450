"""Writing a campaign through the builder pages: basic info, content variants, audience rules
and schedule, a campaign from a template, and form errors with nothing written."""

from decimal import Decimal

import pytest

from campaigns.models import Campaign

from .conftest import channel
from .pages import basic_data, content_data, edit, rules_data, url

pytestmark = pytest.mark.django_db


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
    assert response.context["errors"] == [
        "Rule 1: Operator: Choose one of the operators offered for this field."
    ]
    email_campaign.refresh_from_db()
    assert email_campaign.audience == {}


def test_a_launched_campaign_shows_why_it_cannot_be_edited(as_manager, email_campaign):
    as_manager.post(url("campaign-action", email_campaign.pk, "launch"), {"confirmed": "on"})
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
