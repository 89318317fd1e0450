"""The trigger pages: building a trigger on the campaign page (event, condition with its live
count, actions in order), editing it, every error at once, the trigger's page with its run log
in words, switching off and deleting after a confirmation, who may, and another tenant's 404."""

import pytest
from django.urls import reverse

from campaigns.automation.selectors import trigger_match_count
from campaigns.automation.services import trigger_create
from campaigns.models import CampaignTrigger, RunOutcome, TriggerRun
from crm.models import Customer
from tenancy.actors import OPERATOR
from tenancy.events import emit
from tests.campaigns.triggers import drain_outbox, running_campaign

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"campaigns:{name}", args=args)


def builder_data(
    *,
    name="Big buyers",
    event_choice="__other__",
    event_other="purchase",
    rules=(),
    event_rules=(),
    actions=({"type": "send"},),
    combinator="all",
    **extra,
):
    data = {
        "name": name,
        "event_choice": event_choice,
        "event_other": event_other,
        "delay_minutes": "0",
        "max_per_customer": "",
        "is_active": "on",
        "editor": "rules",
        "combinator": combinator,
        "rule-TOTAL_FORMS": str(len(rules)),
        "rule-INITIAL_FORMS": "0",
        "erule-TOTAL_FORMS": str(len(event_rules)),
        "erule-INITIAL_FORMS": "0",
        "action-TOTAL_FORMS": str(len(actions)),
        "action-INITIAL_FORMS": "0",
    }
    for i, (field, op, value) in enumerate(rules):
        data.update({f"rule-{i}-field": field, f"rule-{i}-op": op, f"rule-{i}-value": value})
    for i, (key, op, value) in enumerate(event_rules):
        data.update({f"erule-{i}-key": key, f"erule-{i}-op": op, f"erule-{i}-value": value})
    for i, action in enumerate(actions):
        data.update({f"action-{i}-{key}": value for key, value in action.items()})
    data.update(extra)
    return data


@pytest.fixture
def campaign(tenant_a, customers):
    return running_campaign(tenant_a)


def make_trigger(tenant, campaign, **changes):
    data = {
        "name": "Welcome on VIP tag",
        "campaign": campaign,
        "event_type": "tag_added",
        "conditions": {},
        "actions": [{"type": "add_tag", "tag": "welcomed"}],
        **changes,
    }
    return trigger_create(tenant=tenant, by=OPERATOR, data=data)


def test_the_campaign_page_offers_new_trigger_and_links_each(as_manager, tenant_a, campaign):
    trigger = make_trigger(tenant_a, campaign)
    text = as_manager.get(url("campaign-detail", campaign.pk)).content.decode()
    assert url("trigger-create", campaign.pk) in text
    assert url("trigger-detail", campaign.pk, trigger.pk) in text
    assert "built through the API" not in text


def test_create_with_a_condition_and_two_actions(as_manager, tenant_a, campaign, customers):
    page = as_manager.get(url("trigger-create", campaign.pk))
    assert page.status_code == 200
    assert "Birthday / date reached" in page.content.decode()
    response = as_manager.post(
        url("trigger-create", campaign.pk),
        builder_data(
            rules=[("tags", "has", "vip")],
            event_rules=[("amount", "gt", "100")],
            actions=[{"type": "add_tag", "tag": "big-spender"}, {"type": "send"}],
            max_per_customer="2",
            delay_minutes="5",
        ),
    )
    trigger = CampaignTrigger.objects.get(tenant=tenant_a, name="Big buyers")
    assert response.status_code == 302
    assert response["Location"] == url("trigger-detail", campaign.pk, trigger.pk)
    assert trigger.campaign == campaign and trigger.event_type == "purchase"
    assert trigger.conditions == {
        "all": [
            {"field": "tags", "op": "has", "value": "vip"},
            {"field": "event.amount", "op": "gt", "value": "100"},
        ]
    }
    assert trigger.actions == [{"type": "add_tag", "tag": "big-spender"}, {"type": "send"}]
    assert (trigger.delay_minutes, trigger.max_per_customer) == (5, 2)
    assert trigger.created_by.username == "alpha-manager"


