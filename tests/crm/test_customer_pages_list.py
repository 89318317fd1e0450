"""The customer pages: list with chosen columns and custom-field filters, profile tabs, create and
edit with the tenant's fields, converting a lead. They stay inside the tenant, let every member
work customers, and write only through the services."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Customer, LeadActivity
from crm.services.customers import customer_create, customer_update
from crm.services.leads import lead_add_note
from crm.views.customers import VIEW_SESSION_KEY
from customfields.models import FieldHistory
from customfields.services.definitions import definition_create, definition_set_active
from tenancy.actors import OPERATOR
from tenancy.models import Membership, Role
from tests.factories import LeadFactory, UserFactory


@pytest.fixture
def login(client):
    def log_in(membership):
        client.force_login(membership.user)
        return client

    return log_in


def define(tenant, key, label, field_type, **extra):
    data = {"field_key": key, "field_label": label, "field_type": field_type, **extra}
    return definition_create(tenant=tenant, by=OPERATOR, data=data)


def customer(tenant, first_name, by=OPERATOR, tags=(), **custom):
    return customer_create(
        tenant=tenant,
        by=by,
        data={"first_name": first_name, "last_name": "Test"},
        tags=tags,
        custom_fields=custom,
    )


def names(response) -> list[str]:
    return [row["customer"].first_name for row in response.context["rows"]]


def new_customer(**fields) -> dict:
    """The create form as the page submits it (the metadata inputs start at 0)."""
    return {
        "crm_score": 0,
        "total_interactions": 0,
        "total_purchases": 0,
        "total_spent": "0",
        **fields,
    }


def edit_data(customer: Customer, **changes) -> dict:
    """The edit form as the page fills it in, with `changes` applied."""
    data = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "phone": customer.phone,
        "company": customer.company,
        "description": customer.description,
        "tags": ", ".join(customer.tag_names()),
        "crm_score": customer.crm_score,
        "total_interactions": customer.total_interactions,
        "total_purchases": customer.total_purchases,
        "total_spent": customer.total_spent,
    }
    return {**data, **changes}


@pytest.fixture
def tier(tenant_a):
    return define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])


@pytest.fixture
def points(tenant_a):
    return define(tenant_a, "points", "Loyalty points", "number", validation_rules={"min": 0})


# ---------------------------------------------------------------------------------------------
# Sign-in and rendering


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("crm:customer-list", {}),
        ("crm:customer-create", {}),
        ("crm:customer-detail", {"pk": 1}),
        ("crm:customer-edit", {"pk": 1}),
        ("crm:lead-convert", {"pk": 1}),
    ],
)
def test_anonymous_users_are_sent_to_the_login_page(client, db, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("role", ["manager_a", "agent_a"])
def test_each_page_renders_for_a_member(request, login, tenant_a, tier, role):
    member = request.getfixturevalue(role)
    client = login(member)
    ada = customer(tenant_a, "Ada", tier="Gold")
    lead = LeadFactory(tenant=tenant_a)
    detail = reverse("crm:customer-detail", args=[ada.pk])
    for url in (
        reverse("crm:customer-list"),
        reverse("crm:customer-create"),
        detail,
        *(f"{detail}?tab={tab}" for tab in ("basic", "custom", "activity", "history")),
        reverse("crm:customer-edit", args=[ada.pk]),
        reverse("crm:lead-convert", args=[lead.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert member.user.username.encode() in response.content
    # The pages that show custom fields show the tenant's.
    for url in (
        reverse("crm:customer-list"),
        reverse("crm:customer-create"),
        f"{detail}?tab=custom",
        reverse("crm:customer-edit", args=[ada.pk]),
    ):
        assert b"Membership tier" in client.get(url).content, url


def test_the_nav_links_customers_for_all_and_the_form_builder_for_admins(login, admin_a, agent_a):
    builder = reverse("customfields:field-list").encode()
    admin_page = login(admin_a).get(reverse("crm:customer-list")).content
    assert reverse("crm:customer-list").encode() in admin_page and builder in admin_page
    agent_page = login(agent_a).get(reverse("crm:lead-list")).content
    assert reverse("crm:customer-list").encode() in agent_page and builder not in agent_page


# ---------------------------------------------------------------------------------------------
# Tenancy


@pytest.mark.parametrize(
    "url",
    [
        "/customers/{pk}/",
        "/customers/{pk}/?tab=custom",
        "/customers/{pk}/?tab=activity",
        "/customers/{pk}/?tab=history",
        "/customers/{pk}/edit/",
    ],
)
def test_another_tenants_customer_is_404(login, admin_a, tenant_b, url):
    foreign = customer(tenant_b, "Betty")
    assert login(admin_a).get(url.format(pk=foreign.pk)).status_code == 404


def test_another_tenants_customer_cannot_be_edited(login, admin_a, tenant_b):
    foreign = customer(tenant_b, "Betty")
    response = login(admin_a).post(
        reverse("crm:customer-edit", args=[foreign.pk]), edit_data(foreign, first_name="Mallory")
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.first_name == "Betty"


def test_another_tenants_lead_cannot_be_converted(login, admin_a, tenant_b):
    foreign = LeadFactory(tenant=tenant_b)
    assert login(admin_a).post(reverse("crm:lead-convert", args=[foreign.pk])).status_code == 404
    assert not Customer.objects.exists()


def test_the_list_its_filters_and_columns_never_show_another_tenant(
    login, admin_a, tenant_a, tenant_b
):
    # Both tenants' first text field sits in the same slot, custom_text_1.
    mine = define(tenant_a, "nickname", "Nickname", "text")
    theirs = define(tenant_b, "zqxbeta_code", "Zqxbeta code", "select", select_options=["Zqx1"])
    define(tenant_b, "zqxbeta_note", "Zqxbeta note", "text")
    assert mine.mapped_field_name == "custom_text_1"
    customer(tenant_a, "Alphonse", nickname="Al")
    customer(tenant_b, "Zqxbeta", zqxbeta_code="Zqx1", zqxbeta_note="zqxbeta secret")
    client = login(admin_a)
    client.post(
        reverse("crm:customer-columns"),
        {"columns": ["email", "cf_nickname"], "filters": ["nickname"]},
    )
    content = client.get(reverse("crm:customer-list")).content.decode()
    assert "Alphonse" in content and "Nickname" in content and ">Al<" in content
    assert "zqxbeta" not in content.lower()
    # Naming B's field in a filter or a column choice is refused like an unknown field.
    response = client.get(reverse("crm:customer-list"), {f"cf_{theirs.field_key}": "Zqx1"})
    assert "cf_zqxbeta_code: Unknown custom field." in response.content.decode()
    assert response.context["rows"] == []
    refused = client.post(
        reverse("crm:customer-columns"), {"columns": ["cf_zqxbeta_code"]}, follow=True
    )
    assert "cf_zqxbeta_code is not one of the available choices." in refused.content.decode()
    assert "Zqxbeta code" not in refused.content.decode()


def test_an_agent_sees_and_edits_every_customer_of_the_tenant(
    login, agent_a, manager_a, tenant_a, tier
):
    ada = customer(tenant_a, "Ada", by=manager_a, tier="Gold")
    client = login(agent_a)
    assert names(client.get(reverse("crm:customer-list"))) == ["Ada"]
    response = client.post(
        reverse("crm:customer-edit", args=[ada.pk]), edit_data(ada, cf_tier="Silver")
    )
    assert response.status_code == 302
    entry = FieldHistory.objects.get(customer=ada, reason="edited")
    assert (entry.old_value, entry.new_value, entry.changed_by) == ("Gold", "Silver", agent_a.user)


def test_a_user_in_two_tenants_sees_the_chosen_tenants_customers(client, tenant_a, tenant_b):
    user = UserFactory(username="both")
    for tenant in (tenant_a, tenant_b):
        Membership.objects.create(tenant=tenant, user=user, role=Role.AGENT)
    customer(tenant_a, "Alphonse")
    customer(tenant_b, "Betty")
    client.force_login(user)
    assert names(client.get(reverse("crm:customer-list"))) == ["Alphonse"]
    client.post(reverse("tenancy:switch-tenant"), {"tenant": "beta"})
    assert names(client.get(reverse("crm:customer-list"))) == ["Betty"]


# ---------------------------------------------------------------------------------------------
# The list: filters by custom field, ordering, columns, paging, htmx


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
        customer_create(
            tenant=tenant_a, by=OPERATOR, data={"first_name": first, "crm_score": score}
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


# ---------------------------------------------------------------------------------------------
# The profile


def test_the_custom_fields_tab_shows_active_fields_formatted_by_type(
    login, manager_a, tenant_a, tier, points
):
    define(tenant_a, "since", "Member since", "date")
    define(tenant_a, "vip", "VIP", "boolean")
    define(tenant_a, "site", "Website", "url")
    secret = define(tenant_a, "secret", "Old secret", "text")
    ada = customer(
        tenant_a,
        "Ada",
        tier="Gold",
        points="1234.5",
        since="2021-03-04",
        vip="yes",
        site="https://ada.example",
        secret="hidden value",
    )
    definition_set_active(definition=secret, by=OPERATOR, active=False)
    response = login(manager_a).get(
        reverse("crm:customer-detail", args=[ada.pk]), {"tab": "custom"}
    )
    content = response.content.decode()
    shown = [
        (item["definition"].field_label, item["value"])
        for item in response.context["custom_values"]
    ]
    assert shown == [
        ("Membership tier", "Gold"),
        ("Loyalty points", Decimal("1234.50")),
        ("Member since", date(2021, 3, 4)),
        ("VIP", True),
        ("Website", "https://ada.example"),
    ]
    assert "1,234.50" in content and "2021-03-04" in content and "<dd>Yes</dd>" in content
    assert '<a href="https://ada.example"' in content
    assert "Old secret" not in content and "hidden value" not in content


def test_the_history_tab_lists_changes_with_who_and_why(login, manager_a, tenant_a, points):
    ada = customer(tenant_a, "Ada", by=manager_a, points=10)
    customer_update(
        customer=ada, by=manager_a, data={}, custom_fields={"points": 25}, reason="promo"
    )
    response = login(manager_a).get(
        reverse("crm:customer-detail", args=[ada.pk]), {"tab": "history"}
    )
    content = response.content.decode()
    entries = [(e.old_value, e.new_value, e.reason) for e in response.context["page_obj"]]
    assert entries == [("10.00", "25.00", "promo"), (None, "10.00", "created")]
    assert '<span class="old">10.00</span> → <span class="new">25.00</span>' in content
    assert "alpha-manager" in content and "Loyalty points" in content


def test_the_activity_tab_shows_the_customers_leads_newest_first(
    login, manager_a, agent_a, agent_a2, tenant_a
):
    ada = customer(tenant_a, "Ada")
    open_lead = LeadFactory(tenant=tenant_a, customer=ada, first_name="Open")
    theirs = LeadFactory(
        tenant=tenant_a, customer=ada, first_name="Theirs", assigned_to=agent_a2.user
    )
    elsewhere = LeadFactory(tenant=tenant_a, first_name="Elsewhere")
    lead_add_note(lead=open_lead, by=manager_a, note="First call")
    lead_add_note(lead=theirs, by=manager_a, note="Private to agent two")
    lead_add_note(lead=open_lead, by=manager_a, note="Second call")
    lead_add_note(lead=elsewhere, by=manager_a, note="Not this customer")
    url = reverse("crm:customer-detail", args=[ada.pk])
    managed = login(manager_a).get(url, {"tab": "activity"})
    messages = [a.message for a in managed.context["page_obj"]]
    assert messages == ["Second call", "Private to agent two", "First call"]
    # An agent sees the activity of the leads they may see (theirs and unassigned) only.
    as_agent = login(agent_a).get(url, {"tab": "activity"})
    assert [a.message for a in as_agent.context["page_obj"]] == ["Second call", "First call"]
    assert LeadActivity.objects.filter(lead=theirs).exists()


def test_the_basic_tab_shows_core_fields_metadata_and_linked_leads(login, manager_a, tenant_a):
    ada = customer_create(
        tenant=tenant_a,
        by=manager_a,
        data={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@engines.example",
            "phone": "+44 20 7946 0958",
            "company": "Engines",
            "total_spent": Decimal("1500.5"),
            "crm_score": 77,
        },
        tags=["vip"],
    )
    LeadFactory(tenant=tenant_a, customer=ada, first_name="Linked", last_name="Lead")
    content = login(manager_a).get(reverse("crm:customer-detail", args=[ada.pk])).content.decode()
    for text in ("ada@engines.example", "+442079460958", "Engines", "vip", "77", "1,500.50 USD"):
        assert text in content
    assert "Linked Lead" in content and "by alpha-manager" in content


def test_an_htmx_tab_request_gets_only_the_tabs(login, manager_a, tenant_a):
    ada = customer(tenant_a, "Ada")
    response = login(manager_a).get(
        reverse("crm:customer-detail", args=[ada.pk]), {"tab": "history"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert "Custom field history" in content and "<html" not in content
    assert "HX-Request" in response["Vary"]


# ---------------------------------------------------------------------------------------------
# Create and edit


def test_the_form_offers_the_tenants_fields_with_labels_help_and_placeholders(
    login, agent_a, tenant_a, tenant_b
):
    define(
        tenant_a,
        "tier",
        "Membership tier",
        "select",
        select_options=["Gold", "Silver"],
        is_required=True,
        help_text="As on the card",
    )
    define(tenant_a, "card", "Card number", "text", placeholder="e.g. AB-1234")
    define(tenant_a, "gone", "Gone field", "text", is_active=False)
    define(tenant_b, "zqxbeta_code", "Zqxbeta code", "text")
    content = login(agent_a).get(reverse("crm:customer-create")).content.decode()
    assert "Membership tier" in content and "As on the card" in content
    assert 'placeholder="e.g. AB-1234"' in content
    assert '<select name="cf_tier" required' in content
    assert "Gone field" not in content and "zqxbeta" not in content.lower()


def test_create_with_errors_shows_them_per_field_and_writes_nothing(
    login, agent_a, tenant_a, points
):
    define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold"], is_required=True)
    response = login(agent_a).post(
        reverse("crm:customer-create"),
        new_customer(first_name="Ada", email="not-an-email", phone="12", cf_points="-3"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["email"] == ["Enter a valid email address."]
    assert errors["cf_points"] == ["Loyalty points must be at least 0."]
    assert errors["cf_tier"] == ["This field is required."]
    assert "nothing was saved" in response.content.decode()
    assert not Customer.objects.exists() and not FieldHistory.objects.exists()


def test_a_service_error_on_a_core_field_lands_on_it(login, agent_a, tenant_a):
    response = login(agent_a).post(
        reverse("crm:customer-create"), new_customer(first_name="Ada", phone="call me")
    )
    assert response.context["form"].errors["phone"][0].startswith("Enter a phone number of 7")
    assert not Customer.objects.exists()


def test_create_calls_the_service_and_shows_the_customer(login, agent_a, tenant_a, tier, points):
    response = login(agent_a).post(
        reverse("crm:customer-create"),
        new_customer(
            first_name="Ada",
            last_name="Lovelace",
            email="ada@engines.example",
            tags="VIP, maths",
            cf_tier="Gold",
            cf_points="12.5",
        ),
        follow=True,
    )
    ada = Customer.objects.get(tenant=tenant_a)
    assert response.redirect_chain[-1][0] == reverse("crm:customer-detail", args=[ada.pk])
    assert "Customer created." in response.content.decode()
    assert ada.tag_names() == ["maths", "vip"] and ada.created_by == agent_a.user
    assert (ada.custom_select_1, ada.custom_number_1) == ("Gold", Decimal("12.50"))
    assert set(FieldHistory.objects.values_list("field_key", "reason")) == {
        ("tier", "created"),
        ("points", "created"),
    }


def test_edit_changes_values_and_records_only_what_changed(
    login, manager_a, tenant_a, tier, points
):
    ada = customer(tenant_a, "Ada", tier="Gold", points=10)
    client = login(manager_a)
    form = client.get(reverse("crm:customer-edit", args=[ada.pk])).context["form"]
    assert form["cf_tier"].value() == "Gold" and form["cf_points"].value() == Decimal("10.00")
    response = client.post(
        reverse("crm:customer-edit", args=[ada.pk]),
        edit_data(ada, company="Engines", cf_tier="Gold", cf_points="11"),
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.company == "Engines" and ada.custom_number_1 == Decimal("11.00")
    changed = FieldHistory.objects.filter(reason="edited")
    assert [(h.field_key, h.old_value, h.new_value) for h in changed] == [
        ("points", "10.00", "11.00")
    ]


def test_edit_with_an_error_keeps_the_saved_customer(login, manager_a, tenant_a, tier, points):
    ada = customer(tenant_a, "Ada", tier="Gold", points=10)
    response = login(manager_a).post(
        reverse("crm:customer-edit", args=[ada.pk]),
        edit_data(ada, first_name="Changed", cf_tier="Gold", cf_points="1.234"),
    )
    assert response.context["form"].errors["cf_points"] == [
        "Loyalty points can have at most 2 decimal places."
    ]
    assert "Edit Ada" in response.content.decode()
    ada.refresh_from_db()
    assert ada.first_name == "Ada" and ada.custom_number_1 == Decimal("10.00")
    assert not FieldHistory.objects.exclude(reason="created").exists()


# ---------------------------------------------------------------------------------------------
# Converting a lead


def test_convert_a_lead_from_the_lead_page(login, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a, first_name="Ada", email="ada@x.example", company="Engines")
    client = login(manager_a)
    page = client.get(reverse("crm:lead-detail", args=[lead.pk])).content.decode()
    assert reverse("crm:lead-convert", args=[lead.pk]) in page and "Convert to customer" in page
    response = client.post(reverse("crm:lead-convert", args=[lead.pk]), follow=True)
    ada = Customer.objects.get(tenant=tenant_a)
    assert response.redirect_chain[-1][0] == reverse("crm:customer-detail", args=[ada.pk])
    assert "Ada" in response.content.decode() and "is now a customer" in response.content.decode()
    assert (ada.email, ada.company) == ("ada@x.example", "Engines")
    lead.refresh_from_db()
    assert lead.customer == ada
    page = client.get(reverse("crm:lead-detail", args=[lead.pk])).content.decode()
    assert "Convert to customer" not in page and ada.get_absolute_url() in page


def test_convert_asks_for_the_required_custom_values(login, manager_a, tenant_a):
    define(
        tenant_a, "nid", "National ID", "text", is_required=True, validation_rules={"max_length": 4}
    )
    define(tenant_a, "note", "Note", "text")
    lead = LeadFactory(tenant=tenant_a)
    client = login(manager_a)
    url = reverse("crm:lead-convert", args=[lead.pk])
    asked = client.post(url)
    assert asked.status_code == 200
    assert asked.context["form"].errors == {"cf_nid": ["This field is required."]}
    assert "National ID" in asked.content.decode() and "cf_note" not in asked.context["form"].fields
    too_long = client.post(url, {"cf_nid": "ABCDEF"})
    assert too_long.context["form"].errors == {
        "cf_nid": ["National ID must be at most 4 characters."]
    }
    assert not Customer.objects.exists()
    response = client.post(url, {"cf_nid": "A1"})
    customer_made = Customer.objects.get()
    assert response["Location"] == customer_made.get_absolute_url()
    assert customer_made.custom_text_1 == "A1"


def test_converting_twice_or_an_archived_lead_shows_the_reason(login, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    client = login(manager_a)
    client.post(reverse("crm:lead-convert", args=[lead.pk]))
    again = client.post(reverse("crm:lead-convert", args=[lead.pk]))
    assert "This lead is already a customer" in again.content.decode()
    archived = LeadFactory(tenant=tenant_a, archived_at="2026-01-01T00:00:00Z")
    refused = client.post(reverse("crm:lead-convert", args=[archived.pk]))
    assert "This lead is archived; restore it first." in refused.content.decode()
    assert Customer.objects.count() == 1


def test_an_agent_cannot_convert_another_agents_lead(login, agent_a, agent_a2, tenant_a):
    theirs = LeadFactory(tenant=tenant_a, assigned_to=agent_a2.user)
    assert login(agent_a).post(reverse("crm:lead-convert", args=[theirs.pk])).status_code == 404
    assert not Customer.objects.exists()
