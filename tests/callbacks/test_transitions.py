"""Every status move through `PUT callbacks/{id}/status/` (and `complete/`): the allowed ones
and what they record, the refused ones (400 naming the problem, nothing written), attempts and
the automatic failure, and who may act."""

from datetime import timedelta

import pytest

from callbacks.models import CallbackRequest
from callbacks.services.assignment import callback_assign
from callbacks.services.settings import callback_settings_ensure, callback_settings_update
from callbacks.services.status import callback_change_status

from .conftest import NOW

LATER = (NOW + timedelta(days=1)).isoformat()
EXTRAS = {
    "scheduled": {"scheduled_for": LATER},
    "completed": {"resolution": "Explained the invoice.", "outcome": "resolved"},
    "failed": {"note": "Number disconnected."},
    "cancelled": {"note": "Customer wrote back instead."},
}


@pytest.fixture
def in_status(make_callback, manager_a):
    """in_status(status): a callback of the manager's brought to `status` through the
    services."""

    def make(status):
        callback = make_callback()
        callback = callback_assign(callback=callback, by=manager_a, assignee_id=manager_a.user_id)
        steps = {
            "pending": [],
            "scheduled": [("scheduled", {"scheduled_for": NOW + timedelta(hours=2)})],
            "in_progress": [("in_progress", {})],
            "completed": [
                ("in_progress", {}),
                ("completed", {"resolution": "Done", "outcome": "sale"}),
            ],
            "failed": [("in_progress", {}), ("failed", {"note": "Wrong number"})],
            "cancelled": [("cancelled", {"note": "Duplicate"})],
        }[status]
        for step, extra in steps:
            callback = callback_change_status(
                callback=callback, by=manager_a, status=step, now=NOW, **extra
            )
        return callback

    return make


def state(callback):
    row = CallbackRequest.objects.get(pk=callback.pk)
    return (
        row.status,
        row.attempts,
        row.assigned_to_id,
        row.scheduled_for,
        row.resolution,
        row.outcome,
        row.close_reason,
        row.closed_at,
        row.activities.count(),
    )


def put_status(client, callback, action, **body):
    return client.put(
        f"/api/v1/callbacks/{callback.pk}/status/",
        {"status": action, **EXTRAS.get(action, {}), **body},
        format="json",
    )


ALLOWED = [
    ("pending", "scheduled", "scheduled"),
    ("pending", "in_progress", "in_progress"),
    ("pending", "cancelled", "cancelled"),
    ("scheduled", "pending", "pending"),
    ("scheduled", "scheduled", "scheduled"),
    ("scheduled", "in_progress", "in_progress"),
    ("scheduled", "cancelled", "cancelled"),
    ("in_progress", "completed", "completed"),
    ("in_progress", "failed", "failed"),
    ("in_progress", "cancelled", "cancelled"),
    ("in_progress", "no_answer", "pending"),
]


@pytest.mark.parametrize("start, action, end", ALLOWED)
def test_allowed_moves(api, clock, manager_a, in_status, start, action, end):
    callback = in_status(start)
    before = callback.activities.count()
    response = put_status(api(manager_a), callback, action)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == end
    callback.refresh_from_db()
    assert callback.status == end
    entry = callback.activities.first()
    assert callback.activities.count() == before + 1
    assert (entry.actor_id, entry.from_status, entry.to_status) == (manager_a.user_id, start, end)
    assert entry.created_at == NOW
    assert (callback.closed_at == NOW) == (end in ("completed", "failed", "cancelled"))


REFUSED = [
    ("pending", "completed", "This callback is pending: it cannot become completed"),
    ("pending", "failed", "This callback is pending: it cannot become failed"),
    ("pending", "pending", "This callback is pending: it cannot become pending"),
    ("pending", "no_answer", "No answer is logged on a call in progress"),
    ("scheduled", "completed", "This callback is scheduled: it cannot become completed"),
    ("scheduled", "no_answer", "No answer is logged on a call in progress"),
    ("in_progress", "pending", "it can become completed, failed, cancelled, no_answer"),
    ("in_progress", "scheduled", "This callback is in progress: it cannot become scheduled"),
    ("in_progress", "in_progress", "cannot become in_progress"),
    ("completed", "cancelled", "This callback is completed; it cannot change any more."),
    ("completed", "in_progress", "This callback is completed; it cannot change any more."),
    ("failed", "pending", "This callback is failed; it cannot change any more."),
    ("cancelled", "scheduled", "This callback is cancelled; it cannot change any more."),
    ("cancelled", "no_answer", "No answer is logged on a call in progress"),
]


@pytest.mark.parametrize("start, action, problem", REFUSED)
def test_refused_moves_are_400_and_write_nothing(
    api, clock, manager_a, in_status, start, action, problem
):
    callback = in_status(start)
    before = state(callback)
    response = put_status(api(manager_a), callback, action)
    assert response.status_code == 400
    assert problem in response.json()["status"][0]
    assert state(callback) == before


