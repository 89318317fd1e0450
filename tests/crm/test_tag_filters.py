"""The lead and customer tag filters (`tags=a,b`): any of the names, an unknown name matches
nothing, another tenant's tag of the same name never matches; and on PostgreSQL the hot + tag
list's count can read the covering link index and the live hot-lead index, and the tags' counts
the link indexes alone."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import CustomerTag, LeadStatus, LeadTag, Tag
from crm.selectors.tags import tags_with_counts
from tests.crm.leads import URL as LEADS
from tests.factories import CustomerFactory, LeadFactory

CUSTOMERS = "/api/v1/customers/"

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's plans and partial-index proofs"
)


def tag(tenant, name):
    return Tag.objects.get_or_create(tenant=tenant, name=name)[0]


def lead(tenant, first_name, *tags, **fields):
    row = LeadFactory(tenant=tenant, first_name=first_name, **fields)
    LeadTag.objects.bulk_create(LeadTag(tenant=tenant, lead=row, tag=t) for t in tags)
    return row


def customer(tenant, first_name, *tags):
    row = CustomerFactory(tenant=tenant, first_name=first_name)
    CustomerTag.objects.bulk_create(CustomerTag(tenant=tenant, customer=row, tag=t) for t in tags)
    return row


def names(response, key="first_name"):
    assert response.status_code == 200, response.content
    return sorted(row[key] for row in response.json()["results"])


def tagged_world(make, tenant_a, tenant_b):
    """Tenant A's Ada (vip, web), Ben (web), Cy (gold), Dot (none); tenant B's Zed (its own vip,
    secret); and a link no service writes: tenant A's Eve with tenant B's `secret`, which A's
    `secret` filter must not match through B's tag of that name. `make` is `lead` or
    `customer`."""
    vip, web, gold = tag(tenant_a, "vip"), tag(tenant_a, "web"), tag(tenant_a, "gold")
    theirs = tag(tenant_b, "secret")
    make(tenant_a, "Ada", vip, web)
    make(tenant_a, "Ben", web)
    make(tenant_a, "Cy", gold)
    make(tenant_a, "Dot")
    make(tenant_b, "Zed", tag(tenant_b, "vip"), theirs)
    make(tenant_a, "Eve", theirs)


@pytest.fixture
def leads(tenant_a, tenant_b):
    tagged_world(lead, tenant_a, tenant_b)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("vip", ["Ada"]),
        ("web", ["Ada", "Ben"]),
        ("vip,gold", ["Ada", "Cy"]),  # any of the names
        ("web,vip", ["Ada", "Ben"]),  # a lead with both is listed once
        ("GOLD, nope", ["Cy"]),  # lower-cased; the unknown name matches nothing
        ("nope", []),
        ("nope,other", []),
        ("secret", []),  # tenant B's tag of that name
    ],
)
def test_the_lead_tag_filter(manager, leads, tags, expected):
    response = manager.get(LEADS, {"tags": tags})
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


def test_a_tag_of_both_tenants_lists_only_the_tenants_leads(api, manager_a, admin_b, leads):
    assert names(api(manager_a).get(LEADS, {"tags": "vip"})) == ["Ada"]
    assert names(api(admin_b).get(LEADS, {"tags": "vip"})) == ["Zed"]
    assert names(api(admin_b).get(LEADS, {"tags": "web,gold"})) == []


def test_hot_and_tag_together(manager, tenant_a):
    vip = tag(tenant_a, "vip")
    lead(tenant_a, "Hot", vip, lead_score=95)
    lead(tenant_a, "Won", vip, lead_score=95, status=LeadStatus.WON)
    lead(tenant_a, "Cold", vip, lead_score=40)
    lead(tenant_a, "Untagged", lead_score=95)
    params = {"is_hot_leads_only": "true", "tags": "vip"}
    assert names(manager.get(LEADS, params)) == ["Hot"]


@pytest.mark.parametrize(("tags", "expected"), [("gold,vip", {"Ada", "Cy"}), ("nope", set())])
def test_the_leads_page_filters_by_tag(login, manager_a, leads, tags, expected):
    response = login(manager_a).get("/leads/", {"tags": tags})
    assert response.status_code == 200
    assert {row.first_name for row in response.context["leads"]} == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("vip", ["Ada"]),
        ("vip,gold", ["Ada", "Cy"]),
        ("VIP,web", ["Ada", "Ben"]),
        ("nope", []),
        ("secret", []),
    ],
)
def test_the_customer_tag_filter(manager, tenant_a, tenant_b, tags, expected):
    tagged_world(customer, tenant_a, tenant_b)
    response = manager.get(CUSTOMERS, {"tags": tags})
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


def drop_other_indexes(table: str, keep: str) -> None:
    """Every index of `table` but `keep`, dropped inside the test's transaction (rolled back
    with it): constraints' with their constraint, the primary key's with the foreign keys that
    need it."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks the deferred keys now
        cursor.execute(
            "SELECT c.relname, con.conname FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "LEFT JOIN pg_constraint con "
            "ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid "
            "WHERE i.indrelid = %s::regclass AND c.relname <> %s",
            [table, keep],
        )
        for index, constraint in cursor.fetchall():
            if constraint:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{constraint}" CASCADE')
            else:
                cursor.execute(f'DROP INDEX "{index}"')


