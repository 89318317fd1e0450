"""Notes and tasks in the admin: written through the note services (author, history, the
data rules as form errors), deleted through them too."""

import pytest
from django.urls import reverse

from crm.models import CustomerNote, NoteAction, NoteEvent
from tests.factories import CustomerFactory


def url(view, *args):
    return reverse(f"admin:crm_customernote_{view}", args=args)


INLINE = {"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0}


@pytest.fixture
def alpha(client, admin_a):
    client.force_login(admin_a.user)
    return client


def test_a_task_written_changed_and_deleted_in_the_admin(alpha, tenant_a, admin_a, agent_a):
    ada = CustomerFactory(tenant=tenant_a, first_name="Ada")
    body = {
        "customer": ada.pk,
        "note": "Send the quote",
        "is_task": "on",
        "due_date": "2030-05-03",
        "due_time": "09:30",
        "assigned_to": agent_a.user_id,
        **INLINE,
    }
    response = alpha.post(url("add"), body)
    assert response.status_code == 302, response.context["adminform"].form.errors
    note = CustomerNote.objects.get()
    assert (note.tenant, note.user, note.assigned_to) == (tenant_a, admin_a.user, agent_a.user)
    response = alpha.post(url("change", note.pk), {**body, "is_completed": "on"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.is_completed and note.completed_at is not None
    assert alpha.get(url("change", note.pk)).status_code == 200
    response = alpha.post(url("delete", note.pk), {"post": "yes"})
    assert response.status_code == 302 and not CustomerNote.objects.exists()
    assert list(NoteEvent.objects.order_by("id").values_list("action", flat=True)) == [
        NoteAction.CREATED,
        NoteAction.COMPLETED,
        NoteAction.DELETED,
    ]


def test_the_data_rules_show_as_form_errors(alpha, tenant_a):
    response = alpha.post(url("add"), {"note": "Call", "is_task": "on", **INLINE})
    assert response.status_code == 200
    assert {"customer", "due_date"} <= set(response.context["adminform"].form.errors)
    assert not CustomerNote.objects.exists()
