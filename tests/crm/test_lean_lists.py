"""Lean lists: the lead and customer lists (API and pages) read only the columns they show —
never search_text, nor the custom-field slots the tenant does not use — with a fixed number of
statements whatever the rows, and the API's rows are exactly what DRF's own serialisation of
the whole objects gives (tenancy.api.representation)."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from crm.api.customers import CustomerSerializer
from crm.api.leads import LeadSerializer
from crm.models import Customer, Lead, LeadChannel, LeadSource, LeadSubSource
from crm.services.customers import customer_create
from crm.services.leads import lead_create
from customfields.services.values import active_definitions, read_values
from tenancy.actors import OPERATOR
from tests.crm.leads import URL as LEADS_URL
from tests.factories import CustomerFactory, LeadFactory

CUSTOMERS_URL = "/api/v1/customers/"
E = "one@example.com"


@pytest.fixture
def varied_leads(tenant_a, agent_a):
    """Leads with every kind of value, and with none."""
    social = LeadSource.objects.get(tenant=tenant_a, source_code="SOCIAL")
    lead_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@engines.example",
            "phone": "+15550001111",
            "company": "Analytical Engines",
            "status": "QUALIFIED",
            "source": social,
            "sub_source": LeadSubSource.objects.get(source=social, sub_source_code="FACEBOOK"),
            "channel": LeadChannel.objects.get(tenant=tenant_a, channel_code="PAID"),
            "assigned_to": agent_a.user,
            "lead_score": 91,
            "probability": Decimal("0.35"),
            "estimated_value": Decimal("1234.5"),
            "expected_close_date": date(2026, 12, 24),
            "last_contact_date": timezone.now() - timedelta(days=3),
            "next_follow_up_date": timezone.now() + timedelta(days=2),
            "call_attempts": 4,
            "notes": "Likes <engines> & numbers",
            "customer": CustomerFactory(tenant=tenant_a),
        },
        tags=["vip", "engines"],
    )
    LeadFactory(tenant=tenant_a, first_name="Bare", last_name="", email="")


def json_of(data):
    return json.loads(JSONRenderer().render(data))


def drf_row(serializer, instance) -> dict:
    """DRF's own serialisation (Field.get_attribute for every field) of the whole object."""
    return serializers.Serializer.to_representation(serializer, instance)


# ---------------------------------------------------------------------------------------------
# The same rows as DRF's serialisation


def test_lead_rows_are_what_drf_gives_for_the_whole_lead(api, manager_a, tenant_a, varied_leads):
    rows = api(manager_a).get(LEADS_URL, {"ordering": "first_name"}).json()["results"]
    serializer = LeadSerializer(context={"tenant": tenant_a})
    whole = Lead.objects.filter(tenant=tenant_a).order_by("first_name")
    expected = [json_of(drf_row(serializer, lead)) for lead in whole]
    assert rows == expected
    assert rows[0]["tags"] == ["engines", "vip"] and rows[0]["sub_source"] == "FACEBOOK"
    assert rows[1]["sub_source"] is None and rows[1]["assigned_to"] is None


def test_customer_rows_are_what_drf_gives_for_the_whole_customer(
    api, manager_a, tenant_a, tier, points
):
    customer_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "Vera", "email": "vera@example.com", "total_spent": Decimal("9.5")},
        tags=["gold"],
        custom_fields={"tier": "Gold", "points": 120},
    )
    CustomerFactory(tenant=tenant_a, first_name="Wim")
    rows = api(manager_a).get(CUSTOMERS_URL, {"ordering": "first_name"}).json()["results"]
    definitions = active_definitions(tenant_a)
    serializer = CustomerSerializer(context={"tenant": tenant_a, "definitions": definitions})
    expected = [
        json_of({**drf_row(serializer, c), "custom_fields": read_values(c, definitions.values())})
        for c in Customer.objects.filter(tenant=tenant_a).order_by("first_name")
    ]
    assert rows == expected
    assert rows[0]["custom_fields"] == {"tier": "Gold", "points": 120}


# ---------------------------------------------------------------------------------------------
# Only the columns shown


def selects(queries, table: str) -> list[str]:
    """The SELECT statements reading `table`, up to their FROM (the columns read)."""
    return [
        q["sql"].split(" FROM ")[0]
        for q in queries
        if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]


