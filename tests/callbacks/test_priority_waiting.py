"""Waiting, by hand-computed figures: it stops when a request closes, the queue shows open
requests unless closed ones are asked for, and waiting lifts the category by one at most
(docs/metrics.md "Callbacks")."""

from datetime import timedelta

import pytest

from callbacks.models import CallbackRequest, CallbackSettings
from callbacks.selectors import callback_queue
from callbacks.services.settings import callback_settings_ensure
from callbacks.services.status import callback_change_status

from .conftest import NOW, valuable_customer
from .test_priority import priority

URL = "/api/v1/callbacks/"
HOUR = timedelta(hours=1)


@pytest.fixture
def open_and_closed(manager_a, make_callback):
    """Open: billing (15) for the fixture customer (value 0), 30 hours old at NOW.
    Closed: other (0), 100 hours old at NOW, cancelled 5 hours after it arrived."""
    waiting = make_callback(reason="billing", now=NOW - 30 * HOUR)
    closed = make_callback(reason="other", now=NOW - 100 * HOUR)
    callback_change_status(
        callback=closed, by=manager_a, status="cancelled", note="Duplicate.", now=NOW - 95 * HOUR
    )
    return waiting, closed


def test_waiting_stops_when_the_request_closes(open_and_closed):
    waiting, closed = open_and_closed
    # Open: 15 + 30 hours = 45; the category counts 20 of the 30: 35 → normal.
    result = priority(waiting, NOW)
    assert (result.parts["waiting"], result.score, result.category_score) == (30, 45, 35)
    assert result.category == "normal"
    # Closed: it waited 5 hours, 95 hours ago, and counts 5 points whenever it is read.
    for now in (NOW, NOW + 100 * HOUR):
        result = priority(closed, now)
        assert (result.parts["waiting"], result.score, result.category_score) == (5, 5, 5)
        assert result.category == "low"
    # Read at a moment before it closed, it had waited until then: 3 hours.
    assert priority(closed, NOW - 97 * HOUR).parts["waiting"] == 3
    # 100 hours later the open one has 130 waiting points: 145, and is still normal.
    result = priority(waiting, NOW + 100 * HOUR)
    assert (result.score, result.category_score, result.category) == (145, 35, "normal")


def test_a_closed_row_without_a_closing_time_stops_at_its_last_change(open_and_closed):
    _, closed = open_and_closed
    CallbackRequest.objects.filter(pk=closed.pk).update(closed_at=None, updated_at=NOW - 90 * HOUR)
    assert priority(closed, NOW).parts["waiting"] == 10


def test_the_queue_is_the_open_requests_and_closed_ones_when_asked(
    tenant_a, manager_a, open_and_closed
):
    waiting, closed = open_and_closed
    queue = callback_queue(tenant=tenant_a, membership=manager_a, now=NOW)
    assert [(c.pk, c.priority_score) for c in queue] == [(waiting.pk, 45)]
    everything = callback_queue(tenant=tenant_a, membership=manager_a, now=NOW, include_closed=True)
    # Closed 95 hours ago, the cancelled request stays behind: 5 against 45 (it would have
    # 100 and lead, urgent, if its waiting had not stopped).
    assert [(c.pk, c.priority_score) for c in everything] == [(waiting.pk, 45), (closed.pk, 5)]


def test_the_api_lists_open_requests_first_and_closed_ones_when_asked(
    api, clock, manager_a, open_and_closed
):
    waiting, closed = open_and_closed
    client = api(manager_a)
    rows = client.get(URL).json()["results"]
    assert [(row["id"], row["priority"]["score"]) for row in rows] == [(waiting.pk, 45)]
    rows = client.get(URL, {"include_closed": "true"}).json()["results"]
    assert [(row["id"], row["priority"]["score"]) for row in rows] == [
        (waiting.pk, 45),
        (closed.pk, 5),
    ]
    clock.advance(hours=200)
    data = client.get(f"{URL}{closed.pk}/").json()["priority"]
    assert data == {
        "score": 5,
        "category": "low",
        "category_score": 5,
        "parts": {"customer_value": 0, "lead_score": 0, "reason": 0, "vip": 0, "waiting": 5},
    }


def test_a_request_waiting_200_hours(tenant_a, make_callback):
    support = make_callback(reason="support", now=NOW - 200 * HOUR)
    result = priority(support, NOW)
    # 10 + 200 = 210 orders the queue; the category reads 10 + min(200, 20) = 30: normal
    # (low on arrival, one category up), not urgent.
    assert (result.score, result.category_score, result.category) == (210, 30, "normal")

    best = make_callback(
        customer=valuable_customer(tenant_a), reason="sales_inquiry", now=NOW - 200 * HOUR
    )
    result = priority(best, NOW)
    # 30 + 20 + 20 = 70, high on arrival; 70 + 20 = 90: urgent.
    assert (result.score, result.category_score, result.category) == (270, 90, "urgent")

    other = make_callback(reason="other", now=NOW - 200 * HOUR)
    result = priority(other, NOW)
    # 0 + 20 = 20 stays low (below 30).
    assert (result.score, result.category_score, result.category) == (200, 20, "low")


@pytest.mark.parametrize(
    "urgent, high, normal, cap",
    [(80, 60, 30, 20), (90, 50, 30, 20), (100, 70, 20, 30), (61, 60, 0, 1)],
)
def test_the_cap_is_the_narrower_middle_band(urgent, high, normal, cap):
    settings = CallbackSettings(
        urgent_threshold=urgent, high_threshold=high, normal_threshold=normal
    )
    assert settings.waiting_category_cap == cap


def test_the_cap_follows_the_tenants_thresholds(tenant_a, make_callback):
    callback = make_callback(reason="support", now=NOW - 200 * HOUR)
    settings = callback_settings_ensure(tenant_a)
    settings.urgent_threshold, settings.high_threshold, settings.normal_threshold = 100, 70, 20
    # Low on arrival (10 < 20); the cap is min(30, 50) = 30: 10 + 30 = 40 is normal, not high.
    result = priority(callback, NOW, settings)
    assert (result.category_score, result.category) == (40, "normal")
