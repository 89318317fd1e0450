"""The customer list's bulk bar: tick customers (or choose all matching the filter), choose what
to do, confirm a page that says what and how many, then see the result — nothing written
before the confirmation, "all" read again from the filter by the server, every error at once."""

from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.models import Customer, CustomerTagChange
from customfields.models import FieldHistory
from tests.crm.customers import customer
from tests.factories import CustomerFactory

BULK = reverse("crm:customer-bulk")
LIST = reverse("crm:customer-list")


@pytest.fixture
def four(tenant_a):
    return [
        customer(tenant_a, name, tags=tags)
        for name, tags in (("Ann", ["lead"]), ("Bob", ["lead"]), ("Cy", []), ("Dee", ["lead"]))
    ]


def tags(*customers) -> list[list[str]]:
    return [Customer.objects.get(pk=c.pk).tag_names() for c in customers]


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_list_has_a_checkbox_per_row_and_the_bar(login, manager_a, four):
    page = login(manager_a).get(LIST).content.decode()
    assert page.count('name="customer_ids"') == 4
    assert "All 4 matching this filter" in page
    assert 'value="delete"' in page


def test_an_agent_is_not_offered_delete(login, agent_a, four):
    page = login(agent_a).get(LIST).content.decode()
    assert 'value="delete"' not in page and 'value="add_tags"' in page


def test_ticked_customers_get_a_tag_after_the_confirmation(login, manager_a, four):
    ann, bob, cy, _ = four
    client = login(manager_a)
    form = {
        "scope": "selected",
        "customer_ids": [ann.pk, cy.pk],
        "action": "add_tags",
        "tags": "VIP",
        "next": f"{LIST}?search=x",
    }
    asked = client.post(BULK, form)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Add tag vip to 2 customers?" in page
    assert tags(ann, cy) == [["lead"], []]  # nothing yet
    assert not CustomerTagChange.objects.filter(tag_name="vip").exists()

    done = client.post(BULK, {**form, "confirmed": "on", "expected": 2})
    assert done.status_code == 302 and done.url == f"{LIST}?search=x"
    assert flash(done) == ["Added tag vip to 2 customers."]
    assert tags(ann, bob, cy) == [["lead", "vip"], ["lead"], ["vip"]]
    assert CustomerTagChange.objects.filter(tag_name="vip", added=True).count() == 2


def test_the_confirmation_carries_the_choice_as_posted(login, manager_a, four):
    ann, bob, *_ = four
    client = login(manager_a)
    asked = client.post(
        BULK,
        {
            "scope": "selected",
            "customer_ids": [ann.pk, bob.pk],
            "action": "remove_tags",
            "tags": "lead",
        },
    ).content.decode()
    assert "Remove tag lead from 2 customers?" in asked
    for hidden in (
        f'name="customer_ids" value="{ann.pk}"',
        f'name="customer_ids" value="{bob.pk}"',
        'name="action" value="remove_tags"',
        'name="tags" value="lead"',
        'name="expected" value="2"',
        'name="confirmed" value="on"',
    ):
        assert hidden in asked


def test_all_matching_the_filter_is_read_again_by_the_server(login, manager_a, tenant_a, four):
    ann, bob, cy, dee = four
    client = login(manager_a)
    query = urlencode({"tags": "lead"})
    form = {
        "scope": "all",
        "customer_ids": [cy.pk],  # ticked, but "all" is the filter's
        "query": query,
        "action": "remove_tags",
        "tags": "lead",
    }
    asked = client.post(BULK, form).content.decode()
    assert "Remove tag lead from 3 customers?" in asked

    # Another customer comes to match before the confirmation: the count moved, ask again.
    late = customer(tenant_a, "Eve", tags=["lead"])
    again = client.post(BULK, {**form, "confirmed": "on", "expected": 3})
    assert again.status_code == 200
    assert "now matches 4 customers, not 3" in again.content.decode()
    assert tags(ann)[0] == ["lead"]

    done = client.post(BULK, {**form, "confirmed": "on", "expected": 4})
    assert done.status_code == 302
    assert flash(done) == ["Removed tag lead from 4 customers."]
    assert tags(ann, bob, cy, dee, late) == [[], [], [], [], []]


def test_a_custom_field_is_set_with_history(login, manager_a, four, tier):
    ann, bob, *_ = four
    client = login(manager_a)
    value_input = client.get(BULK, {"field": "tier"}, HTTP_HX_REQUEST="true").content.decode()
    assert '<option value="Gold">' in value_input
    form = {
        "scope": "selected",
        "customer_ids": [ann.pk, bob.pk],
        "action": "set_field",
        "field": "tier",
        "value": "Gold",
    }
    assert "Set Membership tier to Gold on 2 customers?" in client.post(BULK, form).content.decode()
    done = client.post(BULK, {**form, "confirmed": "on", "expected": 2})
    assert flash(done) == ["Set Membership tier to Gold on 2 customers."]
    column = tier.mapped_field_name
    assert {getattr(Customer.objects.get(pk=c.pk), column) for c in (ann, bob)} == {"Gold"}
    assert FieldHistory.objects.filter(field_key="tier", new_value="Gold").count() == 2


def test_delete_says_it_cannot_be_undone(login, manager_a, four):
    ann, bob, *_ = four
    client = login(manager_a)
    form = {"scope": "selected", "customer_ids": [ann.pk, bob.pk], "action": "delete"}
    asked = client.post(BULK, form).content.decode()
    assert "Delete 2 customers? This cannot be undone." in asked
    assert Customer.objects.count() == 4
    done = client.post(BULK, {**form, "confirmed": "on", "expected": 2})
    assert flash(done) == ["Deleted 2 customers."]
    assert Customer.objects.count() == 2


def test_an_agent_may_not_bulk_delete(login, agent_a, four):
    form = {"scope": "selected", "customer_ids": [four[0].pk], "action": "delete"}
    client = login(agent_a)
    assert client.post(BULK, form).status_code == 403
    assert client.post(BULK, {**form, "confirmed": "on", "expected": 1}).status_code == 403
    assert Customer.objects.count() == 4


def test_every_error_at_once_and_nothing_written(login, manager_a, four, tier):
    client = login(manager_a)
    response = client.post(BULK, {"scope": "selected", "action": "set_field", "confirmed": "on"})
    page = response.content.decode()
    assert "Nothing was changed" in page
    assert "Tick at least one customer" in page and "Choose the field to set" in page

    form = {
        "scope": "selected",
        "customer_ids": [four[0].pk],
        "action": "set_field",
        "field": "tier",
        "value": "Platinum",
        "confirmed": "on",
        "expected": 1,
    }
    page = client.post(BULK, form).content.decode()
    assert "Value: Membership tier must be one of: Gold, Silver." in page
    assert not FieldHistory.objects.exists()


def test_another_tenants_customer_is_refused(login, manager_a, tenant_b, four):
    theirs = CustomerFactory(tenant=tenant_b)
    form = {
        "scope": "selected",
        "customer_ids": [four[0].pk, theirs.pk],
        "action": "add_tags",
        "tags": "vip",
        "confirmed": "on",
        "expected": 2,
    }
    page = login(manager_a).post(BULK, form).content.decode()
    assert f"Unknown customers: {theirs.pk}." in page
    assert tags(four[0], theirs) == [["lead"], []]
