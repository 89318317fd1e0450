"""manage.py import_customers TENANT FILE: runs in this process, prints progress, the counts
and the first errors; exits with a message for a bad tenant, file or mapping."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm.models import Customer, ImportJob, Lead
from crm.services.imports import pipeline


def run(*args):
    out = StringIO()
    call_command("import_customers", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_and_reports(tenant_a, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    path = tmp_path / "people.csv"
    path.write_text("first_name,email\nAnn,ann@example.com\nBob,nope\nCy,cy@example.com\n")

    out = run("alpha", str(path), "--tags", "cli,fair")

    assert "Import #" in out and "first_name → first_name, email → email" in out
    assert "2 / 3 rows" in out and "3 / 3 rows" in out
    assert "2 created, 0 updated, 0 skipped, 1 refused, of 3 rows" in out
    assert "row 3, email: Enter a valid email address." in out
    assert sorted(Customer.objects.values_list("first_name", flat=True)) == ["Ann", "Cy"]
    assert Customer.objects.get(first_name="Ann").tag_names() == ["cli", "fair"]
    assert ImportJob.objects.get().created_by is None  # the operator


def test_dry_run_mapping_duplicates_and_leads(tenant_a, tmp_path):
    Customer.objects.create(tenant=tenant_a, first_name="Ann", email="ann@example.com")
    path = tmp_path / "people.csv"
    path.write_text("Name;Mail\nAnnie;ann@example.com\n")
    out = run(
        "alpha",
        str(path),
        "--dry-run",
        "--on-duplicate",
        "update",
        "--mapping",
        '{"Name": "first_name", "Mail": "email"}',
    )
    assert "Dry run #" in out and "0 created, 1 updated" in out and "1 matched existing" in out
    assert Customer.objects.get().first_name == "Ann"
    leads = tmp_path / "leads.csv"
    leads.write_text("first_name,phone\nLee,+15551234567\n")
    run("alpha", str(leads), "--kind", "leads")
    assert Lead.objects.get().phone == "+15551234567"


@pytest.mark.parametrize(
    "args, message",
    [
        (["nosuch", "FILE"], "No tenant 'nosuch'"),
        (["alpha", "/no/such/file.csv"], "Cannot read"),
        (["alpha", "FILE", "--mapping", "{oops"], "mapping: The mapping must be a JSON object"),
        (["alpha", "EMPTY"], "file: The file is empty."),
    ],
)
def test_bad_tenant_file_or_mapping_exit_with_a_message(tenant_a, tmp_path, args, message):
    good = tmp_path / "good.csv"
    good.write_text("first_name\nAnn\n")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    args = [str(good) if a == "FILE" else str(empty) if a == "EMPTY" else a for a in args]
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        run(*args)
    assert not Customer.objects.exists()
