"""The customer profile's tabs: basic fields and linked leads, the active custom fields
formatted by type, the custom-field history with who and why, and the activity of the
customer's leads an agent may see."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from crm.models import LeadActivity
from crm.services.customers import customer_create, customer_update
from crm.services.leads import lead_add_note
from customfields.services.definitions import definition_set_active
from tenancy.actors import OPERATOR
from tests.crm.customers import customer, define
from tests.factories import LeadFactory


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
    open_lead = LeadFactory(tenant=tenant_a, customer=ada, first_name="Open", last_name="")
    theirs = LeadFactory(
        tenant=tenant_a, customer=ada, first_name="Theirs", last_name="", assigned_to=agent_a2.user
    )
    elsewhere = LeadFactory(tenant=tenant_a, first_name="Elsewhere")
    lead_add_note(lead=open_lead, by=manager_a, note="First call")
    lead_add_note(lead=theirs, by=manager_a, note="Private to agent two")
    lead_add_note(lead=open_lead, by=manager_a, note="Second call")
    lead_add_note(lead=elsewhere, by=manager_a, note="Not this customer")
    url = reverse("crm:customer-detail", args=[ada.pk])
    managed = login(manager_a).get(url, {"tab": "activity", "kind": "lead_activity"})
    messages = [e["entry"].summary for e in managed.context["entries"]]
    assert messages == ["Open: Second call", "Theirs: Private to agent two", "Open: First call"]
    # An agent sees the activity of the leads they may see (theirs and unassigned) only.
    as_agent = login(agent_a).get(url, {"tab": "activity", "kind": "lead_activity"})
    assert [e["entry"].summary for e in as_agent.context["entries"]] == [
        "Open: Second call",
        "Open: First call",
    ]
    assert "Private to agent two" not in as_agent.content.decode()
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
            "total_purchases": 3,
        },
        tags=["vip"],
    )
    LeadFactory(tenant=tenant_a, customer=ada, first_name="Linked", last_name="Lead")
    content = login(manager_a).get(reverse("crm:customer-detail", args=[ada.pk])).content.decode()
    for text in ("ada@engines.example", "+442079460958", "Engines", "vip", "1,500.50 USD"):
        assert text in content
    # The score with its parts: 3 purchases are 15 points, nothing else scores yet.
    assert "<strong>15</strong> of 100" in content and "Purchases 15/20" in content
    assert "Linked Lead" in content and "by alpha-manager" in content


def test_an_htmx_tab_request_gets_only_the_tabs(login, manager_a, tenant_a):
    ada = customer(tenant_a, "Ada")
    response = login(manager_a).get(
        reverse("crm:customer-detail", args=[ada.pk]), {"tab": "history"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert "Custom field history" in content and "<html" not in content
    assert "HX-Request" in response["Vary"]
