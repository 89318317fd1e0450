"""customers/import/, leads/import/ and imports/: multipart uploads answered 202 with the job,
bad input a 400 with field messages (never a 500), the job's contract fields, undo, the error
report as CSV, roles (agents 403 on writes, no imports listed) and tenancy (another tenant's
import is a 404)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from crm.models import Customer, ImportJob, Lead
from tests.crm.imports import run_import

CUSTOMERS = "/api/v1/customers/import/"
LEADS = "/api/v1/leads/import/"
IMPORTS = "/api/v1/imports/"


def upload(content: bytes | str, name: str = "customers.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def post(client, url, body):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, body, format="multipart")


def test_an_upload_is_accepted_and_run(manager, tenant_a):
    response = post(
        manager,
        CUSTOMERS,
        {
            "file": upload("Name,E-mail\nAnn,ann@example.com\nBob,nope\n"),
            "mapping": '{"Name": "first_name"}',
            "tags": ["vip,north", "fair"],
            "on_duplicate": "update",
        },
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["mapping"] == {"Name": "first_name", "E-mail": "email"}
    assert body["tags"] == ["fair", "north", "vip"]

    job = manager.get(f"{IMPORTS}{body['id']}/").json()
    assert {k: job[k] for k in ("status", "total_rows", "processed_rows", "created")} == {
        "status": "done",
        "total_rows": 2,
        "processed_rows": 2,
        "created": 1,
    }
    assert job["errors"] == [
        {"row": 3, "column": "E-mail", "message": "Enter a valid email address."}
    ]
    for field in (
        "id",
        "updated",
        "skipped",
        "kind",
        "dry_run",
        "error_count",
        "filename",
        "created_at",
        "finished_at",
    ):
        assert field in job
    assert Customer.objects.get().tag_names() == ["fair", "north", "vip"]
    assert [j["id"] for j in manager.get(IMPORTS).json()["results"]] == [body["id"]]


def test_a_dry_run_through_the_api_writes_nothing(manager):
    response = post(manager, CUSTOMERS, {"file": upload("first_name\nAnn\n"), "dry_run": "true"})
    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert job.dry_run and job.created == 1
    assert not Customer.objects.exists()


def test_leads_import(manager):
    response = post(
        manager, LEADS, {"file": upload("first_name,email,status\nAnn,ann@example.com,NEW\n")}
    )
    assert response.status_code == 202
    assert response.json()["kind"] == "leads"
    assert Lead.objects.get().first_name == "Ann"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "file"),
        ({"file": upload(b"")}, "file"),
        ({"file": upload("first_name\n")}, "file"),
        ({"file": upload(bytes(range(256)))}, "file"),
        ({"file": upload(b"first_name\nA\x00nn\n")}, "file"),
        ({"file": upload(b"PK\x03\x04nope", "x.xlsx")}, "file"),
        ({"file": upload("first_name\nAnn\n"), "mapping": "{nope"}, "mapping"),
        ({"file": upload("first_name\nAnn\n"), "mapping": "[1]"}, "mapping"),
        (
            {"file": upload("first_name\nAnn\n"), "mapping": '{"first_name": "shoe_size"}'},
            "mapping",
        ),
        ({"file": upload("shoe\n42\n")}, "mapping"),
        ({"file": upload("first_name\nAnn\n"), "mapping": '{"a\x00": 1}'}, "mapping"),
        ({"file": upload("first_name\nAnn\n"), "on_duplicate": "merge"}, "on_duplicate"),
        ({"file": upload("first_name\nAnn\n"), "tags": "x" * 60}, "tags"),
        ({"file": upload("first_name\nAnn\n"), "tags": "a\x00b"}, "tags"),
        ({"file": upload("first_name\nAnn\n"), "colour": "red"}, "colour"),
        ({"file": "not a file"}, "file"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager, body, field):
    response = post(manager, CUSTOMERS, body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ImportJob.objects.exists()


def test_json_is_not_an_upload(manager):
    response = manager.post(CUSTOMERS, {"file": "x"}, format="json")
    assert response.status_code == 415


def test_agents_may_not_import_and_see_no_imports(api, agent_a, manager_a, tenant_a):
    job = run_import(tenant_a, manager_a, "first_name\nAnn\n")
    agent = api(agent_a)
    response = post(agent, CUSTOMERS, {"file": upload("first_name\nAnn\n")})
    assert response.status_code == 403
    assert agent.get(IMPORTS).json()["results"] == []
    assert agent.get(f"{IMPORTS}{job.pk}/").status_code == 404
    assert agent.post(f"{IMPORTS}{job.pk}/undo/").status_code == 403


def test_another_tenants_import_is_a_404(api, manager, tenant_b, admin_b):
    theirs = run_import(tenant_b, admin_b, "first_name\nZed\n")
    assert manager.get(f"{IMPORTS}{theirs.pk}/").status_code == 404
    assert manager.post(f"{IMPORTS}{theirs.pk}/undo/").status_code == 404
    assert manager.get(f"{IMPORTS}{theirs.pk}/errors/").status_code == 404
    assert manager.get(IMPORTS).json()["results"] == []
    assert Customer.objects.filter(tenant=tenant_b).count() == 1


def test_undo_through_the_api(manager, manager_a, tenant_a):
    job = run_import(tenant_a, manager_a, "first_name\nAnn\n")
    response = manager.post(f"{IMPORTS}{job.pk}/undo/")
    assert response.status_code == 200
    assert response.json()["status"] == "undone"
    assert not Customer.objects.exists()
    again = manager.post(f"{IMPORTS}{job.pk}/undo/")
    assert again.status_code == 400 and "detail" in again.json()


def test_the_error_report_downloads_as_csv(manager, manager_a, tenant_a):
    job = run_import(tenant_a, manager_a, "first_name,email\nAnn,nope\nBob,bob@example.com\n")
    response = manager.get(f"{IMPORTS}{job.pk}/errors/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"import-{job.pk}-errors.csv" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines() == [
        "row,column,message,first_name,email",
        "2,email,Enter a valid email address.,Ann,nope",
    ]


def test_an_xlsx_upload(manager):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["First name", "Email"])
    book.active.append(["Ann", "ann@example.com"])
    out = io.BytesIO()
    book.save(out)
    response = post(manager, CUSTOMERS, {"file": upload(out.getvalue(), "people.xlsx")})
    assert response.status_code == 202, response.content
    assert Customer.objects.get().email == "ann@example.com"
