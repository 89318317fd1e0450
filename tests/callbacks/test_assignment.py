"""Assigning callbacks (managers and admins), claiming the next one (agents and managers; two
claimers never get the same request, on PostgreSQL and SQLite alike) and auto-assigning to the
least-loaded agent."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from callbacks.models import CallbackActivity, CallbackRequest
from callbacks.services.assignment import callback_assign, callback_auto_assign, callback_claim_next
from callbacks.services.status import callback_change_status
from tenancy.models import Role
from tests.factories import make_member

from .conftest import NOW, valuable_customer


def assign(client, callback, user_id):
    return client.post(
        f"/api/v1/callbacks/{callback.pk}/assign/", {"assigned_to": user_id}, format="json"
    )


# ---------------------------------------------------------------------------------------------
# Assign


def test_a_manager_assigns_to_an_agent(api, clock, manager_a, agent_a, make_callback):
    callback = make_callback()
    response = assign(api(manager_a), callback, agent_a.user_id)
    assert response.status_code == 200
    assert response.json()["assigned_to"] == agent_a.user_id
    callback.refresh_from_db()
    assert callback.assigned_at == NOW
    entry = callback.activities.first()
    assert (entry.kind, entry.message) == ("assigned", "Assigned to: — → alpha-agent")
    # The same assignee again changes nothing and logs nothing.
    assert assign(api(manager_a), callback, agent_a.user_id).status_code == 200
    assert callback.activities.count() == 2


def test_managers_can_be_assigned_admins_cannot(api, clock, manager_a, admin_a, make_callback):
    callback = make_callback()
    assert assign(api(admin_a), callback, manager_a.user_id).status_code == 200
    response = assign(api(manager_a), callback, admin_a.user_id)
    assert response.status_code == 400
    assert response.json() == {
        "assigned_to": ["Assign callbacks to an active agent or manager of this tenant."]
    }


def test_agents_cannot_assign(api, clock, agent_a, agent_a2, make_callback):
    callback = make_callback()
    assert assign(api(agent_a), callback, agent_a.user_id).status_code == 403
    assert assign(api(agent_a), callback, agent_a2.user_id).status_code == 403
    callback.refresh_from_db()
    assert callback.assigned_to is None


def test_an_inactive_member_or_a_stranger_is_refused(
    api, clock, manager_a, agent_a, make_callback, tenant_b
):
    agent_a.is_active = False
    agent_a.save()
    stranger = make_member(tenant_b, "beta-agent", Role.AGENT)
    callback = make_callback()
    for user_id in (agent_a.user_id, stranger.user_id):
        response = assign(api(manager_a), callback, user_id)
        assert response.status_code == 400
        assert response.json() == {"assigned_to": ["Not an active member of this tenant."]}


def test_a_call_in_progress_or_a_closed_callback_keeps_its_assignee(
    api, clock, manager_a, agent_a, make_callback
):
    callback = make_callback()
    callback_change_status(callback=callback, by=agent_a, status="in_progress", now=NOW)
    response = assign(api(manager_a), callback, manager_a.user_id)
    assert response.status_code == 400
    assert response.json() == {"detail": ["This callback is in progress; log its result first."]}
    callback_change_status(callback=callback, by=agent_a, status="failed", note="x", now=NOW)
    response = assign(api(manager_a), callback, manager_a.user_id)
    assert response.json() == {"detail": ["This callback is failed; it is closed."]}
    callback.refresh_from_db()
    assert callback.assigned_to_id == agent_a.user_id


# ---------------------------------------------------------------------------------------------
# Claim next


def test_claim_next_takes_the_highest_priority_claimable_callback(
    api, clock, tenant_a, manager_a, agent_a, agent_a2, make_callback
):
    make_callback(reason="billing")  # 15
    best = make_callback(reason="complaint")  # 25
    make_callback(reason="sales_inquiry")  # 20
    theirs = make_callback(customer=valuable_customer(tenant_a), reason="complaint")  # 75
    callback_assign(callback=theirs, by=manager_a, assignee_id=agent_a2.user_id)
    make_callback(
        customer=valuable_customer(tenant_a, first_name="Later"),
        reason="complaint",
        preferred_start=NOW + timedelta(hours=1),
        preferred_end=NOW + timedelta(hours=2),
    )  # 75, but the customer's window has not opened
    response = api(agent_a).post("/api/v1/callbacks/claim-next/")
    assert response.status_code == 200
    data = response.json()
    assert (data["id"], data["status"], data["assigned_to"]) == (
        best.pk,
        "in_progress",
        agent_a.user_id,
    )
    assert data["priority"] == {
        "score": 25,
        "category": "low",
        "category_score": 25,
        "parts": {"customer_value": 0, "lead_score": 0, "reason": 25, "vip": 0, "waiting": 0},
    }
    entry = best.activities.first()
    assert (entry.kind, entry.actor_id, entry.from_status, entry.to_status) == (
        "claimed",
        agent_a.user_id,
        "pending",
        "in_progress",
    )
    assert entry.message == (
        "Claimed by alpha-agent at priority 25 (low); Status: Pending → In progress."
    )


def test_a_window_that_has_opened_makes_a_callback_claimable(tenant_a, agent_a, make_callback):
    callback = make_callback(
        preferred_start=NOW + timedelta(hours=1), preferred_end=NOW + timedelta(hours=2)
    )
    with pytest.raises(ValidationError):
        callback_claim_next(tenant=tenant_a, by=agent_a, now=NOW)
    claimed = callback_claim_next(tenant=tenant_a, by=agent_a, now=NOW + timedelta(hours=1))
    assert claimed.pk == callback.pk


def test_nothing_to_claim_is_a_400(api, clock, agent_a):
    response = api(agent_a).post("/api/v1/callbacks/claim-next/")
    assert response.status_code == 400
    assert response.json() == {"detail": ["No callback is waiting to be claimed."]}


def test_admins_do_not_claim(api, clock, admin_a, make_callback):
    make_callback()
    assert api(admin_a).post("/api/v1/callbacks/claim-next/").status_code == 403
    assert not CallbackRequest.objects.filter(assigned_to__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_two_agents_claiming_at_the_same_moment_never_get_the_same_callback(
    transactional_db, tenant_a, manager_a, agent_a, agent_a2, make_callback
):
    """Each agent claims in its own thread with its own database connection, starting together;
    every callback is claimed exactly once, and nobody is refused while callbacks wait."""
    callbacks = [make_callback(reason=reason) for reason in ("complaint", "billing", "support")]
    callbacks += [make_callback(reason="other", now=NOW - timedelta(minutes=i)) for i in range(5)]
    per_agent = len(callbacks) // 2
    start = threading.Barrier(2)
    claims: dict[int, list[int]] = {agent_a.user_id: [], agent_a2.user_id: []}
    errors: list[BaseException] = []

    def work(membership):
        try:
            start.wait()
            for _ in range(per_agent):
                claimed = callback_claim_next(tenant=tenant_a, by=membership, now=NOW)
                claims[membership.user_id].append(claimed.pk)
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(m,)) for m in (agent_a, agent_a2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    claimed = claims[agent_a.user_id] + claims[agent_a2.user_id]
    assert sorted(claimed) == sorted(c.pk for c in callbacks)  # each one once
    for user_id, pks in claims.items():
        rows = CallbackRequest.objects.filter(pk__in=pks)
        assert set(rows.values_list("assigned_to", flat=True)) == {user_id}
        assert set(rows.values_list("status", flat=True)) == {"in_progress"}
    assert CallbackActivity.objects.filter(kind="claimed").count() == len(callbacks)
    with pytest.raises(ValidationError):
        callback_claim_next(tenant=tenant_a, by=agent_a, now=NOW)


# ---------------------------------------------------------------------------------------------
# Auto-assign


@pytest.fixture
def agents(tenant_a):
    """Three agents, created in this order (so their user ids rise): ann, bob, cid."""
    return [make_member(tenant_a, name, Role.AGENT) for name in ("ann", "bob", "cid")]


def test_auto_assign_gives_each_waiting_callback_to_the_least_loaded_agent(
    api, clock, tenant_a, manager_a, agents, make_callback
):
    ann, bob, cid = agents
    for _ in range(2):
        callback_assign(callback=make_callback(), by=manager_a, assignee_id=ann.user_id)
    callback_assign(callback=make_callback(), by=manager_a, assignee_id=bob.user_id)
    closed = make_callback()
    callback_assign(callback=closed, by=manager_a, assignee_id=cid.user_id)
    callback_change_status(callback=closed, by=cid, status="cancelled", note="x", now=NOW)
    # Loads: ann 2, bob 1, cid 0 (a closed callback does not count).
    waiting = [make_callback(reason=reason) for reason in ("other", "complaint", "billing")]
    response = api(manager_a).post("/api/v1/callbacks/auto-assign/", {}, format="json")
    assert response.status_code == 200
    # Highest priority first: complaint → cid (0), billing → bob and cid tie at 1 → bob (lower
    # id), other → cid (1; ann 2, bob 2).
    assert response.json() == {
        "assigned": [
            {"callback_id": waiting[1].pk, "assigned_to": cid.user_id},
            {"callback_id": waiting[2].pk, "assigned_to": bob.user_id},
            {"callback_id": waiting[0].pk, "assigned_to": cid.user_id},
        ]
    }
    assert waiting[1].activities.first().message == (
        "Assigned to: — → cid (auto-assigned with 0 open)."
    )


def test_auto_assign_named_callbacks_only(api, clock, manager_a, agents, make_callback):
    first, second = make_callback(), make_callback()
    client = api(manager_a)
    response = client.post(
        "/api/v1/callbacks/auto-assign/", {"callback_ids": [second.pk]}, format="json"
    )
    assert [row["callback_id"] for row in response.json()["assigned"]] == [second.pk]
    first.refresh_from_db()
    assert first.assigned_to is None
    refused = client.post(
        "/api/v1/callbacks/auto-assign/",
        {"callback_ids": [first.pk, second.pk, 999]},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "callback_ids": ["Unknown callback ids: 999.", f"Not pending and unassigned: {second.pk}."]
    }
    first.refresh_from_db()
    assert first.assigned_to is None


def test_auto_assign_needs_a_manager_and_an_agent(api, clock, manager_a, agent_a, make_callback):
    make_callback()
    assert api(agent_a).post("/api/v1/callbacks/auto-assign/", {}, format="json").status_code == 403
    agent_a.is_active = False
    agent_a.save()
    response = api(manager_a).post("/api/v1/callbacks/auto-assign/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": ["This tenant has no active agents to assign to."]}


def test_auto_assign_leaves_managers_out(tenant_a, manager_a, agent_a, make_callback):
    callbacks = [make_callback() for _ in range(3)]
    assigned = callback_auto_assign(tenant=tenant_a, by=manager_a, now=NOW)
    assert {c.assigned_to_id for c in assigned} == {agent_a.user_id}
    assert len(assigned) == len(callbacks)