@pytest.mark.parametrize(
    "start, body, field, problem",
    [
        ("pending", {"status": "teleported"}, "status", "is not a valid choice"),
        ("pending", {"status": "scheduled"}, "scheduled_for", "Give the time of the call."),
        (
            "pending",
            {"status": "scheduled", "scheduled_for": (NOW - timedelta(minutes=1)).isoformat()},
            "scheduled_for",
            "from now on",
        ),
        ("in_progress", {"status": "completed"}, "resolution", "Say how"),
        ("in_progress", {"status": "completed", "resolution": "ok"}, "outcome", "Choose an"),
        (
            "in_progress",
            {"status": "completed", "resolution": "ok", "outcome": "maybe"},
            "outcome",
            "resolved, sale, follow_up, not_interested, escalated",
        ),
        ("in_progress", {"status": "failed"}, "note", "Say why."),
        ("pending", {"status": "cancelled", "note": "   "}, "note", "Say why."),
        ("pending", {"status": "pending", "colour": "red"}, "colour", "Unknown field."),
    ],
)
def test_missing_or_bad_input_is_400_and_writes_nothing(
    api, clock, manager_a, in_status, start, body, field, problem
):
    callback = in_status(start)
    before = state(callback)
    response = api(manager_a).put(f"/api/v1/callbacks/{callback.pk}/status/", body, format="json")
    assert response.status_code == 400
    assert problem in " ".join(response.json()[field])
    assert state(callback) == before


def test_scheduling_needs_an_assignee(api, clock, manager_a, make_callback):
    callback = make_callback()
    before = state(callback)
    response = put_status(api(manager_a), callback, "scheduled")
    assert response.status_code == 400
    assert response.json() == {"detail": ["Assign the callback before scheduling it."]}
    assert state(callback) == before


def test_complete_route(api, clock, manager_a, in_status):
    callback = in_status("in_progress")
    client = api(manager_a)
    url = f"/api/v1/callbacks/{callback.pk}/complete/"
    refused = client.post(url, {"outcome": "sale"}, format="json")
    assert refused.status_code == 400 and "resolution" in refused.json()
    response = client.post(
        url, {"resolution": "Sold the upgrade.", "outcome": "sale"}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["outcome"], data["resolution"], data["attempts"]) == (
        "completed",
        "sale",
        "Sold the upgrade.",
        1,
    )
    assert callback.activities.first().message == "Status: In progress → Completed (sale made)."
    again = client.post(url, {"resolution": "x", "outcome": "sale"}, format="json")
    assert again.status_code == 400
    assert again.json()["status"] == ["This callback is completed; it cannot change any more."]


def test_no_answer_counts_attempts_then_fails_at_the_maximum(
    api, clock, tenant_a, admin_a, manager_a, in_status
):
    callback_settings_update(
        settings=callback_settings_ensure(tenant_a), by=admin_a, data={"max_attempts": 2}
    )
    callback = in_status("in_progress")
    client = api(manager_a)
    first = put_status(client, callback, "no_answer", note="Voicemail")
    assert (first.json()["status"], first.json()["attempts"]) == ("pending", 1)
    assert first.json()["assigned_to"] == manager_a.user_id  # still the caller's
    assert put_status(client, callback, "in_progress").status_code == 200
    second = put_status(client, callback, "no_answer")
    assert (second.json()["status"], second.json()["attempts"]) == ("failed", 2)
    assert second.json()["close_reason"] == "No answer after 2 attempts."
    assert second.json()["closed_at"] is not None
    log = list(callback.activities.values_list("kind", "message", "note"))
    assert log[0] == ("no_answer", "No answer (attempt 2 of 2); failed.", "")
    assert log[2] == ("no_answer", "No answer (attempt 1 of 2).", "Voicemail")


def test_unassigning_a_scheduled_callback_returns_it_to_pending(api, clock, manager_a, in_status):
    callback = in_status("scheduled")
    response = api(manager_a).post(
        f"/api/v1/callbacks/{callback.pk}/assign/", {"assigned_to": None}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["assigned_to"]) == ("pending", None)
    assert response.json()["scheduled_for"] is None


# ---------------------------------------------------------------------------------------------
# Who may act


def test_an_agent_starting_an_unassigned_call_takes_it(api, clock, agent_a, make_callback):
    callback = make_callback()
    response = put_status(api(agent_a), callback, "in_progress")
    assert response.status_code == 200
    assert response.json()["assigned_to"] == agent_a.user_id
    assert "taken by alpha-agent" in callback.activities.first().message


def test_an_agent_cannot_close_an_unassigned_callback(api, clock, agent_a, make_callback):
    callback = make_callback()
    before = state(callback)
    response = put_status(api(agent_a), callback, "cancelled")
    assert response.status_code == 403
    assert state(callback) == before


def test_an_admin_does_not_make_calls(api, clock, admin_a, make_callback):
    callback = make_callback()
    assert put_status(api(admin_a), callback, "in_progress").status_code == 403
    # …but closes a callback for the team.
    assert put_status(api(admin_a), callback, "cancelled").status_code == 200


def test_only_the_assignee_starts_the_call(api, clock, manager_a, agent_a, make_callback):
    callback = make_callback()
    callback_assign(callback=callback, by=manager_a, assignee_id=agent_a.user_id)
    before = state(callback)
    response = put_status(api(manager_a), callback, "in_progress")
    assert response.status_code == 400
    assert response.json()["status"] == ["Assigned to alpha-agent; reassign it to call it."]
    assert state(callback) == before
    assert put_status(api(agent_a), callback, "in_progress").status_code == 200


def test_another_agents_callback_is_404(api, clock, manager_a, agent_a, agent_a2, make_callback):
    callback = make_callback()
    callback_assign(callback=callback, by=manager_a, assignee_id=agent_a2.user_id)
    before = state(callback)
    client = api(agent_a)
    base = f"/api/v1/callbacks/{callback.pk}/"
    assert client.get(base).status_code == 404
    assert put_status(client, callback, "in_progress").status_code == 404
    assert client.post(base + "complete/", EXTRAS["completed"], format="json").status_code == 404
    assert client.get(base + "activities/").status_code == 404
    assert client.post(base + "activities/", {"note": "hi"}, format="json").status_code == 404
    assert client.patch(base, {"notes": "x"}, format="json").status_code == 404
    assert state(callback) == before
