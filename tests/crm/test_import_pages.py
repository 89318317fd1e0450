"""The import pages: upload -> dry run (counts, first errors, column mapping) -> change the
mapping and check again -> import after a confirmation that says how many -> undo after a
confirmation that says what it removes and restores; every upload error at once; agents
refused; another tenant's job a 404; the error report as CSV; the list of imports."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Customer, ImportJob, ImportStatus, Lead
from crm.services.imports import import_start
from tenancy.actors import OPERATOR
from tests.crm.customers import customer

PEOPLE = (
    "First name,Last name,E-mail,Phone,Tier,Notes\n"
    "Ada,Lovelace,ada@example.com,+44 20 7946 0001,Gold,first\n"
    "Ben,Okri,not-an-email,,Silver,second\n"
    "Cy,Twombly,cy@example.com,,Gold,third\n"
    "Dee,Dee,dee@example.com,,Bronze,fourth\n"
)


def upload(name="people.csv", text=PEOPLE) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.fixture
def manager_page(login, manager_a):
    return login(manager_a)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the block's writes queued for after their commit — the
    import's run, in this process as without a broker (the test's transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def start(client, committed, kind="customers", **fields):
    """Upload through the page (the dry run runs); the job it went to."""
    data = {"file": upload(), "on_duplicate": "skip", "tags": "", **fields}
    with committed():
        response = client.post(reverse(f"crm:{kind[:-1]}-import"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.latest("pk")
    assert response.url == reverse("crm:import-detail", args=[job.pk])
    return job


def mapping_data(response, **changes) -> dict:
    """The mapping form as the page shows it (each column's chosen field), with `changes`
    ({column name: target}) applied."""
    form = response.context["mapping_form"]
    data = {"on_duplicate": form["on_duplicate"].value()}
    for index, (header, field) in enumerate(form.columns()):
        data[f"column_{index}"] = changes.get(header, field.value() or "")
    return data


def test_the_upload_page_says_what_happens(manager_page):
    page = manager_page.get(reverse("crm:customer-import")).content.decode()
    assert "Import customers" in page
    for words in (
        "Skip rows that match an existing customer",
        "Update the existing customer",
        "Create a new customer anyway",
        "Tags to add",
    ):
        assert words in page
    leads = manager_page.get(reverse("crm:lead-import")).content.decode()
    assert "Skip rows that match an existing lead" in leads


def test_upload_checks_the_file_first_and_writes_nothing(manager_page, tenant_a, tier, committed):
    customer(tenant_a, "Old")
    before = Customer.objects.for_tenant(tenant_a).count()
    job = start(manager_page, committed, tags="spring, fair")
    job.refresh_from_db()
    assert job.dry_run and job.status == ImportStatus.DONE
    assert sorted(job.tags) == ["fair", "spring"]
    assert Customer.objects.for_tenant(tenant_a).count() == before

    response = manager_page.get(reverse("crm:import-detail", args=[job.pk]))
    page = response.content.decode()
    assert "What the import would do" in page
    assert f'data-count="created">{job.created}<' in page
    assert f'data-count="errors">{job.error_count}<' in page
    assert job.error_count >= 1
    # The first errors in words: the row number (the header is row 1), the column, the message.
    errors = response.context["errors_shown"]
    assert any(e["row"] == 3 and e["column"] == "E-mail" for e in errors)
    assert '<td class="num">3</td><td>E-mail</td>' in page
    # The mapping: each column of the file with the field it fills (by name or label).
    form = response.context["mapping_form"]
    chosen = {header: field.value() for header, field in form.columns()}
    assert chosen["E-mail"] == "email"
    assert chosen["Notes"] == ""
    assert "Don&#x27;t import" in page or "Don't import" in page
    assert f"Import {job.created + job.updated} customer" in page
    assert "Download the error report (CSV)" in page


def test_check_again_with_another_mapping(manager_page, tenant_a, tier, committed):
    job = start(manager_page, committed)
    response = manager_page.get(reverse("crm:import-detail", args=[job.pk]))
    data = mapping_data(response, **{"Tier": "custom.tier", "Notes": "description"})
    data["action"] = "check"
    with committed():
        again = manager_page.post(reverse("crm:import-again", args=[job.pk]), data)
    rerun = ImportJob.objects.latest("pk")
    assert again.status_code == 302 and again.url == reverse("crm:import-detail", args=[rerun.pk])
    assert rerun.pk != job.pk and rerun.source_job_id == job.pk
    assert rerun.dry_run and rerun.status == ImportStatus.DONE
    assert rerun.mapping["Tier"] == "custom.tier" and rerun.mapping["Notes"] == "description"
    assert not Customer.objects.for_tenant(tenant_a).exists()
    # "Bronze" is not one of the tier's options: the new mapping finds it.
    assert any(e["column"] == "Tier" for e in rerun.errors)
    shown = manager_page.get(reverse("crm:import-detail", args=[rerun.pk]))
    assert {h: f.value() for h, f in shown.context["mapping_form"].columns()}["Tier"] == (
        "custom.tier"
    )


def test_a_column_mapped_twice_is_an_error_and_nothing_runs(manager_page, tenant_a, committed):
    job = start(manager_page, committed)
    response = manager_page.get(reverse("crm:import-detail", args=[job.pk]))
    data = mapping_data(response, **{"Notes": "email"})
    data["action"] = "check"
    with committed():
        refused = manager_page.post(reverse("crm:import-again", args=[job.pk]), data)
    assert refused.status_code == 400
    assert "“E-mail” fills Email already; choose one column for it." in refused.content.decode()
    assert ImportJob.objects.latest("pk").pk == job.pk


def test_import_asks_how_many_then_imports_then_undo_asks_and_undoes(
    manager_page, tenant_a, committed
):
    kept = customer(tenant_a, "Cyrus")
    Customer.objects.filter(pk=kept.pk).update(email="cy@example.com", company="Before")
    job = start(manager_page, committed, on_duplicate="update")
    detail = manager_page.get(reverse("crm:import-detail", args=[job.pk]))
    data = {**mapping_data(detail), "action": "import"}
    job.refresh_from_db()
    assert (job.created, job.updated) == (2, 1)

    # First a question with the number; nothing is written.
    with committed():
        asked = manager_page.post(reverse("crm:import-again", args=[job.pk]), data)
    assert asked.status_code == 200
    assert "<h1>Import 3 customers?</h1>" in asked.content.decode()
    assert ImportJob.objects.latest("pk").pk == job.pk
    assert Customer.objects.for_tenant(tenant_a).count() == 1

    with committed():
        done = manager_page.post(
            reverse("crm:import-again", args=[job.pk]), {**data, "confirmed": "on"}
        )
    real = ImportJob.objects.latest("pk")
    assert done.url == reverse("crm:import-detail", args=[real.pk])
    assert not real.dry_run and real.status == ImportStatus.DONE
    assert (real.created, real.updated) == (2, 1)
    emails = set(Customer.objects.for_tenant(tenant_a).values_list("email", flat=True))
    assert {"ada@example.com", "cy@example.com", "dee@example.com"} == emails
    page = manager_page.get(done.url).content.decode()
    assert "What the import did" in page and "Undo this import" in page
    assert reverse("crm:customer-list") in page

    question = manager_page.get(reverse("crm:import-undo", args=[real.pk])).content.decode()
    assert f"Undo import #{real.pk}?" in question
    assert "This removes the 2 customers it created and restores the 1 customer it updated." in (
        question
    )
    with committed():
        undone = manager_page.post(reverse("crm:import-undo", args=[real.pk]))
    assert undone.url == reverse("crm:import-detail", args=[real.pk])
    real.refresh_from_db()
    assert real.status == ImportStatus.UNDONE
    assert list(Customer.objects.for_tenant(tenant_a).values_list("pk", flat=True)) == [kept.pk]
    page = manager_page.get(undone.url).content.decode()
    assert "Undone" in page and "Undo this import" not in page
    # Undoing twice is refused in words.
    with committed():
        again = manager_page.post(reverse("crm:import-undo", args=[real.pk]), follow=True)
    assert again.status_code == 200
    assert list(again.context["messages"])[0].level_tag == "error"


def test_importing_with_a_changed_mapping_checks_again_first(manager_page, tenant_a, committed):
    job = start(manager_page, committed)
    detail = manager_page.get(reverse("crm:import-detail", args=[job.pk]))
    data = {**mapping_data(detail, **{"Notes": "company"}), "action": "import"}
    with committed():
        response = manager_page.post(reverse("crm:import-again", args=[job.pk]), data, follow=True)
    rerun = ImportJob.objects.latest("pk")
    assert rerun.dry_run and rerun.mapping["Notes"] == "company"
    assert "checked again first" in response.content.decode()
    assert not Customer.objects.for_tenant(tenant_a).exists()


def test_every_upload_error_at_once(manager_page, tenant_a, committed):
    too_many = ",".join(f"tag{i}" for i in range(30))
    with committed():
        response = manager_page.post(
            reverse("crm:customer-import"), {"on_duplicate": "merge", "tags": too_many}
        )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"file", "on_duplicate", "tags"}
    page = response.content.decode()
    assert "Choose a file to import." in page and "nothing was imported" in page
    # The service's refusals of the file land on its field, with the form's own at once.
    garbage = SimpleUploadedFile("x.csv", b"\x00\x01\x02\xff\xfe" * 50, content_type="text/csv")
    with committed():
        response = manager_page.post(
            reverse("crm:customer-import"), {"file": garbage, "on_duplicate": "skip"}
        )
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


def test_agents_may_not_import(login, agent_a, manager_a, tenant_a, committed):
    with committed():
        job = import_start(
            tenant=tenant_a,
            by=manager_a,
            kind="customers",
            file=upload(),
            filename="people.csv",
            dry_run=True,
        )
    client = login(agent_a)
    for name in ("crm:customer-import", "crm:lead-import", "crm:import-list"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.post(reverse("crm:customer-import"), {"file": upload()}).status_code == 403
    for name in (
        "crm:import-detail",
        "crm:import-progress",
        "crm:import-undo",
        "crm:import-errors",
    ):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name
    assert client.post(reverse("crm:import-again", args=[job.pk])).status_code == 404
    assert ImportJob.objects.count() == 1
    # No Import button for them on the lists.
    for name in ("crm:customer-list", "crm:lead-list"):
        page = client.get(reverse(name)).content.decode()
        assert reverse("crm:customer-import") not in page
        assert reverse("crm:lead-import") not in page


def test_managers_see_the_import_buttons(manager_page):
    customers = manager_page.get(reverse("crm:customer-list")).content.decode()
    assert reverse("crm:customer-import") in customers and reverse("crm:import-list") in customers
    leads = manager_page.get(reverse("crm:lead-list")).content.decode()
    assert reverse("crm:lead-import") in leads


def test_another_tenants_job_is_a_404(manager_page, admin_b, tenant_b, committed):
    with committed():
        theirs = import_start(
            tenant=tenant_b, by=admin_b, kind="customers", file=upload(), filename="theirs.csv"
        )
    for name in (
        "crm:import-detail",
        "crm:import-progress",
        "crm:import-undo",
        "crm:import-errors",
    ):
        assert manager_page.get(reverse(name, args=[theirs.pk])).status_code == 404, name
    for name in ("crm:import-again", "crm:import-undo"):
        response = manager_page.post(reverse(name, args=[theirs.pk]), {"action": "import"})
        assert response.status_code == 404, name
    theirs.refresh_from_db()
    assert theirs.status == ImportStatus.DONE
    assert "theirs.csv" not in manager_page.get(reverse("crm:import-list")).content.decode()


def test_the_error_report_is_a_csv_with_the_rows(manager_page, tenant_a, committed):
    job = start(manager_page, committed)
    response = manager_page.get(reverse("crm:import-errors", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"import-{job.pk}-errors.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["row", "column", "message"]
    assert rows[0][3:] == ["First name", "Last name", "E-mail", "Phone", "Tier", "Notes"]
    ben = next(row for row in rows[1:] if row[0] == "3")
    assert ben[1] == "E-mail" and ben[3:5] == ["Ben", "Okri"] and ben[5] == "not-an-email"


def test_the_progress_part_polls_while_the_job_waits(
    manager_page, tenant_a, manager_a, django_capture_on_commit_callbacks
):
    """Until its run starts (after the commit; a worker's, with a broker) the job waits: the
    page polls its progress part, which says how far it is and stops polling once it is done."""
    with django_capture_on_commit_callbacks() as queued:
        job = import_start(
            tenant=tenant_a, by=manager_a, kind="customers", file=upload(), filename="people.csv"
        )
    part = manager_page.get(
        reverse("crm:import-progress", args=[job.pk]), headers={"HX-Request": "true"}
    )
    html = part.content.decode()
    assert 'hx-trigger="every 1s"' in html and "Waiting to start" in html
    assert "<progress" in html and "<html" not in html
    for run in queued:
        run()
    html = manager_page.get(reverse("crm:import-progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in html
    assert "4 of 4 rows" in html and "Imported" in html


def test_the_list_shows_the_tenants_imports_newest_first(
    manager_page, tenant_a, manager_a, committed
):
    first = start(manager_page, committed)
    with committed():
        second = import_start(
            tenant=tenant_a,
            by=OPERATOR,
            kind="leads",
            file=upload("leads.csv"),
            filename="leads.csv",
        )
    response = manager_page.get(reverse("crm:import-list"))
    jobs = [row["job"].pk for row in response.context["rows"]]
    assert jobs == [second.pk, first.pk]
    page = response.content.decode()
    assert "leads.csv" in page and "people.csv" in page and "table-wrap" in page


def test_leads_import_through_the_page(manager_page, tenant_a, committed):
    text = "First name,Last name,Email\nLee,One,lee@example.com\nLou,Two,lou@example.com\n"
    data = {"file": upload("leads.csv", text), "on_duplicate": "skip"}
    with committed():
        response = manager_page.post(reverse("crm:lead-import"), data)
    job = ImportJob.objects.latest("pk")
    assert response.url == reverse("crm:import-detail", args=[job.pk])
    assert job.kind == "leads" and job.dry_run and job.created == 2
    detail = manager_page.get(response.url)
    assert "Import 2 leads" in detail.content.decode()
    data = {**mapping_data(detail), "action": "import", "confirmed": "on"}
    with committed():
        manager_page.post(reverse("crm:import-again", args=[job.pk]), data)
    assert set(Lead.objects.for_tenant(tenant_a).values_list("email", flat=True)) >= {
        "lee@example.com",
        "lou@example.com",
    }


def test_an_xlsx_file_through_the_page(manager_page, tenant_a, committed):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["First name", "Last name", "Email"])
    sheet.append(["Xia", "Lu", "xia@example.com"])
    sheet.append(["Yan", "Mo", "yan@example.com"])
    content = io.BytesIO()
    book.save(content)
    xlsx = SimpleUploadedFile(
        "people.xlsx",
        content.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    with committed():
        response = manager_page.post(
            reverse("crm:customer-import"), {"file": xlsx, "on_duplicate": "skip"}
        )
    job = ImportJob.objects.get()
    assert response.url == reverse("crm:import-detail", args=[job.pk])
    assert (job.status, job.created, job.error_count) == (ImportStatus.DONE, 2, 0)
    page = manager_page.get(response.url).content.decode()
    assert "Import 2 customers" in page and "Download the error report" not in page


def test_polling_the_progress_costs_a_few_queries_whatever_the_file(
    manager_page,
    tenant_a,
    manager_a,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    """Every open job page asks once a second: the answer reads the job's row, never its rows."""
    rows = "".join(f"P{i},Q,p{i}@example.com\n" for i in range(500))
    with django_capture_on_commit_callbacks():
        job = import_start(
            tenant=tenant_a,
            by=manager_a,
            kind="customers",
            file=("First name,Last name,Email\n" + rows).encode(),
            filename="many.csv",
        )
    url = reverse("crm:import-progress", args=[job.pk])
    manager_page.get(url)  # the session and the tenant's settings warm up
    with django_assert_max_num_queries(8):
        assert manager_page.get(url, headers={"HX-Request": "true"}).status_code == 200
