"""GET customers/export/ and leads/export/: the list's filters, every page of them, as CSV and
XLSX that parse back; never another tenant's rows or fields; agents' leads as their list shows
them; values, formula guarding, odd text; bad input is a 400."""

from datetime import date
from decimal import Decimal

import pytest

from crm.selectors import exports
from crm.services.customers import customer_update
from crm.services.segments import segment_create, segment_rebuild
from tenancy.actors import OPERATOR
from tests.crm.customers import customer, define
from tests.crm.exports import as_dicts, column, read_csv, read_xlsx
from tests.factories import CustomerFactory, LeadFactory

CUSTOMERS = "/api/v1/customers/export/"
LEADS = "/api/v1/leads/export/"


@pytest.fixture
def fields(tenant_a, tier, points):
    since = define(tenant_a, "since", "Customer since", "date")
    vip = define(tenant_a, "vip", "VIP", "boolean")
    return {"tier": tier, "points": points, "since": since, "vip": vip}


@pytest.fixture
def people(tenant_a, fields):
    ann = customer(
        tenant_a, "Ann", tags=["vip", "north"], tier="Gold", points="120.50", since="2020-02-29"
    )
    bob = customer(tenant_a, "Bob", tags=["north"], tier="Silver", vip=True)
    cat = customer(tenant_a, "Cat", points="3", vip=False)
    return ann, bob, cat


def test_customers_csv_has_core_tags_and_custom_columns(manager, people):
    response = manager.get(CUSTOMERS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = read_csv(response)
    assert table[0] == [
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "description",
        "total_purchases",
        "total_spent",
        "tags",
        "tier",
        "points",
        "since",
        "vip",
    ]
    rows = {r["first_name"]: r for r in as_dicts(table)}
    assert rows["Ann"]["tags"] == "north, vip"
    assert rows["Ann"]["tier"] == "Gold"
    assert rows["Ann"]["points"] == "120.50"
    assert rows["Ann"]["since"] == "2020-02-29"
    assert rows["Ann"]["vip"] == ""
    assert rows["Bob"]["vip"] == "true" and rows["Cat"]["vip"] == "false"
    assert rows["Cat"]["total_spent"] == "0.00" and rows["Cat"]["tags"] == ""


def test_customers_xlsx_parses_back_with_the_same_rows(manager, people):
    response = manager.get(CUSTOMERS, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    table = read_xlsx(response)
    csv_table = read_csv(manager.get(CUSTOMERS, {"format": "csv"}))
    assert table[0] == csv_table[0]
    rows = {r["first_name"]: r for r in as_dicts(table)}
    assert rows["Ann"]["points"] == Decimal("120.5") or rows["Ann"]["points"] == 120.5
    assert rows["Ann"]["since"] == "2020-02-29"
    assert rows["Bob"]["vip"] == "true"
    assert rows["Cat"]["tier"] is None
    assert len(table) == len(csv_table) == 4


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_rows_is_a_header_only_file(manager, fields, fmt):
    read = read_csv if fmt == "csv" else read_xlsx
    table = read(manager.get(CUSTOMERS, {"format": fmt, "search": "nobody-at-all"}))
    assert len(table) == 1 and table[0][0] == "first_name" and "vip" in table[0]
    table = read(manager.get(LEADS, {"format": fmt}))
    assert len(table) == 1 and table[0][0] == "first_name"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_is_the_list_every_page_of_it(manager, people, tenant_a, fmt, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)  # several chunks over few rows
    for n in range(5):
        customer(tenant_a, f"Extra{n}", tier="Gold", tags=["north"])
    read = read_csv if fmt == "csv" else read_xlsx
    for params in (
        {"cf_tier": "Gold"},
        {"custom_field_filter": "points__gte:100"},
        {"tags": "north"},
        {"tags": "vip"},
        {"search": "extra"},
        {"cf_tier": "Gold", "tags": "north", "search": "extra3"},
        {},
    ):
        listed = manager.get("/api/v1/customers/", {**params, "page_size": 100}).json()
        table = read(manager.get(CUSTOMERS, {**params, "format": fmt}))
        assert sorted(column(table, "first_name")) == sorted(
            c["first_name"] for c in listed["results"]
        ), params
        assert len(table) - 1 == listed["count"]


def test_a_segment_exports_its_members(manager, people, tenant_a):
    segment = segment_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"name": "Gold", "conditions": {"field": "custom.tier", "op": "eq", "value": "Gold"}},
    )
    segment_rebuild(segment_id=segment.pk)
    table = read_csv(manager.get(CUSTOMERS, {"segment": segment.pk}))
    assert column(table, "first_name") == ["Ann"]


def test_ordering_is_the_lists(manager, people):
    for ordering in ("first_name", "-first_name", "cf_points", "-cf_tier"):
        listed = manager.get("/api/v1/customers/", {"ordering": ordering}).json()["results"]
        table = read_csv(manager.get(CUSTOMERS, {"ordering": ordering}))
        assert column(table, "first_name") == [c["first_name"] for c in listed], ordering


