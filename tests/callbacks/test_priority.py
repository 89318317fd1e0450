"""The priority on fixed clocks: each part, aging without starvation, categories, and the queue
order, which is the score computed in SQL (docs/metrics.md "Callbacks"). Waiting after close and
the category's waiting cap: test_priority_waiting."""

from datetime import timedelta
from decimal import Decimal

import pytest

from callbacks.models import CallbackRequest, CallbackSettings
from callbacks.selectors import callback_queue, priority_of, with_priority
from callbacks.services.settings import callback_settings_ensure, callback_settings_update
from crm.services.customers import customer_create
from crm.services.leads import lead_create
from tenancy.actors import OPERATOR
from tests.factories import with_crm_score

from .conftest import NOW, valuable_customer


def priority(callback, now, settings=None):
    settings = settings or callback_settings_ensure(callback.tenant)
    annotated = with_priority(
        CallbackRequest.objects.filter(pk=callback.pk), settings=settings, now=now
    ).get()
    return priority_of(annotated)


def a_lead(tenant, score, tags=(), **data):
    return lead_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": "Lee", "phone": "+15550200000", "lead_score": score, **data},
        tags=tags,
    )


def test_every_part_at_its_fullest(tenant_a, make_callback):
    customer = valuable_customer(tenant_a)
    lead = a_lead(tenant_a, 80, customer=customer)
    callback = make_callback(
        customer=customer, lead=lead, reason="complaint", now=NOW - timedelta(hours=6, minutes=40)
    )
    result = priority(callback, NOW)
    assert result.parts == {
        "customer_value": 30,  # spent at the cap and CRM score 100
        "lead_score": 16,  # 20 × 80 / 100
        "reason": 25,  # complaint
        "vip": 20,
        "waiting": 6,  # 1 point an hour × 6 h 40, rounded down
    }
    assert (result.score, result.category) == (97, "urgent")


def test_customer_value_is_half_spending_half_crm_score(tenant_a, make_callback):
    customer = customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Half", "total_spent": Decimal("5000.99")}
    )
    with_crm_score(customer, 70)
    callback = make_callback(customer=customer, phone="+15550300000")
    # ⌊30 × (100 × 5000 + 10000 × 70) / (200 × 10000)⌋ = ⌊18.0⌋
    assert priority(callback, NOW).parts["customer_value"] == 18


@pytest.mark.parametrize(
    "spent, crm, points",
    [
        ("0", 0, 0),
        ("9999.99", 0, 14),  # ⌊30 × 999900 / 2000000⌋ = ⌊14.9985⌋
        ("1000000", 0, 15),  # spending counts up to the cap only
        ("0", 150, 15),  # the CRM score counts up to 100
        ("0", -40, 0),  # and not below 0
        ("10000", 100, 30),
    ],
)
def test_customer_value_bounds(tenant_a, make_callback, spent, crm, points):
    customer = customer_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "B", "phone": "+15550300001", "total_spent": Decimal(spent)},
    )
    with_crm_score(customer, crm)
    assert priority(make_callback(customer=customer), NOW).parts["customer_value"] == points


def test_a_lead_alone_has_no_customer_value_or_vip(tenant_a, make_callback):
    callback = make_callback(lead=a_lead(tenant_a, 55, tags=["vip"]), reason="sales_inquiry")
    assert priority(callback, NOW).parts == {
        "customer_value": 0,
        "lead_score": 11,
        "reason": 20,
        "vip": 0,
        "waiting": 0,
    }


def test_reason_points_follow_the_tenants_settings(tenant_a, make_callback):
    expected = {"sales_inquiry": 20, "support": 10, "billing": 15, "complaint": 25, "other": 0}
    for reason, points in expected.items():
        assert priority(make_callback(reason=reason), NOW).parts["reason"] == points


def test_the_vip_tag_is_the_one_the_tenant_names(tenant_a, admin_a, make_callback):
    gold = customer_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "G", "phone": "+15550300002"},
        tags=["gold"],
    )
    callback = make_callback(customer=gold)
    assert priority(callback, NOW).parts["vip"] == 0
    settings = callback_settings_update(
        settings=callback_settings_ensure(tenant_a), by=admin_a, data={"vip_tag": " Gold "}
    )
    assert settings.vip_tag == "gold"
    assert priority(callback, NOW).parts["vip"] == 20


def test_waiting_adds_points_by_the_hour_without_limit(tenant_a, make_callback):
    callback = make_callback(reason="other")
    readings = {
        timedelta(0): 0,
        timedelta(minutes=59): 0,
        timedelta(hours=1): 1,
        timedelta(hours=1, minutes=59): 1,
        timedelta(hours=15): 15,
        timedelta(days=10): 240,
    }
    for waited, points in readings.items():
        assert priority(callback, NOW + waited).parts["waiting"] == points
    # A clock before the request (a backdated reading) counts no waiting.
    assert priority(callback, NOW - timedelta(hours=5)).parts["waiting"] == 0