def test_the_lead_list_api_does_not_read_search_text(api, manager_a, tenant_a, varied_leads):
    with CaptureQueriesContext(connection) as queries:
        assert api(manager_a).get(LEADS_URL).status_code == 200
    (columns,) = [s for s in selects(queries, "crm_lead") if "COUNT(" not in s]
    assert '"crm_lead"."first_name"' in columns
    assert "search_text" not in columns and "created_by_id" not in columns
    assert '"crm_leadsource"."source_code"' in columns
    assert '"crm_leadsource"."description"' not in columns


def test_the_customer_list_api_reads_only_the_slots_in_use(api, manager_a, tenant_a, tier):
    CustomerFactory(tenant=tenant_a)
    with CaptureQueriesContext(connection) as queries:
        assert api(manager_a).get(CUSTOMERS_URL).status_code == 200
    (columns,) = [s for s in selects(queries, "crm_customer") if "COUNT(" not in s]
    assert f'"crm_customer"."{tier.mapped_field_name}"' in columns
    assert "search_text" not in columns
    assert columns.count('"crm_customer"."custom_') == 1  # tier's slot, not the other 89


def test_the_lead_page_does_not_read_search_text(login, manager_a, tenant_a, varied_leads):
    with CaptureQueriesContext(connection) as queries:
        assert login(manager_a).get(reverse("crm:lead-list")).status_code == 200
    (columns,) = [s for s in selects(queries, "crm_lead") if "COUNT(" not in s]
    assert "search_text" not in columns and '"crm_lead"."notes"' not in columns


def test_the_customer_page_reads_only_the_columns_it_shows(login, manager_a, tenant_a, tier):
    CustomerFactory(tenant=tenant_a)
    with CaptureQueriesContext(connection) as queries:
        assert login(manager_a).get(reverse("crm:customer-list")).status_code == 200
    (columns,) = [s for s in selects(queries, "crm_customer") if "COUNT(" not in s]
    assert "search_text" not in columns and '"crm_customer"."description"' not in columns


# ---------------------------------------------------------------------------------------------
# Statements that do not grow with the rows


def statements(get) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert get().status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", [LEADS_URL, reverse("crm:lead-list"), CUSTOMERS_URL, reverse("crm:customer-list")]
)
def test_list_statements_do_not_grow_with_the_rows(url, api, login, manager_a, tenant_a, tier):
    client = api(manager_a) if url.startswith("/api/") else login(manager_a)
    lead_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "One", "email": E}, tags=["a"])
    customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "One", "email": E}, tags=["a"]
    )
    client.get(url)  # a page fills the shared cache of its filter's lists
    few = statements(lambda: client.get(url))
    for i in range(12):
        data = {"first_name": f"N{i}", "email": f"n{i}@example.com"}
        lead_create(tenant=tenant_a, by=OPERATOR, data=data, tags=["b", "c"])
        customer_create(
            tenant=tenant_a,
            by=OPERATOR,
            data=data,
            tags=["b"],
            custom_fields={"tier": "Gold"},
        )
    assert statements(lambda: client.get(url)) == few


# ---------------------------------------------------------------------------------------------
# One tag per table cell, not an include


@pytest.mark.parametrize(
    "kind, value, html",
    [
        ("text", None, '<span class="muted">—</span>'),
        ("text", "", '<span class="muted">—</span>'),
        ("text", "<b>", "&lt;b&gt;"),
        ("boolean", False, "No"),
        ("date", date(2026, 5, 1), '<time datetime="2026-05-01">2026-05-01</time>'),
        ("number", Decimal("1234.50"), "1,234.50"),
        ("number", 0, "0"),
        ("email", "a@b.example", '<a href="mailto:a@b.example">a@b.example</a>'),
        ("phone", "+155500", '<a href="tel:+155500">+155500</a>'),
        ("url", "https://x.example/?a=1&b=2", '<a href="https://x.example/?a=1&amp;b=2" rel'),
        ("tags", [], '<span class="muted">—</span>'),
    ],
)
def test_a_cell_value_is_shown_by_its_kind(kind, value, html):
    from django.template import Context, Template

    rendered = Template("{% load crm_tags %}{% shown_value kind value %}").render(
        Context({"kind": kind, "value": value})
    )
    assert rendered.startswith(html)


def test_a_datetime_cell_is_shown_in_the_current_time_zone(settings):
    from datetime import UTC, datetime

    from django.template import Context, Template
    from django.utils import timezone as tz

    moment = datetime(2026, 5, 1, 22, 30, tzinfo=UTC)
    with tz.override("Europe/Berlin"):
        rendered = Template("{% load crm_tags %}{% shown_value 'datetime' v %}").render(
            Context({"v": moment})
        )
    assert rendered == '<time datetime="2026-05-02T00:30:00+02:00">2026-05-02 00:30</time>'