@pytest.mark.parametrize(
    "params",
    [
        {"format": "pdf"},
        {"format": "json"},
        {"cf_nope": "x"},
        {"cf_points__gte": "lots"},
        {"ordering": "password"},
        {"segment": "999999"},
        {"tags": "a\x00b"},
        {"format": "csv\x00"},
    ],
)
def test_bad_parameters_are_400_naming_them(manager, people, params):
    response = manager.get(CUSTOMERS, params)
    assert response.status_code == 400, (params, response.status_code)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()


def test_an_accept_header_for_anything_gets_the_file(manager, people):
    response = manager.get(CUSTOMERS, {"format": "xlsx"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and read_xlsx(response)[1]
    refused = manager.get(CUSTOMERS, {"format": "nope"}, HTTP_ACCEPT="text/html")
    assert refused.status_code == 400 and "format" in refused.json()


def test_never_another_tenants_rows_or_fields(manager, people, tenant_b, admin_b, api):
    define(tenant_b, "beta_secret", "Beta secret", "text")
    define(tenant_b, "tier", "Beta tier", "text")
    customer(tenant_b, "Zqxbeta", beta_secret="hidden", tier="Platinum", tags=["north"])
    LeadFactory(tenant=tenant_b, first_name="Zqxbeta")
    for fmt, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        for params in ({}, {"tags": "north"}, {"search": "zqxbeta"}, {"cf_tier": "Gold"}):
            table = read(manager.get(CUSTOMERS, {**params, "format": fmt}))
            assert "beta_secret" not in table[0]
            flat = repr(table)
            assert "Zqxbeta" not in flat and "Platinum" not in flat, params
        assert "Zqxbeta" not in repr(read(manager.get(LEADS, {"format": fmt})))
    # And tenant B's export is B's only.
    theirs = read_csv(api(admin_b).get(CUSTOMERS))
    assert column(theirs, "first_name") == ["Zqxbeta"]
    assert "beta_secret" in theirs[0] and "points" not in theirs[0]


def test_agents_lead_export_is_their_lead_list(api, tenant_a, agent_a, agent_a2, manager):
    mine = LeadFactory(tenant=tenant_a, first_name="Mine", assigned_to=agent_a.user)
    LeadFactory(tenant=tenant_a, first_name="Theirs", assigned_to=agent_a2.user)
    LeadFactory(tenant=tenant_a, first_name="Nobodys")
    client = api(agent_a)
    listed = client.get("/api/v1/leads/").json()["results"]
    table = read_csv(client.get(LEADS))
    assert sorted(column(table, "first_name")) == sorted(lead["first_name"] for lead in listed)
    assert sorted(column(table, "first_name")) == ["Mine", "Nobodys"]
    assert column(table, "assigned_to") in (
        ["alpha-agent", ""],
        ["", "alpha-agent"],
    )
    assert mine.pk
    everyone = read_csv(manager.get(LEADS))
    assert sorted(column(everyone, "first_name")) == ["Mine", "Nobodys", "Theirs"]


def test_lead_columns_codes_and_filters(manager, tenant_a, agent_a):
    from crm.models import LeadChannel, LeadSubSource
    from crm.services.leads import lead_create

    source = LeadSubSource.objects.filter(tenant=tenant_a).select_related("source").first()
    channel = LeadChannel.objects.filter(tenant=tenant_a).first()
    lead = lead_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "first_name": "Lea",
            "email": "lea@example.com",
            "source": source.source,
            "sub_source": source,
            "channel": channel,
            "assigned_to": agent_a.user,
            "status": "QUALIFIED",
            "estimated_value": Decimal("1500.5"),
            "expected_close_date": date(2030, 1, 31),
        },
        tags=["hot", "b2b"],
    )
    LeadFactory(tenant=tenant_a, first_name="Other", status="NEW")
    table = read_csv(manager.get(LEADS, {"status": "QUALIFIED"}))
    assert table[0][: len(exports.LEAD_FIELDS)] == list(exports.LEAD_FIELDS)
    assert table[0][-1] == "tags"
    (row,) = as_dicts(table)
    assert row["first_name"] == "Lea"
    assert row["status"] == "QUALIFIED"
    assert row["source"] == source.source.source_code
    assert row["sub_source"] == source.sub_source_code
    assert row["channel"] == channel.channel_code
    assert row["assigned_to"] == "alpha-agent"
    assert row["estimated_value"] == "1500.50"
    assert row["expected_close_date"] == "2030-01-31"
    assert row["tags"] == "b2b, hot"
    assert row["customer"] == "" and row["campaign"] == ""
    assert lead.pk
    by_tag = read_csv(manager.get(LEADS, {"tags": "hot", "format": "csv"}))
    assert column(by_tag, "first_name") == ["Lea"]
    assert manager.get(LEADS, {"source": "NOPE"}).status_code == 400