def test_a_built_in_event_is_chosen_in_words(as_manager, tenant_a, campaign, customers):
    response = as_manager.post(
        url("trigger-create", campaign.pk),
        builder_data(event_choice="tag_added", event_other=""),
    )
    assert response.status_code == 302
    assert CampaignTrigger.objects.get(name="Big buyers").event_type == "tag_added"


def test_the_tenants_own_event_types_seen_in_the_outbox_are_offered(
    as_manager, tenant_a, campaign, customers, foreign
):
    emit(tenant=tenant_a, event_type="order_shipped", customer_id=customers[0].pk, data={})
    text = as_manager.get(url("trigger-create", campaign.pk)).content.decode()
    assert '<option value="order_shipped">' in text
    assert "zqx" not in text.lower()


def test_edit_shows_the_saved_trigger_and_saves_changes(as_manager, tenant_a, campaign, customers):
    trigger = make_trigger(
        tenant_a,
        campaign,
        conditions={"all": [{"field": "event.tag", "op": "eq", "value": "vip"}]},
        actions=[{"type": "create_task", "note": "Call them", "due_in_days": 2}, {"type": "send"}],
    )
    page = as_manager.get(url("trigger-edit", campaign.pk, trigger.pk))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'value="tag"' in text and "Call them" in text
    response = as_manager.post(
        url("trigger-edit", campaign.pk, trigger.pk),
        builder_data(
            name="Renamed",
            event_choice="tag_added",
            event_other="",
            event_rules=[("tag", "eq", "gold")],
            actions=[{"type": "request_callback", "reason": "support"}],
        ),
    )
    assert response.status_code == 302
    trigger.refresh_from_db()
    assert trigger.name == "Renamed"
    assert trigger.conditions == {"all": [{"field": "event.tag", "op": "eq", "value": "gold"}]}
    assert trigger.actions == [{"type": "request_callback", "reason": "support"}]


def test_every_error_shows_at_once_and_nothing_is_saved(as_manager, tenant_a, campaign, customers):
    response = as_manager.post(
        url("trigger-create", campaign.pk),
        builder_data(
            name="",
            event_choice="__other__",
            event_other="Not A Slug!",
            rules=[("crm_score", "gte", "lots")],
            event_rules=[("amount", "gt", "many")],
            actions=[{"type": "add_tag", "tag": ""}, {"type": "set_field", "field": ""}],
            delay_minutes="-1",
        ),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"name", "delay_minutes"}
    actions = response.context["actions"]
    assert "tag" in actions.forms[0].errors and "field" in actions.forms[1].errors
    assert not CampaignTrigger.objects.exists()


def test_service_errors_come_back_beside_their_fields(as_manager, tenant_a, campaign, customers):
    """The form lets these through; the service refuses them, every one at once."""
    response = as_manager.post(
        url("trigger-create", campaign.pk),
        builder_data(
            event_other="Not A Slug!",
            event_rules=[("amount", "gt", "many")],
            actions=[{"type": "add_tag", "tag": "x" * 99}],
        ),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "lower-case letters" in response.context["form"].errors["event_other"][0]
    assert "Give a number." in text
    assert not CampaignTrigger.objects.exists()


def test_no_action_is_an_error(as_manager, campaign, customers):
    response = as_manager.post(
        url("trigger-create", campaign.pk), builder_data(actions=[{"type": ""}])
    )
    assert response.status_code == 400
    assert "give at least one action" in response.content.decode()


def test_live_count_equals_the_real_count(as_manager, tenant_a, campaign, customers):
    data = builder_data(rules=[("tags", "has", "vip")])
    response = as_manager.post(url("trigger-count", campaign.pk), data)
    real = Customer.objects.for_tenant(tenant_a).filter(tags__name="vip").count()
    assert real == 2
    assert response.context["count"]["count"] == real
    assert f'data-count="{real}"' in response.content.decode()
    condition = {"all": [{"field": "tags", "op": "has", "value": "vip"}]}
    assert trigger_match_count(tenant=tenant_a, condition=condition) == real


def test_live_count_says_event_rules_are_not_counted(as_manager, tenant_a, campaign, customers):
    data = builder_data(event_rules=[("amount", "gt", "100")])
    response = as_manager.post(url("trigger-count", campaign.pk), data)
    text = response.content.decode()
    assert response.context["count"]["count"] == Customer.objects.for_tenant(tenant_a).count()
    assert "cannot be counted ahead" in text


def test_live_count_shows_a_bad_rule(as_manager, campaign, customers):
    response = as_manager.post(
        url("trigger-count", campaign.pk), builder_data(event_rules=[("amount", "gt", "x")])
    )
    assert response.status_code == 200
    assert "Give a number." in response.content.decode()


def test_run_log_shows_runs_with_reasons_in_words(as_manager, tenant_a, campaign, customers):
    trigger = make_trigger(
        tenant_a,
        campaign,
        name="Big buyers",
        event_type="purchase",
        conditions={"field": "event.amount", "op": "gt", "value": 100},
        actions=[{"type": "add_tag", "tag": "big-spender"}],
    )
    ada, bob = customers[0], customers[1]
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk, data={"amount": 150})
    emit(tenant=tenant_a, event_type="purchase", customer_id=bob.pk, data={"amount": 5})
    drain_outbox()
    page = as_manager.get(url("trigger-detail", campaign.pk, trigger.pk))
    text = page.content.decode()
    assert page.status_code == 200
    assert "event.amount more than 100" in text
    assert "Add a tag: big-spender" in text
    assert "The condition did not match" in text
    assert "Add a tag: Tag added." in text
    assert ada.get_absolute_url() in text and bob.get_absolute_url() in text
    skipped = as_manager.get(url("trigger-detail", campaign.pk, trigger.pk), {"outcome": "skipped"})
    rows = skipped.context["page_obj"].object_list
    assert [run.customer_id for run in rows] == [bob.pk]
    assert "Tag added." not in skipped.content.decode()


