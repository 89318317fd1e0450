"""Every error at once on the pages' forms: what the form refuses and what the service refuses
show together, each once beside its field, and nothing is written."""

from django.urls import reverse

from callbacks.models import CallbackRequest
from crm.models import Customer, Lead, LeadActivity
from tests.crm.leads import edit_data, new_lead
from tests.factories import LeadFactory


def field_errors(response) -> dict:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def test_a_new_lead_with_three_bad_fields_shows_three_errors(login, agent_a):
    response = login(agent_a).post(
        reverse("crm:lead-create"),
        new_lead(first_name="Ada", email="bad", phone="abc", probability="-3"),
    )
    assert response.status_code == 200
    errors = field_errors(response)
    assert set(errors) == {"email", "phone", "probability"}, errors
    assert all(len(messages) == 1 for messages in errors.values()), errors
    html = response.content.decode()
    for messages in errors.values():
        assert html.count(str(messages[0])) == 1, messages[0]  # shown once, beside its field
    assert not Lead.objects.exists() and not LeadActivity.objects.exists()


def test_an_edit_shows_every_error_and_changes_nothing(login, manager_a, tenant_a):
    lead = LeadFactory(tenant=tenant_a, first_name="Ada", email="ada@example.org")
    data = edit_data(lead, first_name="Changed", email="bad", phone="abc", probability="7")
    response = login(manager_a).post(reverse("crm:lead-edit", args=[lead.pk]), data)
    assert set(field_errors(response)) == {"email", "phone", "probability"}
    # The page still shows the lead as it is, and the database has it unchanged.
    assert response.context["lead"].first_name == "Ada"
    lead.refresh_from_db()
    assert (lead.first_name, lead.email, lead.phone) == ("Ada", "ada@example.org", "")


def test_a_new_customer_shows_the_form_and_service_errors_together(login, manager_a):
    response = login(manager_a).post(
        reverse("crm:customer-create"),
        {"first_name": "", "last_name": "Lovelace", "email": "bad", "phone": "abc"},
    )
    errors = field_errors(response)
    assert {"first_name", "email", "phone"} <= set(errors), errors
    assert not Customer.objects.exists()


def test_a_callback_form_says_reason_and_contact_at_once(login, agent_a):
    response = login(agent_a).post(reverse("callbacks:callback-create"), {"reason": ""})
    errors = field_errors(response)
    assert "reason" in errors
    text = " ".join(message for messages in errors.values() for message in messages)
    assert "customer or a lead" in text, errors
    assert not CallbackRequest.objects.exists()
