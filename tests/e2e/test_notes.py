"""Notes and tasks in a real browser: write a note and a task on a customer without a page load,
see every mistake at once, find the task on My tasks (and its count in the navigation),
complete it there, and find it on the home page and in the customer's timeline; complete and
reopen on the customer page; and the customer page's panel on a phone."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import CustomerNote
from crm.services.notes import note_create
from tenancy.actors import OPERATOR
from tests.factories import CustomerFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_write_a_note_and_a_task_then_complete_it_on_my_tasks(page, log_in, manager_a, tenant_a):
    ada = CustomerFactory(tenant=tenant_a, first_name="Ada", last_name="Lovelace")
    log_in(manager_a)
    page.goto(ada.get_absolute_url())
    panel = page.locator("#notes-panel")
    expect(panel.get_by_text("Nothing written yet.")).to_be_visible()
    page.evaluate("window.notReloaded = true")  # survives htmx swaps, not a page load

    panel.get_by_label("Note", exact=True).fill("Called, wants a quote")
    panel.get_by_role("button", name="Add").click()
    expect(page.locator("#notes-panel .note-list").first).not_to_contain_text("Called")
    expect(page.locator("#notes-panel")).to_contain_text("Called, wants a quote")

    # A task without its day, and an empty note: both mistakes at once.
    panel = page.locator("#notes-panel")
    panel.get_by_label("This is a task").check()
    panel.get_by_role("button", name="Add").click()
    expect(page.locator("#notes-panel .error-text")).to_have_count(2)
    assert not CustomerNote.objects.filter(is_task=True).exists()

    today = timezone.localtime(timezone.now(), tenant_a.tzinfo).date().isoformat()
    panel = page.locator("#notes-panel")
    panel.get_by_label("Note", exact=True).fill("Send the quote")
    panel.get_by_label("Due on").fill(today)
    panel.get_by_role("button", name="Add").click()
    tasks = page.locator("#notes-panel .note-list.tasks")
    expect(tasks).to_contain_text("Send the quote")
    expect(page.locator("#task-badge")).to_have_text("1 due")  # updated out of band
    assert page.evaluate("window.notReloaded") is True

    page.goto("/")  # the home page counts it among the day's tasks
    home_tasks = page.locator("#panel-my-tasks")
    expect(home_tasks).to_contain_text("Send the quote")
    expect(home_tasks.locator(".metric", has_text="Due today")).to_contain_text("1")

    page.get_by_role("link", name="My tasks").click()
    today_group = page.locator("#tasks-today")
    expect(today_group).to_contain_text("Send the quote")
    expect(today_group).to_contain_text("Ada Lovelace")
    page.evaluate("window.notReloaded = true")
    today_group.get_by_role("button", name="Complete").click()
    expect(page.locator("#tasks-done")).to_contain_text("Send the quote")
    expect(page.locator("#tasks-today")).to_contain_text("Nothing today.")
    expect(page.locator("#task-badge")).to_have_text("")
    assert page.evaluate("window.notReloaded") is True
    assert CustomerNote.objects.get(is_task=True).is_completed

    # The customer's timeline tells the story, newest first.
    page.goto(ada.get_absolute_url() + "?tab=activity")
    tab = page.locator("#customer-tabs")
    expect(tab).to_contain_text("Task completed: Send the quote")
    expect(tab).to_contain_text("Note created: Called, wants a quote")


def test_the_panel_fits_a_phone_and_deleting_asks_first(page, log_in, manager_a, tenant_a):
    ada = CustomerFactory(tenant=tenant_a, first_name="Ada")
    log_in(manager_a)
    page.set_viewport_size(PHONE)
    page.goto(ada.get_absolute_url())
    panel = page.locator("#notes-panel")
    panel.get_by_label("Note", exact=True).fill("A note to delete")
    panel.get_by_role("button", name="Add").click()
    expect(page.locator("#notes-panel")).to_contain_text("A note to delete")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")

    page.locator("#notes-panel").get_by_role("link", name="Delete").click()
    expect(page.locator("#notes-panel")).to_contain_text("cannot be restored")
    assert CustomerNote.objects.exists()
    page.locator("#notes-panel").get_by_role("button", name="Delete").click()
    expect(page.locator("#notes-panel")).to_contain_text("Nothing written yet.")
    assert not CustomerNote.objects.exists()


def test_complete_and_reopen_a_task_on_the_customer_page(page, log_in, manager_a, tenant_a):
    ada = CustomerFactory(tenant=tenant_a, first_name="Ada")
    today = timezone.localtime(timezone.now(), tenant_a.tzinfo).date()
    note_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"customer": ada, "note": "Call Ada", "is_task": True, "due_date": today},
    )
    log_in(manager_a)
    page.goto(ada.get_absolute_url())
    page.evaluate("window.notReloaded = true")
    page.locator("#notes-panel").get_by_role("button", name="Complete").click()
    expect(page.locator("#notes-panel .note-list.tasks")).to_contain_text("No open tasks.")
    assert CustomerNote.objects.get().is_completed
    page.locator("#notes-panel").get_by_role("button", name="Reopen").click()
    expect(page.locator("#notes-panel .note-list.tasks")).to_contain_text("Call Ada")
    assert not CustomerNote.objects.get().is_completed
    assert page.evaluate("window.notReloaded") is True