def test_run_log_is_paginated(as_manager, tenant_a, campaign, customers):
    trigger = make_trigger(tenant_a, campaign)
    TriggerRun.objects.bulk_create(
        TriggerRun(
            tenant=tenant_a,
            trigger=trigger,
            customer=customers[0],
            event=n,
            event_type="tag_added",
            outcome=RunOutcome.SKIPPED,
            reason="condition_not_met",
        )
        for n in range(30)
    )
    first = as_manager.get(url("trigger-detail", campaign.pk, trigger.pk))
    assert len(first.context["page_obj"].object_list) == 25
    second = as_manager.get(url("trigger-detail", campaign.pk, trigger.pk), {"page": 2})
    assert len(second.context["page_obj"].object_list) == 5


def test_delete_confirms_with_what_and_how_many_then_deletes(as_manager, tenant_a, campaign):
    trigger = make_trigger(tenant_a, campaign)
    customer = Customer.objects.create(tenant=tenant_a, first_name="Eve")
    TriggerRun.objects.bulk_create(
        TriggerRun(
            tenant=tenant_a,
            trigger=trigger,
            customer=customer,
            event=n,
            event_type="tag_added",
            outcome=RunOutcome.FIRED,
        )
        for n in range(132)
    )
    page = as_manager.get(url("trigger-confirm", campaign.pk, trigger.pk, "delete"))
    text = page.content.decode()
    assert "Delete trigger “Welcome on VIP tag”?" in text
    assert "Its 132 recorded runs go with it" in text
    assert CampaignTrigger.objects.filter(pk=trigger.pk).exists()
    response = as_manager.post(url("trigger-confirm", campaign.pk, trigger.pk, "delete"))
    assert response.status_code == 302
    assert not CampaignTrigger.objects.filter(pk=trigger.pk).exists()
    assert not TriggerRun.objects.filter(trigger_id=trigger.pk).exists()


def test_switch_off_confirms_then_switches_off_and_on(as_manager, tenant_a, campaign):
    trigger = make_trigger(tenant_a, campaign)
    page = as_manager.get(url("trigger-confirm", campaign.pk, trigger.pk, "deactivate"))
    assert "Switch off trigger “Welcome on VIP tag”?" in page.content.decode()
    as_manager.post(url("trigger-confirm", campaign.pk, trigger.pk, "deactivate"))
    trigger.refresh_from_db()
    assert not trigger.is_active
    as_manager.post(url("trigger-confirm", campaign.pk, trigger.pk, "activate"))
    trigger.refresh_from_db()
    assert trigger.is_active


