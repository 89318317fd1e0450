"""The callback API answers as its schema says, with requests in every state behind it: an
outcome not given is null (never "", which its enum does not hold), unassigned requests have a
null assignee, a note is a 201 and every action a 200, auto-assign's answer is typed."""

import pytest

from callbacks.services.assignment import callback_assign
from callbacks.services.status import callback_change_status, callback_complete
from tests.apischema import answers_as_documented, load_schema, untyped_answers


@pytest.fixture
def schema(db, wsgi_application):
    return load_schema(wsgi_application)


def test_every_callback_answer_is_as_documented(
    schema, clock, manager_a, agent_a, customer, make_callback
):
    manager = lambda *a, **k: answers_as_documented(schema, manager_a, *a, **k)  # noqa: E731
    agent = lambda *a, **k: answers_as_documented(schema, agent_a, *a, **k)  # noqa: E731
    done = make_callback()
    callback_assign(callback=done, by=manager_a, assignee_id=agent_a.user_id, now=clock.now)
    callback_change_status(callback=done, by=agent_a, status="in_progress", now=clock.now)
    callback_complete(
        callback=done, by=agent_a, resolution="Fixed", outcome="resolved", now=clock.now
    )
    waiting = make_callback(reason="complaint")
    pk = {"id": waiting.pk}

    queue = manager("GET", "/api/v1/callbacks/", status=200)["results"]
    assert [row["id"] for row in queue] == [waiting.pk]
    assert queue[0]["outcome"] is None and queue[0]["assigned_to"] is None
    every = manager(
        "GET",
        "/api/v1/callbacks/",
        query={"status": ["pending", "completed"], "category": ["low", "normal", "high"]},
        status=200,
    )["results"]
    assert {row["outcome"] for row in every} <= {None, "resolved"}
    closed = manager("GET", "/api/v1/callbacks/{id}/", path_parameters={"id": done.pk}, status=200)
    assert closed["outcome"] == "resolved"

    created = manager(
        "POST",
        "/api/v1/callbacks/",
        body={"customer": customer.pk, "reason": "billing"},
        status=201,
    )
    assert created["outcome"] is None
    manager(
        "PATCH", "/api/v1/callbacks/{id}/", path_parameters=pk, body={"notes": "VIP"}, status=200
    )
    note = manager(
        "POST",
        "/api/v1/callbacks/{id}/activities/",
        path_parameters=pk,
        body={"note": "Called"},
        status=201,
    )
    assert note["kind"] == "note"
    log = manager("GET", "/api/v1/callbacks/{id}/activities/", path_parameters=pk, status=200)
    assert log["results"]
    manager(
        "POST",
        "/api/v1/callbacks/{id}/assign/",
        path_parameters=pk,
        body={"assigned_to": None},
        status=200,
    )
    assigned = manager(
        "POST", "/api/v1/callbacks/auto-assign/", body={"callback_ids": [waiting.pk]}, status=200
    )
    assert assigned == {"assigned": [{"callback_id": waiting.pk, "assigned_to": agent_a.user_id}]}
    agent(
        "PUT",
        "/api/v1/callbacks/{id}/status/",
        path_parameters=pk,
        body={"status": "in_progress"},
        status=200,
    )
    completed = agent(
        "POST",
        "/api/v1/callbacks/{id}/complete/",
        path_parameters=pk,
        body={"resolution": "Refunded", "outcome": "sale"},
        status=200,
    )
    assert completed["outcome"] == "sale"

    claimed = agent("POST", "/api/v1/callbacks/claim-next/", status=200)  # the one created
    assert claimed["id"] == created["id"] and claimed["outcome"] is None
    agent("POST", "/api/v1/callbacks/claim-next/", status=400)  # nothing left to claim


def test_no_callback_operation_answers_an_untyped_object(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert untyped_answers(paths, ("/api/v1/callbacks",)) == []
