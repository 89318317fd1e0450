"""crm.services.imports: a job over a CSV or XLSX file — rows checked by the API's rules, bad
rows refused whole with their number and column, duplicates by email then phone (skip, update,
create; in-file repeats too), tags, the dry run, undo, the timeline, tenancy, roles."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from crm.models import (
    Customer,
    CustomerTagChange,
    ImportFileChunk,
    ImportJob,
    ImportRecord,
    ImportRowError,
    Lead,
    LeadActivity,
    LeadSource,
    LeadStatus,
)
from crm.selectors.imports import import_error_rows
from crm.services.imports import import_run, import_start, pipeline, reading
from crm.services.imports.customer_writer import CustomerWriter
from crm.timeline.page import customer_timeline
from customfields.models import FieldDefinition, FieldHistory
from tenancy.models import OutboxEvent
from tests.crm.customers import customer, define
from tests.crm.imports import run_again, run_import, undo


@pytest.fixture
def tier(tenant_a):
    return define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])


@pytest.fixture
def points(tenant_a):
    return define(tenant_a, "points", "Loyalty points", "number", validation_rules={"min": 0})


def existing(tenant, first_name, **fields):
    made = customer(tenant, first_name)
    Customer.objects.filter(pk=made.pk).update(**fields)
    return Customer.objects.get(pk=made.pk)


def everything_written() -> tuple:
    return (
        Customer.objects.count(),
        FieldHistory.objects.count(),
        CustomerTagChange.objects.count(),
        ImportRecord.objects.count(),
        Lead.objects.count(),
    )


def test_a_csv_is_imported_with_core_custom_values_and_tags(tenant_a, manager_a, tier, points):
    job = run_import(
        tenant_a,
        manager_a,
        "First name,Last name,Email,Phone,Membership tier,custom.points,tags,total_spent\n"
        'Ann,Lee,ann@example.com,+44 20 7946 0958,gold,12,"vip, north",10.50\n'
        "Bob,,bob@example.com,,Silver,,,\n",
        tags="spring-fair",
    )

    assert job.status == "done", job.failure
    assert (job.total_rows, job.processed_rows, job.created, job.error_count) == (2, 2, 2, 0)
    ann = Customer.objects.get(first_name="Ann")
    assert (ann.last_name, ann.phone, ann.total_spent) == ("Lee", "+442079460958", Decimal("10.50"))
    assert ann.custom_select_1 == "Gold"  # the option's own spelling
    assert ann.custom_number_1 == Decimal("12.00")
    assert ann.tag_names() == ["north", "spring-fair", "vip"]
    assert Customer.objects.get(first_name="Bob").tag_names() == ["spring-fair"]
    # The score follows the values (completeness: 2 of 2 fields for Ann, 1 of 2 for Bob).
    assert ann.crm_score == 10
    assert Customer.objects.get(first_name="Bob").crm_score == 5
    assert ann.created_by == manager_a.user
    tags_added = CustomerTagChange.objects.filter(customer=ann, added=True)
    assert sorted(tags_added.values_list("tag_name", flat=True)) == ["north", "spring-fair", "vip"]


def test_tags_with_copys_special_characters_go_in_as_written(tenant_a, manager_a):
    # The tag links, their timeline rows and the events go in by COPY's text format on
    # PostgreSQL, where a backslash, a tab or a line end is an escape.
    names = ["back\\slash", "tab\there", "two\nlines", "plain"]
    job = run_import(
        tenant_a,
        manager_a,
        'first_name,tags\nAnn,"back\\slash,tab\there"\n',
        tags=["two\nlines", "plain"],
    )
    assert job.status == "done", job.failure
    ann = Customer.objects.get(first_name="Ann")
    assert ann.tag_names() == sorted(names)
    changes = CustomerTagChange.objects.filter(customer=ann, added=True)
    assert sorted(changes.values_list("tag_name", "changed_by")) == sorted(
        (name, manager_a.user.pk) for name in names
    )
    events = OutboxEvent.objects.filter(tenant=tenant_a, customer_id=ann.pk)
    assert sorted(((e.event_type, e.data) for e in events), key=repr) == sorted(
        [("customer_created", {"import": job.pk})]
        + [("tag_added", {"tag": name}) for name in names],
        key=repr,
    )


def test_values_with_copys_special_characters_go_in_as_written(tenant_a, manager_a, tier):
    # The new customers are staged by COPY's text format on PostgreSQL: a backslash, a tab,
    # the text \\N (COPY's NULL) and non-ASCII letters come back as the file had them.
    define(tenant_a, "motto", "Motto", "text")
    job = run_import(
        tenant_a,
        manager_a,
        "first_name,last_name,company,tier,motto\n"
        'Ann,O\\Brien,"Tab\tCo",Gold,\\N\n'
        "Zoë,Łukasz,Café,Silver,plain\n",
    )
    assert job.status == "done", job.failure
    assert job.created == 2
    ann = Customer.objects.get(first_name="Ann")
    assert (ann.last_name, ann.company, ann.custom_select_1) == ("O\\Brien", "Tab\tCo", "Gold")
    assert custom_value(ann, "motto") == "\\N"
    zoe = Customer.objects.get(first_name="Zoë")
    assert (zoe.last_name, zoe.company) == ("Łukasz", "Café")
    assert custom_value(zoe, "motto") == "plain"


def custom_value(customer, key):
    definition = FieldDefinition.objects.get(tenant=customer.tenant, field_key=key)
    if definition.mapped_field_name:
        return getattr(customer, definition.mapped_field_name)
    return customer.custom_fields_extra.get(key)


def test_a_dry_run_checks_and_counts_and_writes_nothing(tenant_a, manager_a, tier):
    existing(tenant_a, "Old", email="old@example.com")
    before = everything_written()

    job = run_import(
        tenant_a,
        manager_a,
        "first_name,email,tier\nNew,new@example.com,Gold\nOld,OLD@example.com,Gold\n"
        "Bad,bad@example.com,Bronze\nNew again,new@example.com,Silver\n",
        dry_run=True,
        on_duplicate="update",
        tags="x",
    )

    assert job.status == "done"
    assert (job.created, job.updated, job.skipped, job.error_count) == (1, 2, 0, 1)
    assert job.duplicates == 1  # the duplicate warning: rows matching existing customers
    assert job.errors == [
        {"row": 4, "column": "tier", "message": "Membership tier must be one of: Gold, Silver."}
    ]
    assert everything_written() == before
    assert ImportRowError.objects.filter(job=job).count() == 1  # the report is the dry run's


def test_bad_rows_are_refused_whole_with_row_number_and_column(tenant_a, manager_a, points):
    job = run_import(
        tenant_a,
        manager_a,
        "first_name,email,phone,Loyalty points,total_purchases\n"
        "Ann,ann@example.com,,5,1\n"
        "Bob,not-an-email,,5,1\n"
        ",nameless@example.com,,,\n"
        "Cy,cy@example.com,12,,\n"
        "Dee,dee@example.com,,-3,\n"
        "Eve,eve@example.com,,,lots\n"
        '"Fay\nwith a newline",fay@example.com,,,\n',
    )

    assert job.status == "done"
    assert (job.created, job.error_count) == (2, 5)
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (3, "email"),
        (4, "first_name"),
        (5, "phone"),
        (6, "Loyalty points"),
        (7, "total_purchases"),
    ]
    messages = {e["row"]: e["message"] for e in job.errors}
    assert "valid email" in messages[3]
    assert messages[4] == "A first name is required."
    assert "7 to 15 digits" in messages[5]
    assert messages[6] == "Loyalty points must be at least 0."
    assert "integer" in messages[7]
    assert sorted(Customer.objects.values_list("first_name", flat=True)) == [
        "Ann",
        "Fay\nwith a newline",
    ]
    # Nothing of a refused row went in: no Bob with a good first name and a bad email.
    assert not Customer.objects.filter(first_name="Bob").exists()


def test_the_error_report_has_the_rows_original_cells(tenant_a, manager_a):
    job = run_import(
        tenant_a, manager_a, "first_name;email;Extra\nAnn;nope;keep me\nBob;bob@example.com;\n"
    )
    rows = list(import_error_rows(job))
    assert rows[0] == ["row", "column", "message", "first_name", "email", "Extra"]
    assert rows[1][:2] == ["2", "email"] and rows[1][3:] == ["Ann", "nope", "keep me"]
    assert len(rows) == 2


def test_duplicates_skip_by_default_email_without_case_then_phone(tenant_a, manager_a):
    by_email = existing(tenant_a, "Ann", email="Ann@Example.com")
    by_phone = existing(tenant_a, "Bob", phone="+15551234567")
    job = run_import(
        tenant_a,
        manager_a,
        "first_name,email,phone\n"
        "Ann B,ann@example.COM ,\n"
        "Bob B,other@example.com,+1 (555) 123-4567\n"
        "Cy,cy@example.com,\n",
    )
    assert (job.created, job.skipped, job.duplicates) == (1, 2, 2)
    assert Customer.objects.get(pk=by_email.pk).first_name == "Ann"
    assert Customer.objects.get(pk=by_phone.pk).first_name == "Bob"
    assert Customer.objects.count() == 3


def test_update_changes_only_what_the_row_gives_with_history(tenant_a, manager_a, tier):
    ann = existing(
        tenant_a, "Ann", email="ann@example.com", company="Acme", custom_select_1="Silver"
    )
    job = run_import(
        tenant_a,
        manager_a,
        "first_name,email,company,tier\nAnn,ANN@example.com,,Gold\n",
        on_duplicate="update",
    )
    assert (job.created, job.updated, job.duplicates) == (0, 1, 1)
    ann.refresh_from_db()
    # An empty cell leaves the value as it was; the email's case is the file's.
    assert (ann.company, ann.custom_select_1, ann.email) == ("Acme", "Gold", "ANN@example.com")
    history = FieldHistory.objects.filter(customer=ann, reason=f"import #{job.pk}")
    assert sorted(history.values_list("field_label", "old_value", "new_value")) == [
        ("Email", "ann@example.com", "ANN@example.com"),
        ("Membership tier", "Silver", "Gold"),
    ]
    assert ann.crm_score == 10  # completeness: the one field is filled


def test_a_matched_row_that_changes_nothing_is_skipped(tenant_a, manager_a):
    existing(tenant_a, "Ann", email="ann@example.com")
    job = run_import(
        tenant_a, manager_a, "first_name,email\nAnn,ann@example.com\n", on_duplicate="update"
    )
    assert (job.created, job.updated, job.skipped) == (0, 0, 1)
    assert not ImportRecord.objects.filter(job=job).exists()


def test_create_makes_another_customer_and_still_warns(tenant_a, manager_a):
    existing(tenant_a, "Ann", email="ann@example.com")
    job = run_import(
        tenant_a, manager_a, "first_name,email\nAnn,ann@example.com\n", on_duplicate="create"
    )
    assert (job.created, job.duplicates) == (1, 1)
    assert Customer.objects.filter(email="ann@example.com").count() == 2


@pytest.mark.parametrize(
    "policy, counts",
    [("skip", (2, 0, 1)), ("update", (2, 1, 0)), ("create", (3, 0, 0))],
)
def test_repeats_in_the_same_file(tenant_a, manager_a, policy, counts):
    job = run_import(
        tenant_a,
        manager_a,
        "first_name,email,company,phone\n"
        "Ann,ann@example.com,,\n"
        "Ann,ANN@example.com,Acme,\n"  # the first row again
        "Cy,,Beta,+15551234567\n",  # no email, a phone nobody has: new
        on_duplicate=policy,
    )
    assert (job.created, job.updated, job.skipped) == counts
    assert job.duplicates == 0  # nothing existed before
    if policy == "update":
        assert Customer.objects.get(email__iexact="ann@example.com").company == "Acme"


def test_repeats_across_batches(tenant_a, manager_a, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    rows = "".join(f"P{n},p{n % 3}@example.com,C{n}\n" for n in range(7))
    job = run_import(
        tenant_a, manager_a, "first_name,email,company\n" + rows, on_duplicate="update"
    )
    assert (job.created, job.updated, job.skipped, job.processed_rows) == (3, 4, 0, 7)
    assert sorted(Customer.objects.values_list("email", "company")) == [
        ("p0@example.com", "C6"),
        ("p1@example.com", "C4"),
        ("p2@example.com", "C5"),
    ]
    dry = run_again(job, manager_a, dry_run=True)
    # Now every row matches one of the three: updates that change nothing would be skipped
    # by the real run; a dry run counts them as updates it would try.
    assert (dry.created, dry.duplicates) == (0, 7)


def test_undo_removes_the_created_and_restores_the_updated(tenant_a, manager_a, tier):
    ann = existing(
        tenant_a, "Ann", email="ann@example.com", company="Acme", custom_select_1="Silver"
    )
    customer(tenant_a, "Keep")
    job = run_import(
        tenant_a,
        manager_a,
        "first_name,email,company,tier,tags\nAnn,ann@example.com,Beta,Gold,vip\n"
        "New,new@example.com,Gamma,,\n",
        on_duplicate="update",
        tags="fair",
    )
    assert (job.created, job.updated) == (1, 1)
    assert Customer.objects.get(pk=ann.pk).tag_names() == ["fair", "vip"]

    undone = undo(job, manager_a)

    assert undone.status == "undone" and undone.undone_at is not None
    assert sorted(Customer.objects.values_list("first_name", flat=True)) == ["Ann", "Keep"]
    ann.refresh_from_db()
    assert (ann.company, ann.custom_select_1, ann.tag_names()) == ("Acme", "Silver", [])
    restored = FieldHistory.objects.filter(customer=ann, reason=f"undo of import #{job.pk}")
    assert sorted(restored.values_list("field_label", "old_value", "new_value")) == [
        ("Company", "Beta", "Acme"),
        ("Membership tier", "Gold", "Silver"),
    ]
    summaries = [e.summary for e in customer_timeline(tenant=tenant_a, customer=ann).entries]
    assert f"Import #{job.pk} undone: Company, Membership tier, tags restored" in summaries
    assert f"Updated by import #{job.pk}: Company, Membership tier, tags" in summaries

    with pytest.raises(ValidationError, match="undone already"):
        undo(job, manager_a)


def test_undo_is_refused_for_a_dry_run_and_an_unfinished_job(tenant_a, manager_a):
    dry = run_import(tenant_a, manager_a, "first_name\nAnn\n", dry_run=True)
    with pytest.raises(ValidationError, match="dry run"):
        undo(dry, manager_a)
    pending = import_start(
        tenant=tenant_a, by=manager_a, kind="customers", file=b"first_name\nA\n", filename="a.csv"
    )
    with pytest.raises(ValidationError, match="finished"):
        undo(pending, manager_a)


def test_the_timeline_shows_the_import(tenant_a, manager_a):
    job = run_import(tenant_a, manager_a, "first_name\nAnn\n", filename="people.csv")
    ann = Customer.objects.get()
    entries = customer_timeline(tenant=tenant_a, customer=ann, kinds=frozenset({"import"})).entries
    assert [(e.kind, e.summary, e.actor) for e in entries] == [
        ("import", f"Imported from people.csv (import #{job.pk})", "alpha-manager")
    ]
    assert entries[0].data["import"] == job.pk


def test_csv_variants_bom_semicolon_quotes_and_crlf(tenant_a, manager_a):
    text = '\ufefffirst_name;company;description\r\n"Ann";"Acme; Ltd";"line one\r\nline two"\r\n'
    job = run_import(tenant_a, manager_a, text.encode("utf-8"))
    assert job.mapping == {
        "first_name": "first_name",
        "company": "company",
        "description": "description",
    }
    ann = Customer.objects.get()
    assert (ann.first_name, ann.company) == ("Ann", "Acme; Ltd")
    assert ann.description == "line one\r\nline two"


def test_a_blank_row_is_not_counted_and_short_rows_are_padded(tenant_a, manager_a):
    job = run_import(tenant_a, manager_a, "first_name,email\nAnn\n,\n\nBob,bob@example.com\n")
    assert (job.total_rows, job.created, job.error_count) == (2, 2, 0)


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_numbers_dates_and_booleans(tenant_a, manager_a, points):
    from datetime import date

    define(tenant_a, "joined", "Joined", "date")
    define(tenant_a, "newsletter", "Newsletter", "boolean")
    data = xlsx(
        [
            ["First name", "Email", "points", "Joined", "Newsletter", "total_purchases"],
            ["Ann", "ann@example.com", 12.5, date(2024, 5, 1), True, 3],
            ["Bob", "bob@example.com", "many", None, None, None],
        ]
    )
    job = run_import(tenant_a, manager_a, data, filename="people.xlsx")
    assert job.status == "done", job.failure
    assert (job.created, job.error_count) == (1, 1)
    assert job.errors[0]["row"] == 3 and job.errors[0]["column"] == "points"
    ann = Customer.objects.get()
    assert ann.custom_number_1 == Decimal("12.50")
    assert ann.custom_date_1 == date(2024, 5, 1)
    assert ann.custom_boolean_1 is True
    assert ann.total_purchases == 3


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (b"", "a.csv", "empty"),
        (b"first_name,email\n", "a.csv", "no rows under"),
        (b"first_name\x00,email\nAnn,a@b.co\n", "a.csv", "NUL"),
        ("first_name\nJosé\n".encode("latin-1"), "a.csv", "not UTF-8"),
        (b"PK\x03\x04garbage", "a.xlsx", "not a readable XLSX"),
        (b"\xd0\xcf\x11\xe0old", "a.xls", "old Excel"),
        (b"garbage", "a.xlsx", "not a readable XLSX"),
        (bytes(range(256)) * 4, "a.csv", "NUL"),
    ],
)
def test_bad_files_are_refused_under_file(tenant_a, manager_a, data, filename, message):
    with pytest.raises(ValidationError) as refused:
        run_import(tenant_a, manager_a, data, filename=filename)
    assert list(refused.value.message_dict) == ["file"]
    assert message in refused.value.message_dict["file"][0]
    assert not ImportJob.objects.exists()


def test_a_file_with_no_matching_column_is_a_mapping_error(tenant_a, manager_a):
    with pytest.raises(ValidationError) as refused:
        run_import(tenant_a, manager_a, "foo,bar\n1,2\n")
    assert "No column matches" in refused.value.message_dict["mapping"][0]


def test_the_file_is_stored_in_chunks_and_read_back(tenant_a, manager_a, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_BYTES", 7)
    rows = "".join(f"Person {n},p{n}@example.com\n" for n in range(30))
    job = run_import(tenant_a, manager_a, "first_name,email\n" + rows)
    assert ImportFileChunk.objects.filter(file=job.file).count() > 30
    assert job.created == 30
    assert Customer.objects.filter(email="p29@example.com", first_name="Person 29").exists()


def test_import_again_uses_the_same_file_with_a_new_mapping(tenant_a, manager_a):
    dry = run_import(
        tenant_a,
        manager_a,
        "Name,Mail\nAnn,ann@example.com\n",
        mapping={"Name": "first_name"},
        dry_run=True,
    )
    assert dry.mapping == {"Name": "first_name"}
    again = run_again(dry, manager_a, dry_run=True)  # no mapping: the first job's
    assert again.mapping == {"Name": "first_name"}
    real = run_again(dry, manager_a, mapping={"Name": "first_name", "Mail": "email"})
    assert real.source_job == dry and real.file_id == dry.file_id and not real.dry_run
    assert real.mapping == {"Name": "first_name", "Mail": "email"}
    assert Customer.objects.get().email == "ann@example.com"


def test_agents_may_not_import_or_undo(tenant_a, manager_a, agent_a):
    with pytest.raises(PermissionDenied):
        run_import(tenant_a, agent_a, "first_name\nAnn\n")
    job = run_import(tenant_a, manager_a, "first_name\nAnn\n")
    with pytest.raises(PermissionDenied):
        undo(job, agent_a)


def test_matching_never_sees_another_tenants_customer(tenant_a, tenant_b, manager_a):
    theirs = existing(tenant_b, "Theirs", email="ann@example.com", company="B corp")
    job = run_import(
        tenant_a,
        manager_a,
        "first_name,email,company\nAnn,ann@example.com,A corp\n",
        on_duplicate="update",
    )
    assert (job.created, job.updated, job.duplicates) == (1, 0, 0)
    theirs.refresh_from_db()
    assert theirs.company == "B corp"
    assert Customer.objects.get(tenant=tenant_a).company == "A corp"


def test_a_run_that_hits_an_unexpected_error_ends_failed(tenant_a, manager_a, monkeypatch):
    job = import_start(
        tenant=tenant_a,
        by=manager_a,
        kind="customers",
        file=b"first_name\nA\n",
        filename="a.csv",
        start_run=False,
    )

    def broken(self, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(CustomerWriter, "write", broken)
    assert import_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.failure and job.finished_at
    assert import_run(job_id=job.pk) == "failed"  # not pending: left alone


def test_leads_with_status_and_source_codes(tenant_a, manager_a):
    source = LeadSource.objects.for_tenant(tenant_a).get(is_default=True)
    other = LeadSource.objects.for_tenant(tenant_a).exclude(pk=source.pk).first()
    job = run_import(
        tenant_a,
        manager_a,
        "first_name,email,phone,status,source,company\n"
        f"Ann,ann@example.com,,qualified,{other.source_code.upper()},Acme\n"
        "Bob,,+15551234567,Won,,\n"
        "Cy,,,,,\n"
        "Dee,dee@example.com,,sleeping,,\n"
        "Eve,eve@example.com,,,no-such-source,\n",
        kind="leads",
        filename="leads.csv",
        tags="fair",
    )
    assert job.status == "done", job.failure
    assert (job.created, job.error_count) == (2, 3)
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (4, "email"),
        (5, "status"),
        (6, "source"),
    ]
    ann = Lead.objects.get(first_name="Ann")
    assert (ann.status, ann.source, ann.qualified_at is not None) == (
        LeadStatus.QUALIFIED,
        other,
        True,
    )
    assert ann.tag_names() == ["fair"]
    assert ann.lead_score >= 50
    bob = Lead.objects.get(first_name="Bob")
    assert (bob.status, bob.source, bob.converted_at is not None) == (LeadStatus.WON, source, True)
    assert LeadActivity.objects.filter(
        lead=ann, message__startswith="Imported from leads.csv"
    ).exists()

    again = run_import(
        tenant_a,
        manager_a,
        "first_name,email,company\nAnn,ann@example.com,Beta\n",
        kind="leads",
        on_duplicate="update",
    )
    assert (again.updated, again.duplicates) == (1, 1)
    assert Lead.objects.get(pk=ann.pk).company == "Beta"
    undo(again, manager_a)
    assert Lead.objects.get(pk=ann.pk).company == "Acme"
    undo(job, manager_a)
    assert not Lead.objects.exists()


def test_a_row_at_the_end_of_the_sniffed_sample_stays_whole(tenant_a, manager_a, monkeypatch):
    monkeypatch.setattr(reading, "SNIFF_CHARS", 25)
    rows = "".join(f"Person number {n},p{n}@example.com\n" for n in range(5))
    job = run_import(tenant_a, manager_a, "first_name,email\n" + rows)
    assert (job.total_rows, job.created, job.error_count) == (5, 5, 0)
    assert Customer.objects.filter(first_name="Person number 0", email="p0@example.com").exists()


def test_repeated_cells_are_checked_once_but_answer_alike(tenant_a, manager_a, tier):
    job = run_import(
        tenant_a,
        manager_a,
        "first_name,tier,tags\nA,gold,x\nB,gold,x\nC,bronze,x\nD,bronze,y\n",
    )
    assert (job.created, job.error_count) == (2, 2)
    assert [e["row"] for e in job.errors] == [4, 5]
    assert sorted(Customer.objects.values_list("custom_select_1", flat=True)) == ["Gold", "Gold"]
    # The memory hands out copies: one row's tags never become another's.
    assert [c.tag_names() for c in Customer.objects.order_by("first_name")] == [["x"], ["x"]]
