"""The SLA promise: set on arrival from the category the request has then, counted in the
tenant's business hours and holidays in its time zone; breached requests flagged."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from callbacks.models import CallbackRequest
from callbacks.selectors import with_priority
from callbacks.services.requests import callback_update
from callbacks.services.settings import (
    callback_settings_ensure,
    callback_settings_update,
    holiday_create,
)
from callbacks.services.status import callback_change_status
from crm.services.leads import lead_create
from tenancy.actors import OPERATOR

from .conftest import NOW, valuable_customer

FRIDAY_1630 = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)


def test_a_low_request_is_due_in_72_business_hours(make_callback):
    callback = make_callback(reason="support")  # 10 points: low
    assert callback.sla_category == "low"
    assert callback.sla_due_at == datetime(2026, 3, 17, 10, 0, tzinfo=UTC)


def test_friday_afternoon_high_request_is_due_monday(tenant_a, make_callback):
    customer = valuable_customer(tenant_a)  # 30 + 20 VIP + complaint 25 = 75: high, 4 h
    callback = make_callback(customer=customer, reason="complaint", now=FRIDAY_1630)
    assert callback.sla_category == "high"
    assert callback.sla_due_at == datetime(2026, 3, 9, 12, 30, tzinfo=UTC)


def test_a_holiday_monday_moves_it_to_tuesday(tenant_a, admin_a, make_callback):
    holiday_create(
        tenant=tenant_a, by=admin_a, data={"date": date(2026, 3, 9), "name": "Spring day"}
    )
    customer = valuable_customer(tenant_a)
    callback = make_callback(customer=customer, reason="complaint", now=FRIDAY_1630)
    assert callback.sla_due_at == datetime(2026, 3, 10, 12, 30, tzinfo=UTC)


def test_counted_in_the_tenants_time_zone(tenant_a, make_callback):
    tenant_a.timezone = "America/New_York"
    tenant_a.save()
    new_york = ZoneInfo("America/New_York")
    customer = valuable_customer(tenant_a)
    # Friday 16:30 in New York is 21:30 UTC (UTC-5): a UTC calendar would be closed already.
    arrival = datetime(2026, 3, 6, 16, 30, tzinfo=new_york)
    callback = make_callback(customer=customer, reason="complaint", now=arrival)
    # Monday 12:30 in New York, which is 16:30 UTC (UTC-4: the clocks changed on Sunday 8th).
    assert callback.sla_due_at == datetime(2026, 3, 9, 12, 30, tzinfo=new_york)
    assert callback.sla_due_at == datetime(2026, 3, 9, 16, 30, tzinfo=UTC)


def test_an_urgent_request_at_night_is_due_an_hour_after_opening(tenant_a, make_callback):
    customer = valuable_customer(tenant_a)
    lead = lead_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "L", "phone": "+15550000001", "lead_score": 100, "customer": customer},
    )
    callback = make_callback(
        customer=customer,
        lead=lead,
        reason="complaint",
        now=datetime(2026, 3, 4, 22, 0, tzinfo=UTC),
    )
    assert callback.sla_category == "urgent"  # 30 + 20 + 25 + 20 = 95
    assert callback.sla_due_at == datetime(2026, 3, 5, 10, 0, tzinfo=UTC)


def test_the_tenants_own_hours_and_sla_times(tenant_a, admin_a, make_callback):
    callback_settings_update(
        settings=callback_settings_ensure(tenant_a),
        by=admin_a,
        data={
            "low_sla_hours": 2,
            "saturday_open": time(10),
            "saturday_close": time(12),
            "friday_close": time(16),
        },
    )
    # Friday 15:30: 30 minutes left on Friday (closes at 16:00), then 1 h 30 on Saturday.
    callback = make_callback(now=datetime(2026, 3, 6, 15, 30, tzinfo=UTC))
    assert callback.sla_due_at == datetime(2026, 3, 7, 11, 30, tzinfo=UTC)


def test_the_clock_starts_when_the_preferred_window_opens(make_callback):
    callback = make_callback(
        preferred_start=datetime(2026, 3, 5, 14, 0, tzinfo=UTC),
        preferred_end=datetime(2026, 3, 5, 16, 0, tzinfo=UTC),
    )
    # 72 business hours from Thursday 14:00 (not from Wednesday 10:00).
    assert callback.sla_due_at == datetime(2026, 3, 18, 14, 0, tzinfo=UTC)


def test_settings_changed_later_do_not_move_a_promise(tenant_a, admin_a, make_callback):
    callback = make_callback()
    due = callback.sla_due_at
    callback_settings_update(
        settings=callback_settings_ensure(tenant_a), by=admin_a, data={"low_sla_hours": 1}
    )
    holiday_create(tenant=tenant_a, by=admin_a, data={"date": date(2026, 3, 5), "name": "Closed"})
    callback.refresh_from_db()
    assert callback.sla_due_at == due
    # A new request gets the new terms.
    assert make_callback().sla_due_at == datetime(2026, 3, 4, 11, 0, tzinfo=UTC)


def test_a_new_reason_renews_the_promise(tenant_a, manager_a, make_callback):
    customer = valuable_customer(tenant_a, first_name="Renew")
    callback = make_callback(customer=customer, reason="other")  # 50: normal, 24 h
    assert callback.sla_category == "normal"
    callback_update(callback=callback, by=manager_a, data={"reason": "complaint"})
    callback.refresh_from_db()
    assert (callback.sla_category, callback.sla_due_at) == (
        "high",
        datetime(2026, 3, 4, 14, 0, tzinfo=UTC),
    )
    assert "SLA due: 2026-03-09 10:00 → 2026-03-04 14:00" in callback.activities.first().message


def breached(callback, now):
    return (
        with_priority(
            CallbackRequest.objects.filter(pk=callback.pk),
            settings=callback_settings_ensure(callback.tenant),
            now=now,
        )
        .get()
        .is_breached
    )


def test_an_open_request_is_breached_once_past_due(make_callback):
    callback = make_callback()
    assert not breached(callback, callback.sla_due_at)
    assert breached(callback, callback.sla_due_at + timedelta(seconds=1))


def test_a_request_closed_late_stays_breached_and_one_closed_in_time_never_is(
    tenant_a, manager_a, make_callback
):
    late, on_time = make_callback(), make_callback()
    for callback, closed in ((late, late.sla_due_at + timedelta(hours=1)), (on_time, NOW)):
        callback_change_status(
            callback=callback, by=manager_a, status="cancelled", note="Withdrawn", now=closed
        )
    far_future = NOW + timedelta(days=365)
    assert breached(late, far_future)
    assert not breached(on_time, far_future)
