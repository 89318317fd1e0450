"""callbacks/: creating and editing requests, what a request shows, filters and ordering, the
activity log, and what agents see."""

from datetime import timedelta

import pytest

from callbacks.models import CallbackRequest
from callbacks.services.assignment import callback_assign
from callbacks.services.settings import holiday_create
from callbacks.services.status import callback_change_status
from crm.services.customers import customer_create
from crm.services.leads import lead_create
from tenancy.actors import OPERATOR

from .conftest import NOW, valuable_customer

URL = "/api/v1/callbacks/"


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# ---------------------------------------------------------------------------------------------
# Create and edit


def test_create_a_callback(api, clock, agent_a, customer):
    response = api(agent_a).post(
        URL,
        {
            "customer": customer.pk,
            "phone": "+1 (555) 123-4567",
            "reason": "billing",
            "notes": "Asks about the March invoice.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["phone"] == "+15551234567"
    assert (data["status"], data["source"], data["attempts"], data["assigned_to"]) == (
        "pending",
        "api",
        0,
        None,
    )
    assert (data["created_by"], data["contact_name"]) == (agent_a.user_id, "Carla Client")
    assert data["priority"]["score"] == 15
    assert (data["sla_category"], data["sla_due_at"]) == ("low", "2026-03-17T10:00:00Z")
    assert data["is_breached"] is False
    callback = CallbackRequest.objects.get()
    entry = callback.activities.get()
    assert entry.message == (
        "Callback requested (api, billing) by alpha-agent; low, due 2026-03-17 10:00."
    )


def test_the_phone_defaults_to_the_contacts(api, clock, manager_a, tenant_a):
    lead = lead_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "L", "phone": "0044 20 7946 0000"}
    )
    response = api(manager_a).post(URL, {"lead": lead.pk, "reason": "other"}, format="json")
    assert response.status_code == 201
    assert response.json()["phone"] == "+442079460000"
    silent = customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "Mute"})
    response = api(manager_a).post(URL, {"customer": silent.pk, "reason": "other"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"phone": ["Give a phone number: the contact has none."]}


@pytest.mark.parametrize(
    "body, errors",
    [
        (
            {"reason": "support", "phone": "+15550001111"},
            {"customer": ["Give a customer or a lead."]},
        ),
        (
            {"reason": "support"},
            {"customer": ["Give a customer or a lead."], "phone": ["This field cannot be blank."]},
        ),
        ({"customer": "CUSTOMER", "phone": "12ab", "reason": "support"}, {"phone"}),
        ({"customer": "CUSTOMER", "reason": "gossip"}, {"reason"}),
        ({"customer": "CUSTOMER", "reason": "support", "source": "pigeon"}, {"source"}),
        ({"customer": 999999, "reason": "support"}, {"customer": ["Unknown customer 999999."]}),
        (
            {
                "customer": "CUSTOMER",
                "reason": "support",
                "preferred_start": "2026-03-05T10:00:00Z",
            },
            {"preferred_end": ["Give both ends of the preferred window, or neither."]},
        ),
        (
            {
                "customer": "CUSTOMER",
                "reason": "support",
                "preferred_start": "2026-03-05T10:00:00Z",
                "preferred_end": "2026-03-05T09:00:00Z",
            },
            {"preferred_end": ["The preferred window must end after it starts."]},
        ),
        ({"customer": "CUSTOMER", "reason": "support", "colour": "red"}, {"colour"}),
    ],
)
def test_bad_requests_are_400_and_write_nothing(api, clock, manager_a, customer, body, errors):
    body = {k: customer.pk if v == "CUSTOMER" else v for k, v in body.items()}
    response = api(manager_a).post(URL, body, format="json")
    assert response.status_code == 400
    if isinstance(errors, dict):
        assert response.json() == errors
    else:
        assert set(response.json()) == errors
    assert not CallbackRequest.objects.exists()


def test_a_lead_of_another_customer_is_refused(api, clock, manager_a, tenant_a, customer):
    other = customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "Other"})
    lead = lead_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "L", "phone": "+15550001", "customer": other},
    )
    response = api(manager_a).post(
        URL, {"customer": customer.pk, "lead": lead.pk, "reason": "support"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"lead": ["This lead belongs to another customer."]}


def test_agents_cannot_use_a_lead_they_may_not_see(api, clock, agent_a, agent_a2, tenant_a):
    lead = lead_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "L", "phone": "+15550001", "assigned_to": agent_a2.user},
    )
    response = api(agent_a).post(URL, {"lead": lead.pk, "reason": "support"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"lead": [f"Unknown lead {lead.pk}."]}


def test_times_are_read_and_shown_in_the_tenants_zone(api, clock, tenant_a, manager_a, customer):
    tenant_a.timezone = "Asia/Tokyo"
    tenant_a.save()
    response = api(manager_a).post(
        URL,
        {
            "customer": customer.pk,
            "reason": "support",
            "preferred_start": "2026-03-05T10:00",  # no offset: Tokyo time
            "preferred_end": "2026-03-05T12:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["preferred_start"] == "2026-03-05T10:00:00+09:00"
    assert data["created_at"] == "2026-03-04T19:00:00+09:00"
    callback = CallbackRequest.objects.get()
    assert callback.preferred_start.isoformat() == "2026-03-05T01:00:00+00:00"
    # The SLA clock starts with the window: 72 business hours from Thursday 10:00 Tokyo time
    # (7 h that day, 8 h on each of the next eight working days, 1 h on Wednesday 18th).
    assert data["sla_due_at"] == "2026-03-18T10:00:00+09:00"


def test_edit_an_open_callback(api, clock, manager_a, make_callback):
    callback = make_callback()
    response = api(manager_a).patch(
        f"{URL}{callback.pk}/",
        {"phone": "+15559990000", "notes": "Call after lunch", "reason": "complaint"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["phone"], response.json()["priority"]["parts"]["reason"]) == (
        "+15559990000",
        25,
    )
    entry = callback.activities.first()
    assert entry.kind == "updated"
    # Still a low request: the SLA promise is renewed but its due time does not move.
    assert entry.message == (
        "Phone: +442079460958 → +15559990000; Reason: Support → Complaint; Notes changed"
    )


def test_a_closed_callback_cannot_be_edited(api, clock, manager_a, make_callback):
    callback = make_callback()
    callback_change_status(callback=callback, by=manager_a, status="cancelled", note="x", now=NOW)
    response = api(manager_a).patch(f"{URL}{callback.pk}/", {"notes": "late"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": ["This callback is cancelled; it is closed."]}
    assert api(manager_a).delete(f"{URL}{callback.pk}/").status_code == 405


# ---------------------------------------------------------------------------------------------
# Lists


@pytest.fixture
def queue(tenant_a, manager_a, agent_a, agent_a2, make_callback):
    """Five callbacks: a VIP complaint (agent; high, due today 14:00), a support call two weeks
    old (unassigned; normal by now — waiting lifts it one category — and due yesterday 10:00),
    a fresh billing one from a web form (agent 2), a completed and a cancelled one."""
    vip = make_callback(customer=valuable_customer(tenant_a), reason="complaint")
    aged = make_callback(reason="support", now=NOW - timedelta(days=14))
    billing = make_callback(reason="billing", source="web_form")
    done = make_callback(reason="other")
    gone = make_callback(reason="other")
    callback_assign(callback=vip, by=manager_a, assignee_id=agent_a.user_id)
    callback_assign(callback=billing, by=manager_a, assignee_id=agent_a2.user_id)
    callback_assign(callback=done, by=manager_a, assignee_id=agent_a.user_id)
    for step, extra in (
        ("in_progress", {}),
        ("completed", {"resolution": "ok", "outcome": "resolved"}),
    ):
        callback_change_status(callback=done, by=agent_a, status=step, now=NOW, **extra)
    callback_change_status(callback=gone, by=manager_a, status="cancelled", note="dup", now=NOW)
    return {"vip": vip, "aged": aged, "billing": billing, "done": done, "gone": gone}


def test_the_list_is_the_queue_of_open_callbacks(api, clock, manager_a, queue):
    # aged: 10 + 336 h × 1 = 346; vip: 75; billing: 15. The closed ones are left out.
    order = ids(api(manager_a).get(URL))
    assert order == [queue[k].pk for k in ("aged", "vip", "billing")]
    # Asked for, the closed ones come in their place: done and gone, closed on arrival, waited
    # 0 hours and score 0 (equal scores in order of arrival).
    order = ids(api(manager_a).get(URL, {"include_closed": "true"}))
    assert order == [queue[k].pk for k in ("aged", "vip", "billing", "done", "gone")]
    assert ids(api(manager_a).get(URL, {"ordering": "created_at"}))[0] == queue["aged"].pk
    bad = api(manager_a).get(URL, {"ordering": "phone"})
    assert bad.status_code == 400 and "ordering" in bad.json()


def test_agents_see_their_own_and_unassigned_callbacks(api, clock, agent_a, agent_a2, queue):
    every = {"include_closed": "true"}
    assert set(ids(api(agent_a).get(URL, every))) == {
        queue[k].pk for k in ("vip", "aged", "done", "gone")
    }
    assert set(ids(api(agent_a2).get(URL, every))) == {
        queue[k].pk for k in ("aged", "billing", "gone")
    }
    assert set(ids(api(agent_a2).get(URL))) == {queue[k].pk for k in ("aged", "billing")}
    assert api(agent_a2).get(f"{URL}{queue['vip'].pk}/").status_code == 404


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"status": "pending"}, {"vip", "aged", "billing"}),
        ({"status": ["completed", "cancelled"]}, {"done", "gone"}),
        ({"open": "true"}, {"vip", "aged", "billing"}),
        ({"open": "false"}, {"done", "gone"}),
        ({"status": "cancelled", "include_closed": "false"}, set()),
        ({"include_closed": "false"}, {"vip", "aged", "billing"}),
        ({"include_closed": "true", "reason": "other"}, {"done", "gone"}),
        ({"category": "urgent"}, set()),
        ({"category": "high"}, {"vip"}),
        ({"category": "normal"}, {"aged"}),
        ({"category": ["low", "normal"]}, {"aged", "billing"}),
        ({"category": "low", "include_closed": "true"}, {"billing", "done", "gone"}),
        ({"reason": "complaint"}, {"vip"}),
        ({"reason": "other"}, set()),
        ({"source": "web_form"}, {"billing"}),
        ({"unassigned": "true"}, {"aged"}),
        ({"unassigned": "true", "include_closed": "true"}, {"aged", "gone"}),
        ({"breached": "true"}, {"aged"}),
        ({"breached": "false"}, {"vip", "billing"}),
        ({"breached": "false", "include_closed": "true"}, {"vip", "billing", "done", "gone"}),
        ({"due_before": "2026-03-04T00:00:00Z"}, {"aged"}),
        ({"due_before": "2026-03-05T00:00:00Z"}, {"aged", "vip"}),
    ],
)
def test_filters(api, clock, manager_a, queue, params, expected):
    assert set(ids(api(manager_a).get(URL, params))) == {queue[k].pk for k in expected}


def test_filters_by_assignee_customer_and_lead(
    api, clock, tenant_a, manager_a, agent_a, queue, make_callback
):
    lead = lead_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "L", "phone": "+15550001"})
    with_lead = make_callback(lead=lead)
    client = api(manager_a)
    assert ids(client.get(URL, {"assigned_to": agent_a.user_id})) == [queue["vip"].pk]
    assert set(
        ids(client.get(URL, {"assigned_to": agent_a.user_id, "include_closed": "true"}))
    ) == {queue["vip"].pk, queue["done"].pk}
    assert ids(client.get(URL, {"customer": queue["vip"].customer_id})) == [queue["vip"].pk]
    assert ids(client.get(URL, {"lead": lead.pk})) == [with_lead.pk]
    assert client.get(URL, {"category": "purple"}).status_code == 400


