"""leads/{id}/convert/: a lead becomes a customer, linked both ways."""

from crm.models import Customer
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR
from tests.factories import LeadFactory


def test_convert_a_lead(api, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a, first_name="Ada", email="ada@x.example", company="Engines")
    client = api(manager_a)
    response = client.post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")
    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["id"])
    assert (customer.first_name, customer.email, customer.company) == (
        "Ada",
        "ada@x.example",
        "Engines",
    )
    assert client.get(f"/api/v1/leads/{lead.pk}/").json()["customer"] == customer.pk
    assert lead.activities.get().message.startswith("Converted to customer Ada")
    again = client.post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")
    assert again.status_code == 400 and Customer.objects.count() == 1


def test_convert_asks_for_required_custom_values(api, manager_a, tenant_a):
    definition_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "field_key": "nid",
            "field_label": "National ID",
            "field_type": "text",
            "is_required": True,
        },
    )
    lead = LeadFactory(tenant=tenant_a)
    client = api(manager_a)
    response = client.post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"custom_fields": {"nid": ["National ID is required."]}}
    assert not Customer.objects.exists()
    lead.refresh_from_db()
    assert lead.customer is None
    ok = client.post(
        f"/api/v1/leads/{lead.pk}/convert/", {"custom_fields": {"nid": "A1"}}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["custom_fields"] == {"nid": "A1"}


def test_link_a_lead_to_an_existing_customer_of_the_tenant_only(api, manager_a, tenant_a, tenant_b):
    lead = LeadFactory(tenant=tenant_a)
    ours = Customer.objects.create(tenant=tenant_a, first_name="Ours")
    theirs = Customer.objects.create(tenant=tenant_b, first_name="Theirs")
    client = api(manager_a)
    bad = client.patch(f"/api/v1/leads/{lead.pk}/", {"customer": theirs.pk}, format="json")
    assert bad.status_code == 400 and "customer" in bad.json()
    good = client.patch(f"/api/v1/leads/{lead.pk}/", {"customer": ours.pk}, format="json")
    assert good.status_code == 200 and good.json()["customer"] == ours.pk


def test_a_converted_leads_notes_and_tasks_show_on_the_customer(api, manager_a, tenant_a):
    from crm.services.notes import note_create

    lead = LeadFactory(tenant=tenant_a, first_name="Ada")
    note = note_create(tenant=tenant_a, by=manager_a, data={"lead": lead, "note": "Wants a quote"})
    client = api(manager_a)
    customer_id = client.post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json").json()["id"]
    note.refresh_from_db()
    assert (note.customer_id, note.lead_id) == (customer_id, lead.pk)
    listed = client.get(f"/api/v1/notes/?customer={customer_id}").json()["results"]
    assert [n["id"] for n in listed] == [note.pk]