def test_formulas_are_guarded_and_odd_text_survives(manager, tenant_a, fields):
    evil = [
        '=HYPERLINK("http://x","y")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A2)",
    ]
    odd = 'Zoë "quoted", comma\nnew line; ключ 你好 🎉'
    rows = [
        CustomerFactory(tenant=tenant_a, first_name=f"E{i}", company=t) for i, t in enumerate(evil)
    ]
    plain = CustomerFactory(tenant=tenant_a, first_name="Plain", phone="+15550100", company=odd)
    customer_update(customer=plain, by=OPERATOR, data={}, custom_fields={"tier": "Gold"})
    table = read_csv(manager.get(CUSTOMERS))
    companies = dict(zip(column(table, "first_name"), column(table, "company"), strict=True))
    for i, text in enumerate(evil):
        assert companies[f"E{i}"] == "'" + text
    assert companies["Plain"] == odd
    assert (
        dict(zip(column(table, "first_name"), column(table, "phone"), strict=True))["Plain"]
        == "+15550100"
    )
    book = read_xlsx(manager.get(CUSTOMERS, {"format": "xlsx"}))
    companies = dict(zip(column(book, "first_name"), column(book, "company"), strict=True))
    for i, text in enumerate(evil):
        assert companies[f"E{i}"] == text  # a text cell, not a formula
    assert companies["Plain"] == odd
    assert len(rows) == 4


def test_formula_cells_in_xlsx_are_text_not_formulas(manager, tenant_a, fields):
    import io

    from openpyxl import load_workbook

    from tests.crm.exports import body_of

    CustomerFactory(tenant=tenant_a, first_name="=1+1", company="=SUM(A1:A9)")
    book = load_workbook(io.BytesIO(body_of(manager.get(CUSTOMERS, {"format": "xlsx"}))))
    cells = [c for row in book.worksheets[0].iter_rows(min_row=2) for c in row if c.value]
    assert {c.value for c in cells} >= {"=1+1", "=SUM(A1:A9)"}
    assert all(c.data_type == "s" for c in cells if str(c.value).startswith("="))


def test_cell_text_and_guard():
    assert exports.cell_text(None) == ""
    assert exports.cell_text(True) == "true" and exports.cell_text(False) == "false"
    assert exports.cell_text(Decimal("1E+2")) == "100"
    assert exports.cell_text(Decimal("0.10")) == "0.10"
    assert exports.cell_text(date(2024, 2, 29)) == "2024-02-29"
    assert exports.cell_text("-12") == "-12"
    assert exports.cell_text("+1 (555) 010-0100") == "+1 (555) 010-0100"
    assert exports.cell_text("-A1") == "'-A1"
    assert exports.cell_text("\t=1") == "'\t=1"
    assert exports.cell_text("a=b") == "a=b"


def test_control_characters_never_break_the_xlsx(manager, tenant_a):
    CustomerFactory(tenant=tenant_a, first_name="Ctl", company="a\x01b\x1fc\x0bd")
    table = read_xlsx(manager.get(CUSTOMERS, {"format": "xlsx"}))
    assert column(table, "company") == ["abcd"]
    assert column(read_csv(manager.get(CUSTOMERS)), "company") == ["a\x01b\x1fc\x0bd"]


def test_an_overflow_custom_field_is_exported(manager, tenant_a):
    from customfields.models import FieldDefinition

    overflow = define(tenant_a, "extra_num", "Extra number", "number")
    FieldDefinition.objects.filter(pk=overflow.pk).update(mapped_field_name=None)
    one = CustomerFactory(tenant=tenant_a, first_name="Over")
    type(one).objects.filter(pk=one.pk).update(
        custom_fields_extra={"extra_num": 12.5, "gone_key": "x"}
    )
    CustomerFactory(tenant=tenant_a, first_name="Under")
    table = read_csv(manager.get(CUSTOMERS, {"ordering": "first_name"}))
    assert column(table, "extra_num") == ["12.50", ""]
    assert "gone_key" not in table[0]


def test_a_key_named_like_a_core_column_is_prefixed(manager, tenant_a):
    define(tenant_a, "company", "Company (custom)", "text")
    customer(tenant_a, "Kay", company="Custom Co")
    table = read_csv(manager.get(CUSTOMERS))
    assert table[0].count("company") == 1 and "custom.company" in table[0]
    assert column(table, "custom.company") == ["Custom Co"]


def test_lead_times_are_iso_in_the_tenants_zone(manager, tenant_a):
    from datetime import UTC, datetime

    when = datetime(2030, 6, 1, 22, 30, tzinfo=UTC)
    LeadFactory(tenant=tenant_a, first_name="Tim", last_contact_date=when)
    (row,) = as_dicts(read_csv(manager.get(LEADS)))
    assert row["last_contact_date"] == when.astimezone(tenant_a.tzinfo).isoformat()
    assert row["next_follow_up_date"] == ""
    (cell,) = column(read_xlsx(manager.get(LEADS, {"format": "xlsx"})), "last_contact_date")
    assert cell == row["last_contact_date"]
