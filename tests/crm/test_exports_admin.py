"""Exports from the admin: the filtered changelist (buttons) and the ticked rows (actions), as
CSV and XLSX written by the same selector; a tenant admin's rows only; a superuser's export
holds one tenant's rows or is refused."""

from html import unescape

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from crm.models import Customer, Lead
from tests.crm.customers import customer, define
from tests.crm.exports import column, read_csv, read_xlsx
from tests.factories import LeadFactory, UserFactory

CUSTOMERS = "admin:crm_customer_changelist"
LEADS = "admin:crm_lead_changelist"


@pytest.fixture
def alpha(client, admin_a):
    client.force_login(admin_a.user)
    return client


@pytest.fixture
def people(tenant_a, tenant_b, tier):
    customer(tenant_a, "Ann", tier="Gold", tags=["vip"])
    customer(tenant_a, "Bob", tier="Silver")
    customer(tenant_a, "Cat", tier="Gold")
    define(tenant_b, "beta_only", "Beta only", "text")
    customer(tenant_b, "Zqxbeta", beta_only="secret", tags=["vip"])


def buttons(response) -> dict[str, str]:
    return {label: unescape(href) for label, href in response.context["export_links"]}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_filtered_changelist_exports_as_shown(alpha, people, fmt):
    response = alpha.get(reverse(CUSTOMERS), {"q": "a", "cf_tier": "Gold"})
    names = sorted(c.first_name for c in response.context["cl"].result_list)
    assert names == ["Ann", "Cat"]
    link = buttons(response)[f"Export ({fmt.upper()})"]
    assert link in response.content.decode().replace("&amp;", "&")
    read = read_csv if fmt == "csv" else read_xlsx
    table = read(alpha.get(link))
    assert sorted(column(table, "first_name")) == names
    assert "tier" in table[0] and "beta_only" not in table[0]


def test_export_selected_actions(alpha, people, tenant_b):
    ours = list(Customer.objects.filter(first_name__in=["Ann", "Bob"]).values_list("pk", flat=True))
    theirs = Customer.objects.get(first_name="Zqxbeta").pk
    for action, read in (("export_selected_csv", read_csv), ("export_selected_xlsx", read_xlsx)):
        response = alpha.post(
            reverse(CUSTOMERS), {"action": action, ACTION_CHECKBOX_NAME: [*ours, theirs]}
        )
        assert response.status_code == 200, action
        assert sorted(column(read(response), "first_name")) == ["Ann", "Bob"]


def test_leads_changelist_and_actions(alpha, tenant_a, tenant_b, agent_a):
    LeadFactory(tenant=tenant_a, first_name="Lea", status="WON", assigned_to=agent_a.user)
    LeadFactory(tenant=tenant_a, first_name="Lou", status="NEW")
    LeadFactory(tenant=tenant_b, first_name="Zqxbeta", status="WON")
    response = alpha.get(reverse(LEADS), {"status__exact": "WON"})
    table = read_csv(alpha.get(buttons(response)["Export (CSV)"]))
    assert column(table, "first_name") == ["Lea"]
    assert column(table, "assigned_to") == ["alpha-agent"]
    everyone = alpha.post(
        reverse(LEADS),
        {
            "action": "export_selected_xlsx",
            ACTION_CHECKBOX_NAME: list(
                Lead.objects.filter(tenant=tenant_a).values_list("pk", flat=True)
            ),
        },
    )
    assert sorted(column(read_xlsx(everyone), "first_name")) == ["Lea", "Lou"]


def test_bad_format_and_filters(alpha, people):
    assert alpha.get("/admin/crm/customer/export/pdf/").status_code == 404
    response = alpha.get("/admin/crm/customer/export/csv/", {"nonsense__field": "1"})
    assert response.status_code == 302


def test_an_empty_changelist_exports_headers_only(alpha, people):
    table = read_csv(alpha.get("/admin/crm/customer/export/csv/", {"q": "nobody-here"}))
    assert len(table) == 1 and "tier" in table[0]


def test_agents_and_strangers_cannot_export(client, agent_a, people):
    client.force_login(agent_a.user)
    response = client.get("/admin/crm/customer/export/csv/")
    assert response.status_code in (302, 403)
    assert b"Zqxbeta" not in response.content and b"Ann" not in response.content


def test_a_superuser_exports_one_tenant_at_a_time(client, people, tenant_a):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    mixed = client.get("/admin/crm/customer/export/csv/")
    assert mixed.status_code == 302
    assert "several tenants" in client.get(mixed["Location"]).content.decode()
    one = read_csv(
        client.get("/admin/crm/customer/export/csv/", {"tenant__id__exact": tenant_a.pk})
    )
    assert sorted(column(one, "first_name")) == ["Ann", "Bob", "Cat"]
    assert "tier" in one[0] and "beta_only" not in one[0]