def test_the_breach_flag_follows_business_time(
    api, clock, tenant_a, admin_a, manager_a, make_callback
):
    holiday_create(
        tenant=tenant_a, by=admin_a, data={"date": NOW.date() + timedelta(days=1), "name": "H"}
    )
    clock.set(NOW + timedelta(hours=6))  # Wednesday 16:00
    callback = make_callback(
        customer=valuable_customer(tenant_a), reason="complaint", now=clock.now
    )  # high: 4 business hours, 1 h today, Thursday is a holiday, 3 h on Friday
    url = f"{URL}{callback.pk}/"
    clock.set(NOW + timedelta(days=1, hours=7))  # Thursday 17:00
    data = api(manager_a).get(url).json()
    assert (data["sla_due_at"], data["is_breached"]) == ("2026-03-06T12:00:00Z", False)
    clock.set(NOW + timedelta(days=2, hours=2, minutes=1))  # Friday 12:01
    assert api(manager_a).get(url).json()["is_breached"] is True


# ---------------------------------------------------------------------------------------------
# Activity log


def test_activities_list_and_notes(api, clock, manager_a, agent_a, make_callback):
    callback = make_callback()
    client = api(agent_a)
    url = f"{URL}{callback.pk}/activities/"
    created = client.post(url, {"note": "Customer prefers mornings."}, format="json")
    assert created.status_code == 201
    assert (created.json()["kind"], created.json()["actor"]) == ("note", "alpha-agent")
    assert client.post(url, {"note": ""}, format="json").status_code == 400
    rows = client.get(url).json()["results"]
    assert [row["kind"] for row in rows] == ["note", "created"]
    assert rows[1]["actor"] == "alpha-manager"
