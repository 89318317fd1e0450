"""Notes and tasks on the pages: the note box and task list of the customer and lead pages (htmx
answers with the panel), delete after confirming, and My tasks with the navigation's count."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import CustomerNote
from crm.selectors.notes import my_task_counts, my_tasks
from crm.services.notes import note_create
from tenancy.actors import OPERATOR
from tests.factories import CustomerFactory, LeadFactory

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ada(tenant_a):
    return CustomerFactory(tenant=tenant_a, first_name="Ada", last_name="Lovelace")


def tenant_today(tenant):
    return timezone.localtime(timezone.now(), tenant.tzinfo).date()


def make_task(tenant, subject, due, **data):
    return note_create(
        tenant=tenant,
        by=OPERATOR,
        data={
            **subject,
            "note": data.pop("note", "A task"),
            "is_task": True,
            "due_date": due,
            **data,
        },
    )


def test_a_note_and_a_task_from_the_customer_page(login, manager_a, ada, tenant_a):
    client = login(manager_a)
    page = client.get(ada.get_absolute_url())
    assert page.status_code == 200
    assert b'id="notes-panel"' in page.content and b"Nothing written yet." in page.content
    url = reverse("crm:customer-notes", args=[ada.pk])

    response = client.post(url, {"note": "Called, wants a quote"}, **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="notes-panel"' in body and "<html" not in body
    assert "Called, wants a quote" in body and 'hx-swap-oob="true"' in body
    due = tenant_today(tenant_a).isoformat()
    response = client.post(
        url,
        {"note": "Send it", "is_task": "on", "due_date": due, "assigned_to": manager_a.user_id},
        **HX,
    )
    assert "Send it" in response.content.decode()
    task = CustomerNote.objects.get(is_task=True)
    assert (task.customer, task.user, task.assigned_to) == (ada, manager_a.user, manager_a.user)
    # Without htmx: back to the customer with a message.
    response = client.post(url, {"note": "Plain form"})
    assert response.status_code == 302 and response["Location"] == ada.get_absolute_url()


def test_every_mistake_is_shown_at_once(login, manager_a, ada):
    client = login(manager_a)
    url = reverse("crm:customer-notes", args=[ada.pk])
    response = client.post(url, {"note": "", "is_task": "on", "due_time": "99:99"}, **HX)
    form = response.context["note_form"]
    assert set(form.errors) == {"note", "due_time", "due_date"}
    response = client.post(url, {"note": "Fine", "is_task": "on", "due_date": "not a day"}, **HX)
    assert set(response.context["note_form"].errors) == {"due_date"}
    response = client.post(url, {"note": "Fine", "due_date": "2030-01-01"}, **HX)
    assert set(response.context["note_form"].errors) == {"due_date"}
    assert "Only a task has this" in response.content.decode()
    assert not CustomerNote.objects.exists()


def test_the_lead_page_has_its_panel_and_an_agent_writes_only_on_their_leads(
    login, agent_a, agent_a2, tenant_a
):
    mine = LeadFactory(tenant=tenant_a, assigned_to=agent_a.user)
    theirs = LeadFactory(tenant=tenant_a, assigned_to=agent_a2.user)
    client = login(agent_a)
    assert b'id="notes-panel"' in client.get(mine.get_absolute_url()).content
    url = reverse("crm:lead-notes", args=[mine.pk])
    response = client.post(url, {"note": "Left a voicemail"}, **HX)
    assert response.status_code == 200 and CustomerNote.objects.get().lead == mine
    refused = client.post(reverse("crm:lead-notes", args=[theirs.pk]), {"note": "x"}, **HX)
    assert refused.status_code == 404
    # Agents are offered only themselves as assignee.
    choices = response.context["note_form"].fields["assigned_to"].queryset
    assert list(choices) == [agent_a.user]


def test_complete_reopen_and_delete_after_confirming(login, manager_a, ada, tenant_a):
    task = make_task(
        tenant_a, {"customer": ada}, tenant_today(tenant_a), assigned_to=manager_a.user
    )
    client = login(manager_a)
    response = client.post(
        reverse("crm:note-complete", args=[task.pk]), {"panel": "customer"}, **HX
    )
    assert 'id="notes-panel"' in response.content.decode() and "Reopen" in response.content.decode()
    task.refresh_from_db()
    assert task.is_completed
    response = client.post(reverse("crm:note-reopen", args=[task.pk]), {"panel": "tasks"}, **HX)
    assert 'id="my-tasks"' in response.content.decode()
    task.refresh_from_db()
    assert not task.is_completed

    delete = reverse("crm:note-delete", args=[task.pk])
    asked = client.get(delete, {"panel": "customer"}, **HX)
    assert "cannot be restored" in asked.content.decode() and CustomerNote.objects.exists()
    assert "Delete this task?" in client.get(delete).content.decode()  # a page without htmx
    response = client.post(delete, {"panel": "customer"}, **HX)
    assert response.status_code == 200 and not CustomerNote.objects.exists()


def test_the_rows_escape_what_was_written_and_post_their_parts_one_form(login, manager_a, tenant_a):
    """The rows (crm_notes' note_items) are built in Python for speed: what people typed is
    escaped all the same, and each Complete button posts its part's one form to its task."""
    odd = CustomerFactory(tenant=tenant_a, first_name="<b>Bold</b>", last_name="O'Hara")
    task = make_task(
        tenant_a,
        {"customer": odd},
        tenant_today(tenant_a),
        note="<script>alert(1)</script>\nthen this",
        assigned_to=manager_a.user,
    )
    complete = reverse("crm:note-complete", args=[task.pk])
    client = login(manager_a)
    for url, target in (
        (odd.get_absolute_url(), "#notes-panel"),
        (reverse("crm:task-list"), "#my-tasks"),
    ):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<b>Bold" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>then this" in body
        assert body.count('<form id="note-actions" method="post" hidden>') == 1
        assert (
            f'form="note-actions" formaction="{complete}" hx-post="{complete}" hx-target="{target}"'
        ) in body
    assert f'<a href="{odd.get_absolute_url()}">&lt;b&gt;Bold&lt;/b&gt; O&#x27;Hara</a>' in body
    # The form as a browser without htmx posts it: back to the page it came from.
    response = client.post(complete, {"panel": "tasks", "next": reverse("crm:task-list")})
    assert response.status_code == 302 and response["Location"] == reverse("crm:task-list")
    task.refresh_from_db()
    assert task.is_completed


def test_an_agent_may_not_delete_what_others_wrote(login, agent_a, ada, tenant_a):
    note = note_create(tenant=tenant_a, by=OPERATOR, data={"customer": ada, "note": "Theirs"})
    client = login(agent_a)
    assert 'href="/notes/' not in client.get(ada.get_absolute_url()).content.decode()
    assert client.post(reverse("crm:note-delete", args=[note.pk])).status_code == 403
    assert CustomerNote.objects.exists()


def test_my_tasks_by_the_tenants_day_with_the_count_in_the_navigation(
    login, manager_a, agent_a, ada, tenant_a
):
    tenant_a.timezone = "Pacific/Kiritimati"  # UTC+14: its day is rarely the server's
    tenant_a.save()
    today = tenant_today(tenant_a)
    me = {"assigned_to": manager_a.user}
    make_task(tenant_a, {"customer": ada}, today - timedelta(days=2), note="Late one", **me)
    make_task(tenant_a, {"customer": ada}, today, note="Today's", **me)
    make_task(tenant_a, {"customer": ada}, today + timedelta(days=1), note="Tomorrow's", **me)
    make_task(tenant_a, {"customer": ada}, today, note="Done one", is_completed=True, **me)
    make_task(tenant_a, {"customer": ada}, today, note="Not mine", assigned_to=agent_a.user)
    # Written by the manager for no one: theirs too.
    note_create(
        tenant=tenant_a,
        by=manager_a,
        data={"customer": ada, "note": "Own, unassigned", "is_task": True, "due_date": today},
    )
    client = login(manager_a)
    response = client.get(reverse("crm:task-list"))
    groups = {g["key"]: [t.note for t in g["tasks"]] for g in response.context["groups"]}
    assert groups == {
        "overdue": ["Late one"],
        "today": ["Today's", "Own, unassigned"],
        "upcoming": ["Tomorrow's"],
        "done": ["Done one"],
    }
    body = response.content.decode()
    assert "Not mine" not in body
    badge = body[body.index('id="task-badge"') :][:200]
    assert ">3<" in badge  # overdue + today
    fragment = client.get(reverse("crm:task-list"), **HX).content.decode()
    assert 'id="my-tasks"' in fragment and "<html" not in fragment


def test_a_task_due_earlier_today_is_overdue(manager_a, ada, tenant_a):
    tenant_a.timezone = "Asia/Tokyo"
    tenant_a.save()
    tz = tenant_a.tzinfo
    make_task(
        tenant_a,
        {"customer": ada},
        datetime(2030, 3, 1).date(),
        due_time=time(10, 0),
        assigned_to=manager_a.user,
    )
    counts = {
        at: my_task_counts(
            tenant=tenant_a, membership=manager_a, now=datetime(2030, 3, 1, *at, tzinfo=tz)
        )
        for at in ((9, 59), (10, 1))
    }
    assert (counts[(9, 59)]["today"], counts[(9, 59)]["overdue"]) == (1, 0)
    assert (counts[(10, 1)]["today"], counts[(10, 1)]["overdue"]) == (0, 1)
    late = my_tasks(tenant=tenant_a, membership=manager_a, now=datetime(2030, 3, 2, tzinfo=tz))
    assert [len(g["tasks"]) for g in late] == [1, 0, 0, 0]
