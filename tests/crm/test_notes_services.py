"""Notes and tasks through their services: the lifecycle with its history, the data rules, and
who may do what."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import CustomerNote, NoteAction, NoteEvent
from crm.selectors.notes import notes_visible_to
from crm.services.notes import (
    note_create,
    note_delete,
    note_update,
    task_complete,
    task_reopen,
)
from tenancy.actors import OPERATOR
from tests.factories import CustomerFactory, LeadFactory, make_member

TOMORROW = date.today() + timedelta(days=1)


@pytest.fixture
def ada(tenant_a):
    return CustomerFactory(tenant=tenant_a, first_name="Ada")


def task(tenant, by, subject, **data):
    return note_create(
        tenant=tenant,
        by=by,
        data={**subject, "note": "Call", "is_task": True, "due_date": TOMORROW, **data},
    )


def actions(note) -> list[str]:
    return list(
        NoteEvent.objects.filter(customer_id=note.customer_id)
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


def test_a_task_lives_and_every_step_is_recorded(tenant_a, manager_a, agent_a, ada):
    note = task(
        tenant_a,
        manager_a,
        {"customer": ada},
        note="Send the quote",
        due_time=time(15, 30),
        assigned_to=agent_a.user,
    )
    assert note.user == manager_a.user and not note.is_completed and note.completed_at is None

    note = note_update(note=note, by=agent_a, data={"due_date": TOMORROW + timedelta(days=1)})
    note = task_complete(note=note, by=agent_a)
    assert note.is_completed and note.completed_at is not None
    with pytest.raises(ValidationError, match="already completed"):
        task_complete(note=note, by=agent_a)
    note = task_reopen(note=note, by=agent_a)
    assert not note.is_completed and note.completed_at is None
    note = note_update(note=note, by=manager_a, data={"is_completed": True})
    assert note.completed_at is not None

    customer_id = note.customer_id
    note_delete(note=note, by=manager_a)
    assert not CustomerNote.objects.exists()
    events = NoteEvent.objects.filter(customer_id=customer_id).order_by("created_at", "id")
    assert [e.action for e in events] == [
        NoteAction.CREATED,
        NoteAction.UPDATED,
        NoteAction.COMPLETED,
        NoteAction.REOPENED,
        NoteAction.COMPLETED,
        NoteAction.DELETED,
    ]
    assert events[1].actor == agent_a.user
    assert events[1].changes == {
        "due_date": [TOMORROW.isoformat(), (TOMORROW + timedelta(days=1)).isoformat()]
    }
    assert events[5].changes == {"note": ["Send the quote", None]} and events[5].note is None


def test_the_data_rules_are_reported_at_once(tenant_a, tenant_b, manager_a, ada):
    other = CustomerFactory(tenant=tenant_b)
    with pytest.raises(ValidationError) as caught:
        note_create(tenant=tenant_a, by=manager_a, data={"note": " ", "is_task": True})
    assert set(caught.value.message_dict) == {"note", "customer", "due_date"}
    with pytest.raises(ValidationError) as caught:
        note_create(
            tenant=tenant_a,
            by=manager_a,
            data={"customer": other, "note": "x", "due_time": time(9), "is_completed": True},
        )
    assert set(caught.value.message_dict) == {"customer", "due_time", "is_completed"}
    stranger = make_member(tenant_b, "beta-someone")
    with pytest.raises(ValidationError) as caught:
        task(tenant_a, manager_a, {"customer": ada}, assigned_to=stranger.user)
    assert caught.value.message_dict == {"assigned_to": ["Not an active member of this tenant."]}
    assert not CustomerNote.objects.exists() and not NoteEvent.objects.exists()


def test_a_note_on_a_lead_is_on_its_customer_too(tenant_a, manager_a, ada):
    lead = LeadFactory(tenant=tenant_a, customer=ada)
    note = note_create(tenant=tenant_a, by=manager_a, data={"lead": lead, "note": "Met"})
    assert note.customer == ada
    loose = LeadFactory(tenant=tenant_a)
    with pytest.raises(ValidationError, match="not linked to this customer"):
        note_create(
            tenant=tenant_a, by=manager_a, data={"lead": loose, "customer": ada, "note": "x"}
        )
    assert (
        note_create(tenant=tenant_a, by=manager_a, data={"lead": loose, "note": "x"}).customer
        is None
    )


def test_agents_write_on_what_they_see_and_assign_only_to_themselves(
    tenant_a, agent_a, agent_a2, ada
):
    theirs = LeadFactory(tenant=tenant_a, assigned_to=agent_a2.user)
    with pytest.raises(ValidationError) as caught:
        note_create(tenant=tenant_a, by=agent_a, data={"lead": theirs, "note": "x"})
    assert caught.value.message_dict == {"lead": ["Unknown lead."]}
    with pytest.raises(ValidationError, match="only assign tasks to themselves"):
        task(tenant_a, agent_a, {"customer": ada}, assigned_to=agent_a2.user)
    mine = task(tenant_a, agent_a, {"customer": ada}, assigned_to=agent_a.user)
    with pytest.raises(ValidationError, match="only assign tasks to themselves"):
        note_update(note=mine, by=agent_a, data={"assigned_to": agent_a2.user})
    assert CustomerNote.objects.get().assigned_to == agent_a.user


def test_who_may_edit_delete_and_complete(tenant_a, manager_a, agent_a, agent_a2, ada):
    by_manager = task(tenant_a, manager_a, {"customer": ada})  # unassigned
    for_agent2 = task(tenant_a, manager_a, {"customer": ada}, assigned_to=agent_a2.user)
    # An unassigned task: any agent completes it, only its author or a manager edits it.
    task_complete(note=by_manager, by=agent_a)
    with pytest.raises(PermissionDenied):
        note_update(note=by_manager, by=agent_a, data={"note": "Mine now"})
    with pytest.raises(PermissionDenied):
        note_delete(note=by_manager, by=agent_a)
    # Another agent's task: not theirs to see, complete or change.
    with pytest.raises(PermissionDenied):
        task_complete(note=for_agent2, by=agent_a)
    note_update(note=for_agent2, by=agent_a2, data={"note": "On it"})
    with pytest.raises(PermissionDenied):
        note_delete(note=for_agent2, by=agent_a2)  # assigned, not written by them
    note_delete(note=for_agent2, by=manager_a)
    note = note_create(tenant=tenant_a, by=agent_a, data={"customer": ada, "note": "Hi"})
    with pytest.raises(ValidationError, match="not a task"):
        task_complete(note=note, by=agent_a)
    note_delete(note=note, by=agent_a)
    note_delete(note=by_manager, by=OPERATOR)
    assert not CustomerNote.objects.exists()


def test_members_of_another_tenant_and_inactive_members_are_refused(
    tenant_a, tenant_b, admin_b, agent_a, ada
):
    with pytest.raises(PermissionDenied):
        note_create(tenant=tenant_a, by=admin_b, data={"customer": ada, "note": "x"})
    note = task(tenant_a, OPERATOR, {"customer": ada})
    for call in (task_complete, note_delete):
        with pytest.raises(PermissionDenied):
            call(note=note, by=admin_b)
    agent_a.is_active = False
    agent_a.save()
    with pytest.raises(PermissionDenied):
        task_complete(note=note, by=agent_a)
    assert actions(note) == [NoteAction.CREATED]


def test_an_agent_sees_tasks_assigned_to_them_written_by_them_or_unassigned(
    tenant_a, manager_a, agent_a, agent_a2, ada
):
    theirs_lead = LeadFactory(tenant=tenant_a, assigned_to=agent_a2.user)
    open_lead = LeadFactory(tenant=tenant_a)
    notes = {
        "note on customer": note_create(
            tenant=tenant_a, by=agent_a2, data={"customer": ada, "note": "a"}
        ),
        "note on open lead": note_create(
            tenant=tenant_a, by=manager_a, data={"lead": open_lead, "note": "b"}
        ),
        "note on their lead": note_create(
            tenant=tenant_a, by=manager_a, data={"lead": theirs_lead, "note": "c"}
        ),
        "assigned to me": task(tenant_a, manager_a, {"customer": ada}, assigned_to=agent_a.user),
        "assigned to me, their lead": task(
            tenant_a, manager_a, {"lead": theirs_lead}, assigned_to=agent_a.user
        ),
        "written by me": task(tenant_a, agent_a, {"customer": ada}),
        "unassigned": task(tenant_a, manager_a, {"customer": ada}),
        "unassigned, their lead": task(tenant_a, manager_a, {"lead": theirs_lead}),
        "assigned to them": task(tenant_a, manager_a, {"customer": ada}, assigned_to=agent_a2.user),
    }
    visible = set(
        notes_visible_to(tenant=tenant_a, membership=agent_a).values_list("pk", flat=True)
    )
    seen = {name for name, note in notes.items() if note.pk in visible}
    assert seen == {
        "note on customer",
        "note on open lead",
        "assigned to me",
        "assigned to me, their lead",
        "written by me",
        "unassigned",
    }
    assert notes_visible_to(tenant=tenant_a, membership=manager_a).count() == len(notes)


def test_overdue_reads_the_tenants_day_and_time(tenant_a, manager_a, ada):
    tenant_a.timezone = "Pacific/Auckland"
    tenant_a.save()
    note = task(
        tenant_a, manager_a, {"customer": ada}, due_date=date(2030, 1, 10), due_time=time(9)
    )
    tz = tenant_a.tzinfo
    before = datetime(2030, 1, 10, 8, 59, tzinfo=tz)
    after = datetime(2030, 1, 10, 9, 1, tzinfo=tz)
    assert not note.is_overdue(today=before.date(), now=before, tz=tz)
    assert note.is_overdue(today=after.date(), now=after, tz=tz)
