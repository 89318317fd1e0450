"""Triggers react to the outbox: conditions over the customer and `event.<key>`, delays,
max_per_customer, inactive campaigns, every action, an event handed over twice firing once,
and a foreign customer's event never firing."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from callbacks.models import CallbackRequest
from campaigns.automation.consumer import fire_due_runs
from campaigns.automation.services import trigger_create, trigger_update
from campaigns.models import CampaignExecution, ExecutionStatus, TriggerRun, Unsubscribe
from campaigns.services.launch import campaign_pause
from crm.models import Customer, CustomerNote
from crm.services.customers import customer_create
from tenancy.actors import OPERATOR
from tenancy.events import emit, process_events, register_consumer, unregister_consumer, wakeup
from tenancy.models import EventStatus, OutboxEvent
from tests.campaigns.conftest import channel
from tests.campaigns.triggers import drain_outbox, running_campaign
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(tenant_a, customers):
    return running_campaign(tenant_a)


@pytest.fixture
def ada(customers):
    return customers[0]


@pytest.fixture
def bob(customers):
    return customers[1]


def make_trigger(tenant, campaign, **data):
    data = {
        "name": "On purchase",
        "campaign": campaign,
        "event_type": "purchase",
        "actions": [{"type": "send"}],
        **data,
    }
    return trigger_create(tenant=tenant, by=OPERATOR, data=data)


def outcomes(trigger):
    return sorted(
        (run.customer.first_name, run.outcome, run.reason)
        for run in TriggerRun.objects.filter(trigger=trigger).select_related("customer")
    )


def test_condition_on_event_amount_and_customer(
    tenant_a, campaign, ada, bob, smtp_server, django_capture_on_commit_callbacks
):
    trigger = make_trigger(
        tenant_a,
        campaign,
        conditions={
            "all": [
                {"field": "event.amount", "op": "gte", "value": 100},
                {"field": "custom.loyalty_points", "op": "gte", "value": 10},
            ]
        },
    )
    drain_outbox()  # the fixtures' own built-in events (customer_created, tag_added …)
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk, data={"amount": 150})
    emit(tenant=tenant_a, event_type="purchase", customer_id=bob.pk, data={"amount": 500})
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk, data={"amount": "20"})
    with django_capture_on_commit_callbacks(execute=True):
        assert drain_outbox() == 3
    # Bob's amount is big enough but his points are not; Ada's second purchase is too small.
    assert outcomes(trigger) == [
        ("Ada", "fired", ""),
        ("Ada", "skipped", "condition_not_met"),
        ("Bob", "skipped", "condition_not_met"),
    ]
    assert [m.rcpt_tos[0] for m in smtp_server.messages] == ["ada@example.org"]
    execution = CampaignExecution.objects.get(campaign=campaign, customer=ada)
    assert execution.status == ExecutionStatus.SENT


def test_event_rules_inside_any_and_not(tenant_a, campaign, ada, bob):
    trigger = make_trigger(
        tenant_a,
        campaign,
        actions=[{"type": "add_tag", "tag": "big-spender"}],
        conditions={
            "any": [
                {"not": {"field": "event.channel", "op": "eq", "value": "web"}},
                {"field": "first_name", "op": "eq", "value": "Bob"},
            ]
        },
    )
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk, data={"channel": "web"})
    emit(tenant=tenant_a, event_type="purchase", customer_id=bob.pk, data={"channel": "web"})
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk, data={"channel": "shop"})
    drain_outbox()
    assert outcomes(trigger) == [
        ("Ada", "fired", ""),
        ("Ada", "skipped", "condition_not_met"),
        ("Bob", "fired", ""),
    ]


def test_the_same_event_processed_twice_fires_once(
    tenant_a, campaign, ada, smtp_server, django_capture_on_commit_callbacks
):
    trigger = make_trigger(
        tenant_a,
        campaign,
        actions=[{"type": "send"}, {"type": "create_task", "note": "Call them"}],
    )
    event = emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk, data={})
    with django_capture_on_commit_callbacks(execute=True):
        drain_outbox()
        # The worker handed it over again (at least once): put it back and run the consumer.
        OutboxEvent.objects.filter(pk=event.pk).update(status=EventStatus.PENDING)
        drain_outbox()
    assert TriggerRun.objects.filter(trigger=trigger).count() == 1
    assert CustomerNote.objects.filter(customer=ada, note="Call them").count() == 1
    assert len(smtp_server.messages) == 1


def test_the_same_event_id_twice_is_one_run(tenant_a, campaign, ada):
    trigger = make_trigger(tenant_a, campaign, actions=[{"type": "create_task", "note": "T"}])
    for _ in range(2):
        emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk, event_id="order-1")
    drain_outbox()
    assert TriggerRun.objects.filter(trigger=trigger).count() == 1
    assert CustomerNote.objects.filter(customer=ada).count() == 1


def test_delay_schedules_and_fires_when_due(tenant_a, campaign, ada):
    trigger = make_trigger(
        tenant_a,
        campaign,
        delay_minutes=30,
        actions=[{"type": "create_task", "note": "Follow up"}],
    )
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
    drain_outbox()
    run = TriggerRun.objects.get(trigger=trigger)
    assert run.outcome == "scheduled" and run.due_at > timezone.now() + timedelta(minutes=29)
    assert fire_due_runs() == 0  # not due yet
    assert not CustomerNote.objects.filter(customer=ada).exists()
    assert fire_due_runs(now=timezone.now() + timedelta(minutes=31)) == 1
    run.refresh_from_db()
    assert run.outcome == "fired" and run.results[0]["ok"]
    assert CustomerNote.objects.filter(customer=ada, note="Follow up", is_task=True).count() == 1
    assert fire_due_runs(now=timezone.now() + timedelta(minutes=60)) == 0  # fired once


def test_delayed_run_of_a_paused_campaign_is_skipped(tenant_a, campaign, ada):
    trigger = make_trigger(
        tenant_a, campaign, delay_minutes=5, actions=[{"type": "create_task", "note": "x"}]
    )
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
    drain_outbox()
    campaign_pause(campaign=campaign, by=OPERATOR)
    fire_due_runs(now=timezone.now() + timedelta(minutes=6))
    assert outcomes(trigger) == [("Ada", "skipped", "campaign_not_active")]
    assert not CustomerNote.objects.filter(customer=ada).exists()


def test_max_per_customer(tenant_a, campaign, ada, bob):
    trigger = make_trigger(
        tenant_a,
        campaign,
        max_per_customer=2,
        actions=[{"type": "create_task", "note": "Bought"}],
    )
    for _ in range(3):
        emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
    emit(tenant=tenant_a, event_type="purchase", customer_id=bob.pk)
    drain_outbox()
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)  # a later batch counts too
    drain_outbox()
    assert outcomes(trigger) == [
        ("Ada", "fired", ""),
        ("Ada", "fired", ""),
        ("Ada", "skipped", "max_reached"),
        ("Ada", "skipped", "max_reached"),
        ("Bob", "fired", ""),
    ]
    assert CustomerNote.objects.filter(customer=ada).count() == 2


def test_a_campaign_not_active_does_not_fire(tenant_a, customers, ada):
    draft = running_campaign(tenant_a, name="Draft", launch=False)
    trigger = make_trigger(tenant_a, draft, actions=[{"type": "create_task", "note": "x"}])
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
    drain_outbox()
    assert outcomes(trigger) == [("Ada", "skipped", "campaign_not_active")]
    assert not CustomerNote.objects.exists()


def test_paused_campaign_and_inactive_trigger(tenant_a, campaign, ada):
    trigger = make_trigger(tenant_a, campaign, actions=[{"type": "create_task", "note": "x"}])
    campaign_pause(campaign=campaign, by=OPERATOR)
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
    drain_outbox()
    assert outcomes(trigger) == [("Ada", "skipped", "campaign_not_active")]
    trigger_update(trigger=trigger, by=OPERATOR, data={"is_active": False})
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
    drain_outbox()
    assert TriggerRun.objects.filter(trigger=trigger).count() == 1  # an inactive trigger: no run


def test_opted_out_customer_is_skipped(tenant_a, campaign, ada):
    trigger = make_trigger(tenant_a, campaign)
    Unsubscribe.objects.create(tenant=tenant_a, customer=ada, channel=channel(tenant_a, "EMAIL"))
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
    drain_outbox()
    assert outcomes(trigger) == [("Ada", "skipped", "opted_out")]
    assert not CampaignExecution.objects.filter(campaign=campaign).exists()


def test_a_second_send_to_the_same_customer_is_recorded_not_sent(
    tenant_a, campaign, ada, smtp_server, django_capture_on_commit_callbacks
):
    trigger = make_trigger(tenant_a, campaign)
    with django_capture_on_commit_callbacks(execute=True):
        emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
        drain_outbox()
        emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
        drain_outbox()
    details = [r.results[0]["detail"] for r in TriggerRun.objects.filter(trigger=trigger)]
    assert sorted(details) == [
        "Already sent: a customer gets a campaign's message once.",
        "Message queued.",
    ]
    assert len(smtp_server.messages) == 1


def test_each_action(tenant_a, campaign, ada, manager_a, loyalty):
    lead = LeadFactory(tenant=tenant_a, customer=ada)
    trigger = make_trigger(
        tenant_a,
        campaign,
        event_type="order_shipped",
        actions=[
            {"type": "add_tag", "tag": "Shipped"},
            {"type": "remove_tag", "tag": "vip"},
            {"type": "set_field", "field": "loyalty_points", "value": 300},
            {"type": "create_task", "note": "Ask for a review", "due_in_days": 3},
            {"type": "request_callback", "reason": "sales_inquiry"},
            {"type": "assign_lead", "agent": manager_a.user_id},
        ],
    )
    emit(tenant=tenant_a, event_type="order_shipped", customer_id=ada.pk, data={"lead": lead.pk})
    drain_outbox()
    run = TriggerRun.objects.get(trigger=trigger)
    assert [r["ok"] for r in run.results] == [True] * 6, run.results
    ada.refresh_from_db()
    assert sorted(ada.tags.values_list("name", flat=True)) == ["shipped"]
    assert ada.custom_number_1 == 300 or 300 in ada.custom_fields_extra.values()
    task = CustomerNote.objects.get(customer=ada, note="Ask for a review")
    assert task.is_task and task.due_date is not None
    callback = CallbackRequest.objects.get(customer=ada)
    assert callback.reason == "sales_inquiry"
    lead.refresh_from_db()
    assert lead.assigned_to_id == manager_a.user_id


def test_a_refused_action_is_recorded_and_the_rest_go_on(tenant_a, campaign, customers):
    cy = customers[2]  # no phone: a callback cannot be requested
    trigger = make_trigger(
        tenant_a,
        campaign,
        actions=[{"type": "request_callback"}, {"type": "add_tag", "tag": "tried"}],
    )
    emit(tenant=tenant_a, event_type="purchase", customer_id=cy.pk)
    drain_outbox()
    run = TriggerRun.objects.get(trigger=trigger)
    assert [r["ok"] for r in run.results] == [False, True]
    assert run.results[0]["detail"]
    assert list(cy.tags.values_list("name", flat=True)) == ["tried"]


def test_a_foreign_customer_in_an_event_never_fires(tenant_a, tenant_b, campaign):
    trigger = make_trigger(tenant_a, campaign, actions=[{"type": "create_task", "note": "x"}])
    stranger = customer_create(tenant=tenant_b, by=OPERATOR, data={"first_name": "Stranger"})
    drain_outbox()  # the customers' own built-in events (customer_created …)
    emit(tenant=tenant_a, event_type="purchase", customer_id=stranger.pk)
    result = process_events()
    assert result.processed == 1
    assert not TriggerRun.objects.filter(trigger=trigger).exists()
    assert not CustomerNote.objects.exists()


def test_another_tenants_trigger_does_not_see_the_event(tenant_a, tenant_b, campaign, ada, foreign):
    theirs = make_trigger(
        tenant_b, foreign.campaign, actions=[{"type": "create_task", "note": "x"}]
    )
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
    drain_outbox()
    assert not TriggerRun.objects.filter(trigger=theirs).exists()


@pytest.mark.django_db(transaction=True)
def test_a_customer_another_worker_holds_is_left_to_a_later_batch(
    tenant_a, campaign, ada, bob, monkeypatch
):
    """Two workers whose batches share a customer: the second does not wait for the first's
    whole batch (SKIP LOCKED); the shared customer's event goes back to the outbox and fires
    once the first has committed."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    monkeypatch.setattr(wakeup, "_kick", lambda: None)  # the test plays the workers
    trigger = make_trigger(tenant_a, campaign, actions=[{"type": "add_tag", "tag": "buyer"}])
    drain_outbox()
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
    held = emit(tenant=tenant_a, event_type="purchase", customer_id=bob.pk)
    holding, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                list(Customer.objects.select_for_update().filter(pk=bob.pk))
                holding.set()
                assert release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(30)
        result = process_events()
        assert (result.processed, result.deferred) == (1, 1)
        assert outcomes(trigger) == [("Ada", "fired", "")]
        held.refresh_from_db()
        assert (held.status, held.attempts) == (EventStatus.PENDING, 0)
    finally:
        release.set()
        thread.join(30)
    drain_outbox()
    assert outcomes(trigger) == [("Ada", "fired", ""), ("Bob", "fired", "")]
    assert sorted(c.first_name for c in Customer.objects.filter(tags__name="buyer")) == [
        "Ada",
        "Bob",
    ]


