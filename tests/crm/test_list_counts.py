"""Capped counts in the API's lists and on the list pages (tenancy.pagination): `count` with
`count_is_exact`, `?count=exact`, "3+ leads" with a "Count all" link, and pages past the capped
count. The cap is lowered to 3 so a handful of rows is "a big list"."""

from django.urls import reverse

from tests.crm.leads import URL
from tests.factories import CustomerFactory, LeadFactory
from tests.tenancy import test_pagination

# The lowered cap and the seven leads of the paginator's tests.
CAP = test_pagination.CAP
small_cap = test_pagination.small_cap
leads = test_pagination.leads

# ---------------------------------------------------------------------------------------------
# The API


def test_the_api_caps_the_count_and_says_so(api, manager_a, leads):
    body = api(manager_a).get(URL).json()
    assert (body["count"], body["count_is_exact"]) == (CAP, False)
    assert len(body["results"]) == 7


def test_the_api_counts_exactly_on_demand(api, manager_a, leads):
    body = api(manager_a).get(URL, {"count": "exact"}).json()
    assert (body["count"], body["count_is_exact"]) == (7, True)


def test_a_small_api_list_is_exact(api, manager_a, tenant_a):
    LeadFactory.create_batch(2, tenant=tenant_a)
    body = api(manager_a).get(URL).json()
    assert (body["count"], body["count_is_exact"]) == (2, True)


def test_api_pages_go_on_past_the_capped_count(api, manager_a, leads):
    client = api(manager_a)
    third = client.get(URL, {"page_size": 2, "page": 3}).json()
    assert len(third["results"]) == 2 and "page=4" in third["next"]
    fourth = client.get(URL, {"page_size": 2, "page": 4}).json()
    assert len(fourth["results"]) == 1 and fourth["next"] is None
    assert client.get(URL, {"page_size": 2, "page": 5}).status_code == 404


def test_the_last_page_of_a_capped_list_is_found_by_counting(api, manager_a, leads):
    body = api(manager_a).get(URL, {"page_size": 2, "page": "last"}).json()
    assert len(body["results"]) == 1 and body["count_is_exact"] and body["count"] == 7


def test_an_unknown_count_mode_is_a_400(api, manager_a, leads):
    response = api(manager_a).get(URL, {"count": "all"})
    assert response.status_code == 400
    assert response.json() == {"count": ['Must be "exact" or left out.']}


def test_another_tenants_rows_are_never_counted(api, admin_b, leads):
    body = api(admin_b).get(URL, {"count": "exact"}).json()
    assert (body["count"], body["count_is_exact"], body["results"]) == (0, True, [])


# ---------------------------------------------------------------------------------------------
# The pages


def test_the_lead_page_says_n_plus_with_a_count_all_link(login, manager_a, leads):
    html = login(manager_a).get(reverse("crm:lead-list")).content.decode()
    assert f"<strong>{CAP}+</strong> leads" in html
    assert "?count=exact" in html and ">Count all</a>" in html
    assert f"Export these {CAP}+" in html


def test_count_all_gives_the_exact_figure_on_the_page(login, manager_a, leads):
    html = login(manager_a).get(reverse("crm:lead-list"), {"count": "exact"}).content.decode()
    assert "<strong>7</strong> leads" in html and "Count all" not in html


def test_a_page_past_the_capped_count_shows_its_rows(login, manager_a, tenant_a):
    LeadFactory.create_batch(27, tenant=tenant_a)  # page 2 of 25 holds rows past the cap
    response = login(manager_a).get(reverse("crm:lead-list"), {"page": 2})
    assert len(response.context["leads"]) == 2
    html = response.content.decode()
    assert "Page 2</span>" in html and 'rel="prev"' in html and 'rel="next"' not in html


def test_the_customer_page_caps_its_count_too(login, manager_a, tenant_a):
    CustomerFactory.create_batch(5, tenant=tenant_a)
    client = login(manager_a)
    html = client.get(reverse("crm:customer-list")).content.decode()
    assert f"<strong>{CAP}+</strong> customers" in html and "Count all" in html
    assert f"All {CAP}+ matching this filter" in html
    exact = client.get(reverse("crm:customer-list"), {"count": "exact"}).content.decode()
    assert "<strong>5</strong> customers" in exact
