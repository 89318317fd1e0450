"""The customer list page: filters by custom field (like the API's), ordering by core and custom
columns, the chosen columns remembered per tenant, paging, htmx, and a query count that does
not grow with the rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Customer
from crm.services.customers import customer_create
from crm.views.customers import VIEW_SESSION_KEY
from customfields.services.definitions import definition_set_active
from tenancy.actors import OPERATOR
from tenancy.models import Membership, Role
from tests.crm.customers import customer, define, names
from tests.factories import UserFactory, with_crm_score


def test_filters_by_custom_fields_give_the_right_rows(login, manager_a, tenant_a, tier, points):
    define(tenant_a, "since", "Member since", "date")
    define(tenant_a, "vip", "VIP", "boolean")
    define(tenant_a, "city", "City", "text")
    customer(tenant_a, "Ada", tier="Gold", points=120, since="2020-05-01", vip=True, city="Lisbon")
    customer(tenant_a, "Bob", tier="Silver", points=40, since="2023-01-10", vip=False, city="Oslo")
    customer(tenant_a, "Cy", tier="Gold", points=15, city="Lisburn")
    customer(tenant_a, "Dee")
    client = login(manager_a)
    url = reverse("crm:customer-list")
    cases = [
        ({"cf_tier": "Gold"}, ["Ada", "Cy"]),
        ({"cf_tier": "gold", "cf_points__gte": "100"}, ["Ada"]),
        ({"cf_points__gte": "20", "cf_points__lte": "100"}, ["Bob"]),
        ({"cf_since__lte": "2021-01-01"}, ["Ada"]),
        ({"cf_since__gte": "2021-01-01", "cf_since__lte": ""}, ["Bob"]),
        ({"cf_vip": "false"}, ["Bob"]),
        ({"cf_city__contains": "lis"}, ["Ada", "Cy"]),
        ({"cf_tier": "", "cf_points__gte": ""}, ["Ada", "Bob", "Cy", "Dee"]),  # blanks: no filter
    ]
    for params, expected in cases:
        response = client.get(url, {"ordering": "first_name", **params})
        assert response.context["filters_valid"], params
        assert names(response) == expected, params


def test_custom_filters_combine_with_search_and_tags(login, manager_a, tenant_a, tier):
    customer(tenant_a, "Ada", tags=["vip"], tier="Gold")
    customer(tenant_a, "Abe", tier="Gold")
    customer(tenant_a, "Bea", tags=["vip"], tier="Silver")
    client = login(manager_a)
    response = client.get(reverse("crm:customer-list"), {"tags": "VIP", "cf_tier": "Gold"})
    assert names(response) == ["Ada"]
    response = client.get(reverse("crm:customer-list"), {"search": "ab", "cf_tier": "Gold"})
    assert names(response) == ["Abe"]


def test_the_filter_controls_follow_the_field_types(login, manager_a, tenant_a, tier, points):
    define(tenant_a, "since", "Member since", "date")
    define(tenant_a, "vip", "VIP", "boolean")
    define(tenant_a, "site", "Website", "url")
    client = login(manager_a)
    client.post(
        reverse("crm:customer-columns"),
        {"columns": ["email"], "filters": ["tier", "points", "since", "vip", "site"]},
    )
    form = client.get(reverse("crm:customer-list")).context["custom_filter_form"]
    assert list(form.fields) == [
        "cf_tier",
        "cf_points__gte",
        "cf_points__lte",
        "cf_since__gte",
        "cf_since__lte",
        "cf_vip",
        "cf_site__contains",
    ]
    assert [value for value, _ in form.fields["cf_tier"].widget.choices] == ["", "Gold", "Silver"]
    assert [value for value, _ in form.fields["cf_vip"].widget.choices] == ["", "true", "false"]
    assert form.fields["cf_since__gte"].widget.input_type == "date"


def test_a_bad_filter_value_shows_the_error(login, manager_a, tenant_a, tier, points):
    customer(tenant_a, "Ada", points=5)
    response = login(manager_a).get(
        reverse("crm:customer-list"),
        {"cf_points__gte": "lots", "cf_tier": "Platinum", "cf_nope": "1"},
    )
    content = response.content.decode()
    assert "Check the filters" in content
    assert "Loyalty points from: Loyalty points must be a number." in content
    assert "Membership tier: Membership tier must be one of: Gold, Silver." in content
    assert "cf_nope: Unknown custom field." in content
    assert response.context["rows"] == []


def test_the_list_filters_like_the_api(login, api, manager_a, tenant_a, tier, points):
    for first, tier_value, value in (
        ("Ada", "Gold", 120),
        ("Bob", "Gold", 40),
        ("Cy", "Silver", 9),
    ):
        customer(tenant_a, first, tier=tier_value, points=value)
    params = {"cf_tier": "Gold", "cf_points__gte": "50"}
    page = login(manager_a).get(reverse("crm:customer-list"), params)
    listed = api(manager_a).get("/api/v1/customers/", params).json()["results"]
    assert names(page) == [c["first_name"] for c in listed] == ["Ada"]


def test_sort_by_a_custom_column_with_empty_values_last(login, manager_a, tenant_a, points):
    customer(tenant_a, "Low", points=1)
    customer(tenant_a, "None")
    customer(tenant_a, "High", points=90)
    client = login(manager_a)
    client.post(reverse("crm:customer-columns"), {"columns": ["cf_points"]})
    ascending = client.get(reverse("crm:customer-list"), {"ordering": "cf_points"})
    assert names(ascending) == ["Low", "High", "None"]
    descending = client.get(reverse("crm:customer-list"), {"ordering": "-cf_points"})
    assert names(descending) == ["High", "Low", "None"]
    header = next(c for c in descending.context["columns"] if c["name"] == "cf_points")
    assert header["sorted"] == "descending" and header["ordering"] == "cf_points"
    unknown = client.get(reverse("crm:customer-list"), {"ordering": "cf_password"})
    assert names(unknown) == ["High", "None", "Low"]  # newest first


def test_core_columns_sort_and_unknown_orderings_are_ignored(login, manager_a, tenant_a):
    for first, score in (("Mid", 50), ("Top", 90), ("Low", 10)):
        with_crm_score(
            customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": first}), score
        )
    client = login(manager_a)
    assert names(client.get(reverse("crm:customer-list"), {"ordering": "-crm_score"})) == [
        "Top",
        "Mid",
        "Low",
    ]
    for sneaky in ("created_by__password", "--crm_score", "-cf_"):
        response = client.get(reverse("crm:customer-list"), {"ordering": sneaky})
        assert names(response) == ["Low", "Top", "Mid"], sneaky  # newest first


def test_overflow_fields_filter_and_sort_like_slot_fields(login, manager_a, tenant_a):
    # Every url and number slot taken: the next fields of those types live in the JSON.
    for n in range(1, 6):
        define(tenant_a, f"site{n}", f"Site {n}", "url")
    for n in range(1, 16):
        define(tenant_a, f"n{n}", f"N{n}", "number")
    blog = define(tenant_a, "blog", "Blog", "url")
    rank = define(tenant_a, "rank", "Rank", "number")
    assert blog.mapped_field_name is None and rank.mapped_field_name is None
    customer(tenant_a, "Ada", blog="https://ada.example/posts", rank=3)
    customer(tenant_a, "Bob", blog="https://bob.example", rank=12)
    client = login(manager_a)
    by_blog = client.get(reverse("crm:customer-list"), {"cf_blog__contains": "ada."})
    assert names(by_blog) == ["Ada"]
    by_rank = client.get(reverse("crm:customer-list"), {"cf_rank__gte": "5"})
    assert names(by_rank) == ["Bob"]
    client.post(reverse("crm:customer-columns"), {"columns": ["cf_rank"]})
    ordered = client.get(reverse("crm:customer-list"), {"ordering": "-cf_rank"})
    assert names(ordered) == ["Bob", "Ada"]
    assert ">12<" in ordered.content.decode()


def test_the_column_choice_is_remembered_per_tenant(client, tenant_a, tenant_b, points):
    user = UserFactory(username="both")
    for tenant in (tenant_a, tenant_b):
        Membership.objects.create(tenant=tenant, user=user, role=Role.MANAGER)
    customer(tenant_a, "Ada", points=7)
    client.force_login(user)
    default = client.get(reverse("crm:customer-list"))
    assert [c["name"] for c in default.context["columns"]] == [
        "name",
        "email",
        "company",
        "tags",
        "crm_score",
        "created_at",
        "cf_points",
    ]
    back = reverse("crm:customer-list") + "?search=ad"
    response = client.post(
        reverse("crm:customer-columns"),
        {"columns": ["phone", "cf_points"], "filters": ["points"], "next": back},
    )
    assert response["Location"] == back
    chosen = client.get(reverse("crm:customer-list"))
    assert [c["label"] for c in chosen.context["columns"]] == ["Name", "Phone", "Loyalty points"]
    assert list(chosen.context["custom_filter_form"].fields) == [
        "cf_points__gte",
        "cf_points__lte",
    ]
    assert client.session[VIEW_SESSION_KEY][str(tenant_a.pk)]["columns"] == ["phone", "cf_points"]
    # Another tenant keeps its own (default) view.
    client.post(reverse("tenancy:switch-tenant"), {"tenant": "beta"})
    other = client.get(reverse("crm:customer-list"))
    assert [c["name"] for c in other.context["columns"]][:3] == ["name", "email", "company"]


def test_a_chosen_column_of_a_field_since_deactivated_is_dropped(login, manager_a, points):
    client = login(manager_a)
    client.post(reverse("crm:customer-columns"), {"columns": ["cf_points", "email"]})
    definition_set_active(definition=points, by=OPERATOR, active=False)
    response = client.get(reverse("crm:customer-list"))
    assert [c["name"] for c in response.context["columns"]] == ["name", "email"]
    assert "Loyalty points" not in response.content.decode()


def test_pages_of_25_50_or_100(login, manager_a, tenant_a):
    Customer.objects.bulk_create(Customer(tenant=tenant_a, first_name=f"C{n}") for n in range(30))
    client = login(manager_a)
    first = client.get(reverse("crm:customer-list"))
    assert (
        len(first.context["rows"]) == 25
        and "<strong>30</strong> customers" in first.content.decode()
    )
    assert len(client.get(reverse("crm:customer-list"), {"page": 2}).context["rows"]) == 5
    assert len(client.get(reverse("crm:customer-list"), {"page_size": 50}).context["rows"]) == 30


def test_an_htmx_request_gets_only_the_results(login, manager_a, tenant_a):
    customer(tenant_a, "Partial")
    response = login(manager_a).get(reverse("crm:customer-list"), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "Partial" in content
    assert "<html" not in content and 'id="customer-filters"' not in content
    assert "HX-Request" in response["Vary"]


def test_the_list_queries_do_not_grow_with_the_rows(login, manager_a, tenant_a, tier, points):
    client = login(manager_a)
    counts = []
    for batch in (1, 24):
        for n in range(batch):
            customer(tenant_a, f"C{n}", tags=["vip"], tier="Gold", points=n)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("crm:customer-list"))
        counts.append(len(queries))
    assert counts[0] == counts[1]
