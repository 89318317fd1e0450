"""/customers/export/ and /leads/export/: "Export these N" on the list pages, carrying the
list's filters and order; the file is what the list shows, every page of it."""

from html import unescape

import pytest
from django.urls import reverse

from crm.services.segments import segment_create, segment_rebuild
from tenancy.actors import OPERATOR
from tests.crm.customers import customer, define
from tests.crm.exports import column, read_csv, read_xlsx
from tests.factories import LeadFactory

LIST = "/customers/"
EXPORT = "/customers/export/"


@pytest.fixture
def people(tenant_a, tier, points):
    customer(tenant_a, "Ann", tags=["vip"], tier="Gold", points="5")
    customer(tenant_a, "Bob", tier="Silver", points="50")
    customer(tenant_a, "Cat", tags=["vip"], tier="Gold", points="500")
    for n in range(30):
        customer(tenant_a, f"Many{n:02}", tier="Gold")


def export_links(response) -> list[str]:
    html = response.content.decode()
    return [
        unescape(part.split('"', 1)[0])
        for part in html.split('href="')[1:]
        if part.startswith(("/customers/export/", "/leads/export/"))
    ]


def test_the_list_offers_export_these_n_with_its_filters(login, manager_a, people):
    client = login(manager_a)
    response = client.get(LIST, {"cf_tier": "Gold", "tags": "vip", "page": "1", "page_size": "25"})
    assert "Export these 2:" in response.content.decode()
    csv_link, xlsx_link = export_links(response)
    assert csv_link.endswith("format=csv") and xlsx_link.endswith("format=xlsx")
    assert "page=" not in csv_link and "cf_tier=Gold" in csv_link and "tags=vip" in csv_link
    assert sorted(column(read_csv(client.get(csv_link)), "first_name")) == ["Ann", "Cat"]
    assert sorted(column(read_xlsx(client.get(xlsx_link)), "first_name")) == ["Ann", "Cat"]
    # The htmx swap of the results carries the links too.
    partial = client.get(LIST, {"search": "many"}, headers={"HX-Request": "true"})
    assert "Export these 30:" in partial.content.decode()


def test_every_page_of_the_list_is_in_the_file_in_its_order(login, manager_a, people):
    client = login(manager_a)
    params = {"cf_tier": "Gold", "ordering": "-cf_points"}
    listed = client.get(LIST, {**params, "page_size": "100"})
    names = [row["customer"].first_name for row in listed.context["rows"]]
    exported = column(read_csv(client.get(EXPORT, params)), "first_name")
    assert exported == names and len(exported) == 32
    assert exported[:2] == ["Cat", "Ann"]


def test_a_segment_tab_exports_its_members(login, manager_a, people, tenant_a):
    segment = segment_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"name": "Big", "conditions": {"field": "custom.points", "op": "gte", "value": 50}},
    )
    segment_rebuild(segment_id=segment.pk)
    client = login(manager_a)
    response = client.get(LIST, {"segment": segment.pk})
    (csv_link, _) = export_links(response)
    assert f"segment={segment.pk}" in csv_link
    assert sorted(column(read_csv(client.get(csv_link)), "first_name")) == ["Bob", "Cat"]


def test_bad_filters_go_back_to_the_list_and_a_bad_format_is_refused(login, manager_a, people):
    client = login(manager_a)
    response = client.get(EXPORT, {"cf_points__gte": "lots"})
    assert response.status_code == 302 and response["Location"].startswith(LIST)
    assert "cf_points__gte=lots" in response["Location"]
    assert client.get(EXPORT, {"format": "pdf"}).status_code == 400
    assert client.get("/leads/export/", {"status": "NOPE"}).status_code == 302


def test_no_match_shows_no_export_and_the_file_is_headers_only(login, manager_a, people):
    client = login(manager_a)
    assert "Export these" not in client.get(LIST, {"search": "nobody"}).content.decode()
    table = read_csv(client.get(EXPORT, {"search": "nobody"}))
    assert len(table) == 1 and "tier" in table[0]


def test_agents_export_the_leads_their_list_shows(login, agent_a, agent_a2, tenant_a, tenant_b):
    LeadFactory(tenant=tenant_a, first_name="Mine", assigned_to=agent_a.user, status="WON")
    LeadFactory(tenant=tenant_a, first_name="Open", status="WON")
    LeadFactory(tenant=tenant_a, first_name="Theirs", assigned_to=agent_a2.user, status="WON")
    LeadFactory(tenant=tenant_a, first_name="Lost", assigned_to=agent_a.user, status="LOST")
    LeadFactory(tenant=tenant_b, first_name="Zqxbeta", status="WON")
    client = login(agent_a)
    response = client.get(reverse("crm:lead-list"), {"status": "WON", "ordering": "first_name"})
    assert "Export these 2:" in response.content.decode()
    csv_link, xlsx_link = export_links(response)
    assert column(read_csv(client.get(csv_link)), "first_name") == ["Mine", "Open"]
    assert column(read_xlsx(client.get(xlsx_link)), "first_name") == ["Mine", "Open"]


def test_another_tenants_customers_and_fields_never_appear(login, manager_a, people, tenant_b):
    define(tenant_b, "beta_only", "Beta only", "text")
    customer(tenant_b, "Zqxbeta", beta_only="secret", tags=["vip"])
    client = login(manager_a)
    table = read_csv(client.get(EXPORT, {"tags": "vip"}))
    assert "beta_only" not in table[0]
    assert sorted(column(table, "first_name")) == ["Ann", "Cat"]