@pytest.mark.django_db(transaction=True)
def test_workers_with_a_capped_trigger_do_not_wait_for_each_other(
    tenant_a, campaign, ada, bob, monkeypatch
):
    """max_per_customer is counted per customer, and a customer is judged by one worker at a
    time: a worker judging Bob does not wait for another's open batch with Ada's event."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections need PostgreSQL")
    monkeypatch.setattr(wakeup, "_kick", lambda: None)  # the test plays the workers
    trigger = make_trigger(
        tenant_a, campaign, max_per_customer=1, actions=[{"type": "create_task", "note": "x"}]
    )
    drain_outbox()
    emit(tenant=tenant_a, event_type="purchase", customer_id=ada.pk)
    emit(tenant=tenant_a, event_type="purchase", customer_id=bob.pk)
    holding, release = threading.Event(), threading.Event()

    def pause(*, tenant, events):  # after the triggers' consumer, before the first's commit
        if threading.current_thread().name == "first":
            holding.set()
            assert release.wait(30)

    register_consumer("pause", pause)

    def first():
        try:
            process_events(batch_size=1)  # Ada's, the older
        finally:
            connections.close_all()

    thread = threading.Thread(target=first, name="first")
    thread.start()
    try:
        assert holding.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a wait fails the batch, not the test
        result = process_events(batch_size=1)  # Bob's, while the first is still open
        assert (result.processed, result.retried) == (1, 0)
    finally:
        release.set()
        thread.join(30)
        unregister_consumer("pause")
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert outcomes(trigger) == [("Ada", "fired", ""), ("Bob", "fired", "")]
