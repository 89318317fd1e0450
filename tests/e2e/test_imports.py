"""Imports in a real browser (issue 15's "Must show"), at phone width, under the pages'
Content-Security-Policy: upload a CSV from the customer list, see the dry run come in through
the polled progress bar (counts, the first errors, the column mapping), map a column and check
again, import after the confirmation, watch the progress bar until it is done, download the
error report, and undo the import.

A worker on a broker runs the jobs here: the broker is the machine's edge, so the test takes
the place of both — the job's dispatch is queued in a list, and the test runs the queued jobs
(crm.services.imports.import_run, what the worker's task calls) while the page polls."""

import csv
from pathlib import Path

import pytest
from playwright.sync_api import expect

from crm.models import Customer, ImportJob, ImportStatus
from crm.services.imports import import_run
from crm.tasks import run_import
from tests.crm.customers import customer
from tests.e2e.navigation import open_nav_link

PHONE = {"width": 390, "height": 844}
PEOPLE = (
    "First name,Last name,E-mail,Notes\n"
    "Ada,Lovelace,ada@example.com,met at the fair\n"
    "Ben,Okri,not-an-email,\n"
    "Cy,Twombly,cy@example.com,\n"
    "Dee,Dee,dee@example.com,\n"
)


class Broker:
    """The broker's queue: what the pages dispatched (`run_import.delay(job_id)`)."""

    def __init__(self):
        self.queued: list[int] = []

    def work(self) -> None:
        """Be the worker: run every queued job."""
        while self.queued:
            import_run(job_id=self.queued.pop(0))


@pytest.fixture
def broker(monkeypatch):
    queue = Broker()
    monkeypatch.setattr(run_import.app.conf, "task_always_eager", False)
    monkeypatch.setattr(run_import, "delay", queue.queued.append)
    return queue


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_import_a_csv_with_a_dry_run_a_mapping_the_progress_bar_and_the_error_report(
    page, log_in, manager_a, tenant_a, tenant_b, broker, tmp_path
):
    customer(tenant_b, "Zed")
    log_in(manager_a)
    page.set_viewport_size(PHONE)

    # From the customer list to the upload form.
    open_nav_link(page, "Customers")
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_role("heading", name="Import customers").wait_for()
    assert fits(page)
    upload = tmp_path / "people.csv"
    upload.write_text(PEOPLE)
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_label("Tags to add").fill("fair")
    page.get_by_role("button", name="Check the file").click()

    # The dry run waits for the worker; the progress part polls and shows the result.
    job = page.locator("#import-job")
    expect(job).to_contain_text("Waiting to start")
    expect(job.locator("progress")).to_be_visible()
    broker.work()
    expect(job).to_contain_text("What the import would do")
    expect(job.locator('[data-count="created"]')).to_have_text("3")
    expect(job.locator('[data-count="errors"]')).to_have_text("1")
    errors = job.locator("table.import-errors")
    expect(errors).to_contain_text("E-mail")
    expect(errors.locator("tbody tr").first.locator("td").first).to_have_text("3")
    assert not Customer.objects.filter(tenant=tenant_a).exists()
    notes = page.get_by_label("Notes", exact=True)
    expect(notes).to_have_value("")
    assert fits(page)

    # Map the "Notes" column to the description and check again.
    notes.select_option("description")
    page.get_by_role("button", name="Check again").click()
    expect(job).to_contain_text("Waiting to start")
    broker.work()
    expect(job).to_contain_text("What the import would do")
    expect(page.get_by_label("Notes", exact=True)).to_have_value("description")
    checked = ImportJob.objects.latest("pk")
    assert checked.dry_run and checked.mapping["Notes"] == "description"

    # Import, after a confirmation that says how many; the progress bar runs to the end.
    page.get_by_role("button", name="Import 3 customers").click()
    page.get_by_role("heading", name="Import 3 customers?").wait_for()
    page.get_by_role("button", name="Yes, import 3 customers").click()
    expect(job).to_contain_text("Waiting to start")
    expect(job.locator("progress")).to_have_attribute("value", "0")
    broker.work()
    expect(job).to_contain_text("What the import did")
    expect(job.locator(".progress-rows")).to_have_text("4 of 4 rows")
    expect(job.locator("progress")).to_have_attribute("value", "100")
    expect(job.locator('[data-count="created"]')).to_have_text("3")
    imported = Customer.objects.filter(tenant=tenant_a)
    assert sorted(imported.values_list("first_name", flat=True)) == ["Ada", "Cy", "Dee"]
    assert imported.get(first_name="Ada").description == "met at the fair"
    assert imported.get(first_name="Ada").tag_names() == ["fair"]
    assert fits(page)

    # The error report: the refused row with its number, column, message and cells.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error report (CSV)").click()
    rows = list(csv.reader(Path(download.value.path()).read_text().splitlines()))
    assert rows[0] == ["row", "column", "message", "First name", "Last name", "E-mail", "Notes"]
    assert rows[1][:2] == ["3", "E-mail"] and rows[1][3:6] == ["Ben", "Okri", "not-an-email"]

    # Undo, after a confirmation that says what it removes.
    real = ImportJob.objects.latest("pk")
    page.get_by_role("link", name="Undo this import…").click()
    page.get_by_role("heading", name=f"Undo import #{real.pk}?").wait_for()
    expect(page.locator("main")).to_contain_text("This removes the 3 customers it created")
    page.get_by_role("button", name="Undo the import").click()
    expect(page.locator(".messages")).to_contain_text(f"Import #{real.pk} undone")
    real.refresh_from_db()
    assert real.status == ImportStatus.UNDONE
    assert not Customer.objects.filter(tenant=tenant_a).exists()
    assert Customer.objects.filter(tenant=tenant_b).count() == 1

    # The list of imports, newest first.
    page.goto("/imports/")
    rows = page.locator("table.imports tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Undone")
    assert fits(page)