@on_postgresql
def test_the_hot_and_tag_count_can_read_the_covering_and_hot_lead_indexes(
    manager, tenant_a, tenant_b
):
    newsletter, other = tag(tenant_a, "newsletter"), tag(tenant_a, "other")
    tag(tenant_b, "newsletter")
    for tenant in (tenant_a, tenant_b):
        for n in range(60):
            status = [LeadStatus.NEW, LeadStatus.WON, LeadStatus.QUALIFIED][n % 3]
            tags = [newsletter if n % 2 else other] if tenant == tenant_a else []
            lead(tenant, f"L{n}", *tags, lead_score=80 + n % 20, status=status)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_lead")
        cursor.execute("ANALYZE crm_leadtag")
    with CaptureQueriesContext(connection) as queries:
        response = manager.get(
            LEADS,
            {"is_hot_leads_only": "true", "tags": "newsletter", "ordering": "-estimated_value"},
        )
    expected = sum(1 for n in range(60) if n % 2 and n % 20 >= 10 and n % 3 != 1)
    assert response.status_code == 200
    assert response.json()["count"] == expected
    counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert counts, [q["sql"] for q in queries]
    # The links by the tag's id, a literal the planner can estimate, not a join on the name.
    assert f'"tag_id" IN ({newsletter.pk})' in counts[0] and "crm_tag" not in counts[0]
    # Which index the planner prefers depends on the statistics of tables other tests share.
    # What this test holds is that the count CAN read both new indexes: every other index of
    # the two tables is dropped inside the test's transaction and table and bitmap scans are
    # off. The hot-lead index is usable only if the list's WHERE, as Django writes it, proves
    # its partial condition; the link index is index-only only if it covers the lead.
    drop_other_indexes("crm_lead", keep="lead_hot_live")
    drop_other_indexes("crm_leadtag", keep="leadtag_tenant_tag_lead")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {counts[0]}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using lead_hot_live on crm_lead" in plan, plan
    assert "Index Only Scan using leadtag_tenant_tag_lead on crm_leadtag" in plan, plan


@on_postgresql
def test_the_tag_counts_read_the_link_indexes_alone(tenant_a, manager_a):
    vip, web = tag(tenant_a, "vip"), tag(tenant_a, "web")
    for n in range(30):
        lead(tenant_a, f"L{n}", vip, *([web] if n % 3 == 0 else []))
        customer(tenant_a, f"C{n}", *([vip] if n % 2 else []))
    tags = tags_with_counts(tenant=tenant_a, membership=manager_a)
    assert {t.name: (t.lead_count, t.customer_count) for t in tags} == {
        "vip": (30, 15),
        "web": (10, 0),
    }
    sql, params = tags.query.sql_with_params()
    # As above: other indexes dropped in the test's transaction, table and bitmap scans off.
    # Counting the links' key instead of rows would need every link's row (an Index Scan).
    drop_other_indexes("crm_leadtag", keep="leadtag_tenant_tag_lead")
    drop_other_indexes("crm_customertag", keep="customertag_tenant_tag_cust")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using leadtag_tenant_tag_lead on crm_leadtag" in plan, plan
    assert "Index Only Scan using customertag_tenant_tag_cust on crm_customertag" in plan, plan


@pytest.mark.parametrize(("tags", "expected"), [("vip,gold", {"Ada", "Cy"}), ("nope", set())])
def test_the_customers_page_filters_by_tag(login, manager_a, tenant_a, tags, expected):
    vip, gold = tag(tenant_a, "vip"), tag(tenant_a, "gold")
    customer(tenant_a, "Ada", vip)
    customer(tenant_a, "Ben")
    customer(tenant_a, "Cy", gold)
    response = login(manager_a).get("/customers/", {"tags": tags})
    assert response.status_code == 200
    assert {row["customer"].first_name for row in response.context["rows"]} == expected
