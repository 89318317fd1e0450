"""A trigger that fires for many customers in one batch carries out its tag and value actions
set-based (campaigns.automation.firing). The same customers, events and
trigger processed one event per batch (the per-run path) must leave the same tags, values,
history, timeline rows, scores, rule-set tags and run results."""

import pytest

from campaigns.models import TriggerRun
from crm.models import Customer, CustomerTagChange
from crm.services.tag_rules import tag_rule_create
from customfields.models import FieldHistory
from tenancy.actors import OPERATOR
from tenancy.events import EventSpec, emit_many, process_events
from tenancy.models import OutboxEvent
from tests.campaigns.conftest import make_customers
from tests.campaigns.test_triggers_consumer import make_trigger
from tests.campaigns.triggers import running_campaign

pytestmark = pytest.mark.django_db

FIXTURES_DONE = [0]  # the last event id before the test's own

ACTIONS = [
    {"type": "add_tag", "tag": "buyer"},
    {"type": "remove_tag", "tag": "lapsed"},
    {"type": "set_field", "field": "loyalty_points", "value": 500},
    {"type": "add_tag", "tag": "vip"},
]


def group(tenant, prefix):
    """Four customers: one with the tags already and the value, one with none, one with an
    old value, one who gets two events."""
    rows = [
        {"first_name": f"{prefix}1", "tags": ["buyer", "vip"], "custom": {"loyalty_points": 500}},
        {"first_name": f"{prefix}2", "tags": ["lapsed"]},
        {"first_name": f"{prefix}3", "tags": ["lapsed", "other"], "custom": {"loyalty_points": 7}},
        {"first_name": f"{prefix}4"},
    ]
    return make_customers(tenant, rows)


def state(customers):
    out = []
    for customer in customers:
        customer = Customer.objects.get(pk=customer.pk)
        out.append(
            (
                sorted(customer.tags.values_list("name", flat=True)),
                customer.custom_number_1,
                customer.crm_score,
                sorted(
                    FieldHistory.objects.filter(customer=customer).values_list(
                        "field_key", "old_value", "new_value", "reason"
                    ),
                    key=repr,
                ),
                sorted(
                    CustomerTagChange.objects.filter(customer=customer).values_list(
                        "tag_name", "added"
                    )
                ),
                [
                    [(r["type"], r["ok"], r["detail"]) for r in run.results]
                    for run in TriggerRun.objects.filter(customer=customer).order_by("event")
                ],
                # The events the actions emitted (crm's own: tag_added, field_changed, …).
                sorted(
                    (
                        (event.event_type, repr(sorted(event.data.items())))
                        for event in OutboxEvent.objects.filter(customer_id=customer.pk)
                        .exclude(event_type="purchase")
                        .filter(pk__gt=FIXTURES_DONE[0])
                    ),
                ),
            )
        )
    return out


def test_set_based_actions_match_the_per_run_path(tenant_a, loyalty):
    campaign = running_campaign(tenant_a)
    # A rule that reads the value the trigger sets: both paths must re-apply it.
    tag_rule_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "tag": "points-500",
            "condition": {"field": "custom.loyalty_points", "op": "gte", "value": 500},
        },
    )
    make_trigger(tenant_a, campaign, actions=ACTIONS)
    batch, one_by_one = group(tenant_a, "A"), group(tenant_a, "B")
    # The fixtures' own events (customer_created, tag_added) first, out of the way.
    while process_events(batch_size=500).processed:
        pass
    FIXTURES_DONE[0] = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    def events(customers):
        return [EventSpec("purchase", customer_id=c.pk) for c in [*customers, customers[3]]]

    emit_many(tenant=tenant_a, events=events(batch))
    assert process_events(batch_size=100).processed == 5  # one batch: set-based
    while process_events(batch_size=500).processed:  # the events the actions emitted
        pass
    emit_many(tenant=tenant_a, events=events(one_by_one))
    for _ in range(5):
        # One purchase per batch (they are the oldest waiting): the per-run path.
        assert process_events(batch_size=1).processed == 1

    a, b = state(batch), state(one_by_one)
    assert a == b
    # Both paths emit what customer_update emits: the value's change and the tags'.
    emitted = dict(a[2][6])
    assert "field_changed" in emitted and "'loyalty_points'" in emitted["field_changed"]
    assert emitted["customer_updated"] == repr([("fields", ["loyalty_points"])])
    assert ("tag_removed", repr([("tag", "lapsed")])) in a[2][6]
    # And what that state is, for the record.
    tags, value, _, _, _, results, _ = a[1]
    assert tags == ["buyer", "points-500", "vip"] and value == 500
    assert results == [
        [
            ("add_tag", True, "Tag added."),
            ("remove_tag", True, "Tag removed."),
            ("set_field", True, "Field set."),
            ("add_tag", True, "Tag added."),
        ]
    ]
    assert [r[0][2] for r in a[3][5]] == ["Tag added.", "No change."]


def test_a_value_the_field_refuses_gets_the_per_run_message(tenant_a, loyalty):
    campaign = running_campaign(tenant_a)
    trigger = make_trigger(
        tenant_a,
        campaign,
        actions=[{"type": "set_field", "field": "loyalty_points", "value": "many"}],
    )
    customers = group(tenant_a, "C")
    while process_events(batch_size=500).processed:
        pass
    emit_many(tenant=tenant_a, events=[EventSpec("purchase", customer_id=c.pk) for c in customers])
    assert process_events(batch_size=100).processed == 4
    results = [run.results for run in TriggerRun.objects.filter(trigger=trigger)]
    assert len(results) == 4
    assert all(len(r) == 1 and r[0]["ok"] is False and r[0]["detail"] for r in results)
    assert len({r[0]["detail"] for r in results}) == 1
    assert Customer.objects.get(pk=customers[1].pk).custom_number_1 is None
