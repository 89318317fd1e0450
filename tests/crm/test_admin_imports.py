"""Imports in the admin: the "Import" button on the customers' and leads' changelists, its
upload form (through crm.services.imports, scoped to the admin's tenant; a superuser names the
tenant), the read-only import jobs with their counts and errors, the error report, and the
"Import for real" and "Undo" actions."""

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Customer, ImportJob, ImportStatus, Lead
from crm.services.imports import import_start
from tests.factories import UserFactory

PEOPLE = (
    "First name,Last name,Email\n"
    "Ada,Lovelace,ada@example.com\n"
    "Ben,Okri,not-an-email\n"
    "Cy,Twombly,cy@example.com\n"
)


def upload(name="people.csv", text=PEOPLE):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.fixture
def alpha(client, admin_a):
    client.force_login(admin_a.user)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the block's writes queued for after their commit (the
    import's run, in this process as without a broker)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_changelists_have_an_import_button(alpha):
    for model in ("customer", "lead"):
        page = alpha.get(reverse(f"admin:crm_{model}_changelist")).content.decode()
        assert f"href='{reverse(f'admin:crm_{model}_import')}' class=\"import_link\"" in page


def test_the_admin_checks_a_file_then_imports_it_for_real(alpha, tenant_a, tenant_b, committed):
    form = alpha.get(reverse("admin:crm_customer_import"))
    assert form.status_code == 200
    assert "tenant" not in form.context["form"].fields  # a tenant admin imports into theirs
    with committed():
        response = alpha.post(
            reverse("admin:crm_customer_import"),
            {"file": upload(), "on_duplicate": "skip", "tags": "fair", "dry_run": "on"},
        )
    job = ImportJob.objects.get()
    assert response.url == reverse("admin:crm_importjob_change", args=[job.pk])
    assert job.tenant == tenant_a and job.dry_run and job.status == ImportStatus.DONE
    assert (job.created, job.error_count) == (2, 1)
    assert not Customer.objects.exists()

    page = alpha.get(response.url).content.decode()
    assert "not-an-email" not in page  # the cells are in the report, the message here
    assert "Email" in page and "<td>3</td>" in page
    assert "Download the error report (CSV)" in page
    assert 'name="_save"' not in page  # read-only

    report = alpha.get(reverse("admin:crm_importjob_errors", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert rows[0] == ["row", "column", "message", "First name", "Last name", "Email"]
    assert rows[1][0] == "3" and rows[1][3:] == ["Ben", "Okri", "not-an-email"]

    with committed():
        alpha.post(
            reverse("admin:crm_importjob_changelist"),
            {"action": "import_for_real", ACTION_CHECKBOX_NAME: [job.pk]},
        )
    real = ImportJob.objects.latest("pk")
    assert real.source_job_id == job.pk and not real.dry_run and real.status == ImportStatus.DONE
    imported = Customer.objects.for_tenant(tenant_a)
    assert set(imported.values_list("email", flat=True)) == {"ada@example.com", "cy@example.com"}
    assert set(imported.first().tag_names()) == {"fair"}
    assert not Customer.objects.for_tenant(tenant_b).exists()

    with committed():
        alpha.post(
            reverse("admin:crm_importjob_changelist"),
            {"action": "undo_selected", ACTION_CHECKBOX_NAME: [real.pk]},
        )
    real.refresh_from_db()
    assert real.status == ImportStatus.UNDONE
    assert not Customer.objects.exists()


def test_a_bad_file_is_a_form_error(alpha, committed):
    garbage = SimpleUploadedFile("x.csv", b"\x00\xff\xfe\x01" * 40)
    with committed():
        response = alpha.post(
            reverse("admin:crm_lead_import"), {"file": garbage, "on_duplicate": "skip"}
        )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


def test_leads_import_in_the_admin(alpha, tenant_a, committed):
    text = "First name,Last name,Email\nLee,One,lee@example.com\n"
    with committed():
        alpha.post(
            reverse("admin:crm_lead_import"),
            {"file": upload("l.csv", text), "on_duplicate": "skip"},
        )
    job = ImportJob.objects.get()
    assert job.kind == "leads" and not job.dry_run
    assert Lead.objects.for_tenant(tenant_a).filter(email="lee@example.com").exists()


def test_a_superuser_names_the_tenant(client, tenant_a, committed):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    with committed():
        response = client.post(reverse("admin:crm_customer_import"), {"file": upload()})
    assert "tenant" in response.context["form"].errors
    with committed():
        client.post(
            reverse("admin:crm_customer_import"),
            {"tenant": tenant_a.pk, "file": upload(), "on_duplicate": "skip", "dry_run": "on"},
        )
    assert ImportJob.objects.get().tenant == tenant_a


def test_another_tenants_job_is_a_404_and_untouched(alpha, admin_b, tenant_b, committed):
    with committed():
        theirs = import_start(
            tenant=tenant_b, by=admin_b, kind="customers", file=upload(), filename="people.csv"
        )
    for name in ("change", "history", "errors"):
        url = reverse(f"admin:crm_importjob_{name}", args=[theirs.pk])
        assert alpha.get(url).status_code == 404, name
    with committed():
        alpha.post(
            reverse("admin:crm_importjob_changelist"),
            {"action": "undo_selected", ACTION_CHECKBOX_NAME: [theirs.pk]},
        )
    theirs.refresh_from_db()
    assert theirs.status == ImportStatus.DONE
    assert Customer.objects.for_tenant(tenant_b).count() == 2


def test_managers_have_no_admin_import(client, manager_a):
    client.force_login(manager_a.user)
    response = client.get(reverse("admin:crm_customer_import"))
    assert response.status_code in (302, 403)
    assert not ImportJob.objects.exists()
