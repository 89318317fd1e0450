"""What a user sees when several triggers react to the same events (campaigns.automation):
the triggers of one event all judge the customer as the event found them; the customer's next
event sees what they did; tags are played in order and only the end state is written; the
last trigger's value wins."""

import pytest

from campaigns.models import TriggerRun
from crm.models import CustomerNote, CustomerTagChange
from customfields.models import FieldHistory
from tenancy.events import EventSpec, emit_many, process_events
from tests.campaigns.test_triggers_consumer import make_trigger
from tests.campaigns.triggers import drain_outbox, running_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(tenant_a, customers):
    drain_outbox()  # the fixtures' own events
    return running_campaign(tenant_a)


def results(trigger):
    return [
        (run.outcome, [r["detail"] for r in run.results])
        for run in TriggerRun.objects.filter(trigger=trigger).order_by("event")
    ]


def test_a_trigger_sees_another_triggers_change_at_the_next_event_not_the_same_one(
    tenant_a, campaign, customers
):
    ada = customers[0]
    tagger = make_trigger(
        tenant_a, campaign, name="Tag gold", actions=[{"type": "add_tag", "tag": "gold"}]
    )
    reader = make_trigger(
        tenant_a,
        campaign,
        name="Gold buyers",
        conditions={"field": "tags", "op": "has", "value": "gold"},
        actions=[{"type": "create_task", "note": "Gold buyer"}],
    )
    assert tagger.pk < reader.pk
    # Two purchases in one batch: the first is judged before either trigger acted.
    emit_many(tenant=tenant_a, events=[EventSpec("purchase", customer_id=ada.pk)] * 2)
    assert process_events(batch_size=100).processed == 2
    assert results(tagger) == [("fired", ["Tag added."]), ("fired", ["No change."])]
    assert [run.outcome for run in TriggerRun.objects.filter(trigger=reader).order_by("event")] == [
        "skipped",
        "fired",
    ]
    assert CustomerNote.objects.filter(customer=ada, note="Gold buyer").count() == 1


def test_tags_added_then_removed_for_one_event_are_neither(tenant_a, campaign, customers):
    ada = customers[0]
    adder = make_trigger(tenant_a, campaign, name="Add", actions=[{"type": "add_tag", "tag": "x"}])
    remover = make_trigger(
        tenant_a, campaign, name="Remove", actions=[{"type": "remove_tag", "tag": "x"}]
    )
    emit_many(tenant=tenant_a, events=[EventSpec("purchase", customer_id=ada.pk)])
    drain_outbox()
    assert results(adder) == [("fired", ["Tag added."])]
    assert results(remover) == [("fired", ["Tag removed."])]
    assert "x" not in set(ada.tags.values_list("name", flat=True))
    assert not CustomerTagChange.objects.filter(customer=ada, tag_name="x").exists()


def test_the_last_triggers_value_wins_with_one_change_in_the_history(tenant_a, campaign, customers):
    ada = customers[0]  # 120 points
    first = make_trigger(
        tenant_a,
        campaign,
        name="First",
        actions=[{"type": "set_field", "field": "loyalty_points", "value": 100}],
    )
    second = make_trigger(
        tenant_a,
        campaign,
        name="Second",
        actions=[{"type": "set_field", "field": "loyalty_points", "value": 200}],
    )
    history_before = FieldHistory.objects.filter(customer=ada).count()
    emit_many(tenant=tenant_a, events=[EventSpec("purchase", customer_id=ada.pk)])
    drain_outbox()
    assert results(first) == [("fired", ["Field set."])]
    assert results(second) == [("fired", ["Field set."])]
    ada.refresh_from_db()
    assert ada.custom_number_1 == 200
    rows = list(
        FieldHistory.objects.filter(customer=ada)
        .order_by("pk")
        .values_list("old_value", "new_value", "reason")[history_before:]
    )
    assert rows == [("120.00", "200.00", "Trigger Second")]