def test_the_category_rises_as_the_request_waits_by_one_category_at_most(tenant_a, make_callback):
    callback = make_callback(reason="support")  # 10 points on arrival
    categories = [
        priority(callback, NOW + timedelta(hours=hours)).category for hours in (0, 19, 20, 50, 70)
    ]
    # Waiting counts toward the category up to 20 points (the narrower middle band, 80 − 60):
    # 10 → low, 29 → low, 30 → normal (threshold 30), and 30 from then on.
    assert categories == ["low", "low", "normal", "normal", "normal"]


def test_category_thresholds_are_inclusive(tenant_a, make_callback):
    callback = make_callback(reason="support")
    settings = callback_settings_ensure(tenant_a)
    for score, category in [(79, "high"), (80, "urgent"), (59, "normal"), (29, "low")]:
        settings.urgent_threshold, settings.high_threshold, settings.normal_threshold = 80, 60, 30
        settings.support_points = score
        assert priority(callback, NOW, settings).category == category


def test_an_old_request_overtakes_every_fresh_one_after_the_documented_time(
    tenant_a, make_callback
):
    settings = callback_settings_ensure(tenant_a)
    # The largest static score (30 + 20 + 20 + 25) over the smallest (other: 0), at 1 an hour.
    assert settings.overtake_hours == 95
    nobody = make_callback(lead=a_lead(tenant_a, 0), reason="other", now=NOW)
    best = valuable_customer(tenant_a)
    best_lead = a_lead(tenant_a, 100, customer=best)

    def fresh(hours_later):
        return make_callback(
            customer=best,
            lead=best_lead,
            reason="complaint",
            now=NOW + timedelta(hours=hours_later),
        )

    before, after = fresh(94), fresh(96)
    for waited in (96, 120, 1000):
        now = NOW + timedelta(hours=waited)
        scores = {c.pk: priority(c, now).score for c in (nobody, before, after)}
        # 94 h later and 95 points better still leads; 96 h later it never catches up.
        assert scores[before.pk] > scores[nobody.pk] > scores[after.pk]


def test_the_queue_is_ordered_by_score_then_by_waiting_time(tenant_a, manager_a, make_callback):
    low_old = make_callback(reason="other", now=NOW - timedelta(hours=2))  # 2 points
    tie_new = make_callback(reason="other", now=NOW - timedelta(hours=2, minutes=10))  # 2
    complaint = make_callback(reason="complaint", now=NOW)  # 25
    aged = make_callback(reason="support", now=NOW - timedelta(hours=20))  # 10 + 20
    queue = callback_queue(tenant=tenant_a, membership=manager_a, now=NOW)
    assert [c.priority_score for c in queue] == [30, 25, 2, 2]
    # Equal scores: the one waiting longest first.
    assert [c.pk for c in queue] == [aged.pk, complaint.pk, tie_new.pk, low_old.pk]
    # Waiting adds the same points to every request per hour, so a later read keeps the order.
    later = callback_queue(tenant=tenant_a, membership=manager_a, now=NOW + timedelta(days=3))
    assert [c.pk for c in later] == [aged.pk, complaint.pk, tie_new.pk, low_old.pk]


def test_changing_the_weights_reorders_the_queue_at_once(
    tenant_a, admin_a, manager_a, make_callback
):
    complaint = make_callback(reason="complaint")
    billing = make_callback(reason="billing")
    queue = callback_queue(tenant=tenant_a, membership=manager_a, now=NOW)
    assert [c.pk for c in queue] == [complaint.pk, billing.pk]
    callback_settings_update(
        settings=callback_settings_ensure(tenant_a),
        by=admin_a,
        data={"complaint_points": 5, "billing_points": 40},
    )
    queue = callback_queue(tenant=tenant_a, membership=manager_a, now=NOW)
    assert [(c.pk, c.priority_score) for c in queue] == [(billing.pk, 40), (complaint.pk, 5)]


def test_a_customers_new_value_counts_at_the_next_read(tenant_a, make_callback, customer):
    callback = make_callback(customer=customer)
    assert priority(callback, NOW).parts["customer_value"] == 0
    with_crm_score(customer, 100)
    assert priority(callback, NOW).parts["customer_value"] == 15


def test_unsaved_default_settings_price_like_saved_ones(tenant_a, make_callback):
    callback = make_callback(reason="billing")
    assert priority(callback, NOW, CallbackSettings(tenant=tenant_a)).score == 15
