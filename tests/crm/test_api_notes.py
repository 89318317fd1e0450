"""notes/ in the API: create, read, update, delete, complete and reopen, the filters, and what an
agent sees and may do."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import CustomerNote, NoteEvent
from crm.services.notes import note_create
from tenancy.actors import OPERATOR
from tests.factories import CustomerFactory, LeadFactory


@pytest.fixture
def ada(tenant_a):
    return CustomerFactory(tenant=tenant_a, first_name="Ada")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def make_task(tenant, subject, due, **data):
    return note_create(
        tenant=tenant,
        by=OPERATOR,
        data={**subject, "note": "Task", "is_task": True, "due_date": due, **data},
    )


def test_a_task_through_the_api(manager, manager_a, agent_a, ada):
    url = reverse("note-list")
    body = {
        "customer": ada.pk,
        "note": "Called, wants a quote — send it Friday",
        "is_task": True,
        "due_date": "2030-05-03",
        "due_time": "16:00",
        "assigned_to": agent_a.user_id,
    }
    created = manager.post(url, body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["user"] == manager_a.user_id and data["lead"] is None
    assert data["due_time"] == "16:00:00" and data["is_completed"] is False
    detail = reverse("note-detail", args=[data["id"]])
    done = manager.post(reverse("note-complete", args=[data["id"]]))
    assert done.status_code == 200 and done.json()["completed_at"] is not None
    again = manager.post(reverse("note-complete", args=[data["id"]]))
    assert again.status_code == 400 and "already completed" in again.json()["detail"][0]
    reopened = manager.post(reverse("note-reopen", args=[data["id"]]))
    assert reopened.json()["is_completed"] is False and reopened.json()["completed_at"] is None
    patched = manager.patch(detail, {"note": "Quote sent", "user": agent_a.user_id}, format="json")
    assert patched.status_code == 200 and patched.json()["note"] == "Quote sent"
    assert patched.json()["user"] == manager_a.user_id  # the author is not the client's to set
    assert manager.delete(detail).status_code == 204
    assert manager.get(detail).status_code == 404
    assert NoteEvent.objects.count() == 5


def test_every_mistake_comes_back_at_once(manager, ada, tenant_a):
    response = manager.post(
        reverse("note-list"),
        {"note": "", "due_time": "25:00", "is_task": True, "assigned_to": 10**6},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"note", "due_time", "assigned_to"}
    response = manager.post(reverse("note-list"), {"note": "x", "is_task": True}, format="json")
    assert set(response.json()) == {"customer", "due_date"}
    assert not CustomerNote.objects.exists()


def test_the_filters(manager, tenant_a, agent_a, ada):
    tenant_a.timezone = "America/New_York"
    tenant_a.save()
    today = timezone.localtime(timezone.now(), tenant_a.tzinfo).date()
    lead = LeadFactory(tenant=tenant_a, customer=ada)
    note = note_create(tenant=tenant_a, by=OPERATOR, data={"customer": ada, "note": "Note"})
    late = make_task(tenant_a, {"lead": lead}, today - timedelta(days=1), assigned_to=agent_a.user)
    soon = make_task(tenant_a, {"customer": ada}, today + timedelta(days=1))
    done = make_task(tenant_a, {"customer": ada}, today - timedelta(days=3), is_completed=True)
    other = make_task(tenant_a, {"customer": CustomerFactory(tenant=tenant_a)}, today)
    url = reverse("note-list")
    assert ids(manager.get(url, {"customer": ada.pk})) == {note.pk, late.pk, soon.pk, done.pk}
    assert ids(manager.get(url, {"lead": lead.pk})) == {late.pk}
    assert ids(manager.get(url, {"is_task": "false"})) == {note.pk}
    assert ids(manager.get(url, {"is_completed": "true"})) == {done.pk}
    assert ids(manager.get(url, {"assigned_to": agent_a.user_id})) == {late.pk}
    assert ids(manager.get(url, {"overdue": "true"})) == {late.pk}
    assert late.pk not in ids(manager.get(url, {"overdue": "false"}))
    assert ids(manager.get(url, {"ordering": "due_date", "is_task": "true"})) == {
        late.pk,
        soon.pk,
        done.pk,
        other.pk,
    }
    assert manager.get(url, {"ordering": "note"}).status_code == 400


def test_an_agent_sees_and_acts_on_their_share(api, tenant_a, manager_a, agent_a, agent_a2, ada):
    client = api(agent_a)
    theirs = make_task(
        tenant_a, {"customer": ada}, datetime(2030, 1, 1).date(), assigned_to=agent_a2.user
    )
    open_task = make_task(tenant_a, {"customer": ada}, datetime(2030, 1, 1).date())
    url = reverse("note-list")
    assert ids(client.get(url)) == {open_task.pk}
    for name in ("note-detail", "note-complete"):
        method = client.get if name == "note-detail" else client.post
        assert method(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse("note-complete", args=[open_task.pk])).status_code == 200
    # Not theirs to change or delete (written by the operator), though theirs to complete.
    detail = reverse("note-detail", args=[open_task.pk])
    assert client.patch(detail, {"note": "x"}, format="json").status_code == 403
    assert client.delete(detail).status_code == 403
    refused = client.post(
        url,
        {
            "customer": ada.pk,
            "note": "For you",
            "is_task": True,
            "due_date": "2030-01-01",
            "assigned_to": agent_a2.user_id,
        },
        format="json",
    )
    assert refused.status_code == 400 and "assigned_to" in refused.json()