def test_agents_read_but_may_not_build(as_agent, tenant_a, campaign, customers):
    trigger = make_trigger(tenant_a, campaign)
    detail = as_agent.get(url("trigger-detail", campaign.pk, trigger.pk))
    assert detail.status_code == 200
    assert url("trigger-edit", campaign.pk, trigger.pk) not in detail.content.decode()
    assert url("trigger-create", campaign.pk) not in (
        as_agent.get(url("campaign-detail", campaign.pk)).content.decode()
    )
    refused = [
        as_agent.get(url("trigger-create", campaign.pk)),
        as_agent.post(url("trigger-create", campaign.pk), builder_data()),
        as_agent.get(url("trigger-edit", campaign.pk, trigger.pk)),
        as_agent.post(url("trigger-count", campaign.pk), builder_data()),
        as_agent.post(url("trigger-confirm", campaign.pk, trigger.pk, "delete")),
        as_agent.post(url("trigger-confirm", campaign.pk, trigger.pk, "deactivate")),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    trigger.refresh_from_db()
    assert trigger.is_active and CampaignTrigger.objects.count() == 1


def test_another_tenants_campaign_and_trigger_are_404(as_manager, tenant_a, campaign, foreign):
    theirs, their_trigger = foreign.campaign, foreign.campaign_trigger
    mine = make_trigger(tenant_a, campaign)
    addresses = [
        ("get", url("trigger-create", theirs.pk)),
        ("post", url("trigger-create", theirs.pk)),
        ("post", url("trigger-count", theirs.pk)),
        ("get", url("trigger-detail", theirs.pk, their_trigger.pk)),
        ("get", url("trigger-edit", theirs.pk, their_trigger.pk)),
        ("get", url("trigger-confirm", theirs.pk, their_trigger.pk, "delete")),
        ("post", url("trigger-confirm", theirs.pk, their_trigger.pk, "delete")),
        # Their trigger under my campaign, and mine under theirs.
        ("get", url("trigger-detail", campaign.pk, their_trigger.pk)),
        ("post", url("trigger-confirm", campaign.pk, their_trigger.pk, "deactivate")),
        ("get", url("trigger-detail", theirs.pk, mine.pk)),
    ]
    for method, address in addresses:
        response = getattr(as_manager, method)(address, builder_data() if method == "post" else {})
        assert response.status_code == 404, address
    assert CampaignTrigger.objects.filter(pk=their_trigger.pk, is_active=True).exists()


def test_a_trigger_of_another_campaign_is_404(as_manager, tenant_a, campaign):
    other = running_campaign(tenant_a, name="Other")
    trigger = make_trigger(tenant_a, other)
    assert as_manager.get(url("trigger-detail", campaign.pk, trigger.pk)).status_code == 404
    assert as_manager.get(url("trigger-edit", campaign.pk, trigger.pk)).status_code == 404


def test_another_tenants_member_field_and_segment_are_refused(
    as_manager, tenant_a, campaign, foreign, tenant_b
):
    from crm.models import Segment
    from tenancy.models import Membership

    their_user = Membership.objects.filter(tenant=tenant_b).values_list("user_id", flat=True)
    their_segment = Segment.objects.create(tenant=tenant_b, name="Zqxbeta segment")
    page = as_manager.get(url("trigger-create", campaign.pk)).content.decode()
    assert "zqxbeta" not in page.lower()
    response = as_manager.post(
        url("trigger-create", campaign.pk),
        builder_data(
            rules=[("segment", "in", "")],
            actions=[
                {"type": "assign_lead", "agent": str(their_user.first() or 999999)},
                {"type": "set_field", "field": "zqxbeta_code", "value": "1"},
            ],
            **{"rule-0-segment": str(their_segment.pk)},
        ),
    )
    assert response.status_code == 400
    actions = response.context["actions"]
    assert "agent" in actions.forms[0].errors and "field" in actions.forms[1].errors
    assert not CampaignTrigger.objects.filter(tenant=tenant_a).exists()


def test_every_built_in_event_type_has_its_words():
    from campaigns.forms.triggers import EVENT_WORDS
    from tenancy.events import BUILTIN_EVENT_TYPES

    assert set(EVENT_WORDS) == set(BUILTIN_EVENT_TYPES)
