"""Caps on free text: the API, the pages, the admin and the services all refuse a longer text,
naming the field and writing nothing (that every TextField has a cap:
tests/tenancy/test_text_caps.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.models import Campaign, CampaignChannel
from campaigns.services.campaigns import campaign_create
from crm.models import CustomerNote, Lead, LeadActivity, LeadSource
from crm.services.leads import lead_add_note, lead_create, lead_update
from milestones.models import LeadMilestone, MilestoneType
from milestones.services.lead_milestones import milestone_record
from tenancy.actors import OPERATOR
from tenancy.validators import DESCRIPTION_MAX_LENGTH, MESSAGE_BODY_MAX_LENGTH, NOTES_MAX_LENGTH
from tests.factories import LeadFactory

MEGABYTE = "x" * 1_000_000


# ---------------------------------------------------------------------------------------------
# Leads: API, page, admin, services


@pytest.fixture
def manager(api, manager_a):
    return api(manager_a)


def lead_body(**fields):
    return {"first_name": "Ann", "email": "ann@example.org", **fields}


def test_a_megabyte_of_notes_through_the_api_is_a_400_naming_notes(manager, tenant_a):
    response = manager.post("/api/v1/leads/", lead_body(notes=MEGABYTE), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"notes"}
    assert "10000" in response.json()["notes"][0]
    assert not Lead.objects.exists() and not LeadActivity.objects.exists()

    lead = LeadFactory(tenant=tenant_a, notes="short")
    response = manager.patch(f"/api/v1/leads/{lead.pk}/", {"notes": MEGABYTE}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"notes"}
    lead.refresh_from_db()
    assert lead.notes == "short"


def test_the_api_accepts_the_cap_and_refuses_one_more(manager):
    over = manager.post(
        "/api/v1/leads/", lead_body(notes="n" * (NOTES_MAX_LENGTH + 1)), format="json"
    )
    assert over.status_code == 400 and "notes" in over.json()
    at = manager.post("/api/v1/leads/", lead_body(notes="n" * NOTES_MAX_LENGTH), format="json")
    assert at.status_code == 201, at.json()
    assert len(Lead.objects.get().notes) == NOTES_MAX_LENGTH


def test_a_megabyte_note_on_a_lead_is_refused(manager, tenant_a, manager_a):
    lead = LeadFactory(tenant=tenant_a)
    url = f"/api/v1/leads/{lead.pk}/activities/"
    response = manager.post(url, {"note": MEGABYTE}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"note"}
    bulk = manager.post(
        "/api/v1/leads/bulk-status/",
        {"lead_ids": [lead.pk], "status": "CONTACTED", "note": MEGABYTE},
        format="json",
    )
    assert bulk.status_code == 400 and set(bulk.json()) == {"note"}
    with pytest.raises(ValidationError) as refused:
        lead_add_note(lead=lead, by=manager_a, note="n" * (NOTES_MAX_LENGTH + 1))
    assert set(refused.value.message_dict) == {"note"}
    assert not LeadActivity.objects.filter(lead=lead).exists()
    lead.refresh_from_db()
    assert lead.status == "NEW"
    lead_add_note(lead=lead, by=manager_a, note="n" * NOTES_MAX_LENGTH)


@pytest.fixture
def page(client, agent_a):
    client.force_login(agent_a.user)
    return client


def test_a_megabyte_of_notes_through_the_page_form_is_a_field_error(page, agent_a, tenant_a):
    form = {"status": "NEW", "source": "WEBSITE", "call_attempts": 0}
    response = page.post(reverse("crm:lead-create"), {**form, **lead_body(notes=MEGABYTE)})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"notes"} and "10000" in errors["notes"][0]
    # The browser is told the cap too.
    assert (
        f'maxlength="{NOTES_MAX_LENGTH}"' in page.get(reverse("crm:lead-create")).content.decode()
    )
    assert not Lead.objects.exists()

    over = page.post(
        reverse("crm:lead-create"), {**form, **lead_body(notes="n" * (NOTES_MAX_LENGTH + 1))}
    )
    assert "notes" in over.context["form"].errors
    at = page.post(reverse("crm:lead-create"), {**form, **lead_body(notes="n" * NOTES_MAX_LENGTH)})
    assert at.status_code == 302
    assert len(Lead.objects.get().notes) == NOTES_MAX_LENGTH


def test_a_long_note_on_the_lead_page_is_a_field_error(page, tenant_a, agent_a):
    lead = LeadFactory(tenant=tenant_a, assigned_to=agent_a.user)
    url = reverse("crm:lead-notes", args=[lead.pk])
    response = page.post(url, {"note": MEGABYTE}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "note" in response.context["note_form"].errors
    assert not CustomerNote.objects.filter(lead=lead).exists()


def test_the_admin_refuses_long_notes(client, admin_a):
    client.force_login(admin_a.user)
    response = client.post(
        reverse("admin:crm_lead_add"),
        {
            "first_name": "Mallory",
            "email": "m@alpha.example",
            "status": "NEW",
            "source": LeadSource.objects.get(tenant=admin_a.tenant, source_code="WEBSITE").pk,
            "call_attempts": 0,
            "notes": "n" * (NOTES_MAX_LENGTH + 1),
            "activities-TOTAL_FORMS": 0,
            "activities-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "notes" in response.context["adminform"].form.errors
    assert not Lead.objects.exists()


def test_the_lead_services_refuse_through_full_clean(tenant_a, manager_a):
    with pytest.raises(ValidationError) as refused:
        lead_create(tenant=tenant_a, by=manager_a, data=lead_body(notes=MEGABYTE))
    assert set(refused.value.message_dict) == {"notes"}
    lead = lead_create(tenant=tenant_a, by=manager_a, data=lead_body(notes="fine"))
    with pytest.raises(ValidationError) as refused:
        lead_update(lead=lead, by=manager_a, data={"notes": "n" * (NOTES_MAX_LENGTH + 1)})
    assert set(refused.value.message_dict) == {"notes"}
    lead.refresh_from_db()
    assert lead.notes == "fine"


# ---------------------------------------------------------------------------------------------
# Milestones and campaigns


def test_milestone_notes_are_capped(tenant_a, manager_a):
    lead = LeadFactory(tenant=tenant_a)
    kind = MilestoneType.objects.for_tenant(tenant_a).filter(allows_notes=True).first()
    with pytest.raises(ValidationError) as refused:
        milestone_record(
            lead=lead,
            by=manager_a,
            data={"milestone_type": kind, "notes": "n" * (NOTES_MAX_LENGTH + 1)},
        )
    assert "notes" in refused.value.message_dict
    assert not LeadMilestone.objects.exists()
    milestone_record(
        lead=lead, by=manager_a, data={"milestone_type": kind, "notes": "n" * NOTES_MAX_LENGTH}
    )


def test_campaign_descriptions_and_bodies_are_capped(manager, tenant_a):
    email = CampaignChannel.objects.get(tenant=tenant_a, channel_code="EMAIL")

    def body(**fields):
        return {
            "name": "Spring",
            "campaign_type": "EMAIL_BLAST",
            "channels": ["EMAIL"],
            "contents": [{"channel": "EMAIL", "subject": "Hi", "body": "Hello"}],
            **fields,
        }

    response = manager.post("/api/v1/campaigns/", body(description=MEGABYTE), format="json")
    assert response.status_code == 400 and set(response.json()) == {"description"}
    long_body = [{"channel": "EMAIL", "subject": "Hi", "body": "b" * (MESSAGE_BODY_MAX_LENGTH + 1)}]
    response = manager.post("/api/v1/campaigns/", body(contents=long_body), format="json")
    assert response.status_code == 400 and "contents" in response.json()
    assert not Campaign.objects.exists()

    content = {"channel": email, "subject": "Hi", "body": "b" * (MESSAGE_BODY_MAX_LENGTH + 1)}
    with pytest.raises(ValidationError) as refused:
        campaign_create(
            by=OPERATOR, tenant=tenant_a, data={"name": "S"}, channels=[email], contents=[content]
        )
    assert "contents" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        campaign_create(
            by=OPERATOR,
            tenant=tenant_a,
            data={"name": "S", "description": "d" * (DESCRIPTION_MAX_LENGTH + 1)},
        )
    assert "description" in refused.value.message_dict
    assert not Campaign.objects.exists()
    campaign_create(
        by=OPERATOR,
        tenant=tenant_a,
        data={"name": "S", "description": "d" * DESCRIPTION_MAX_LENGTH},
        channels=[email],
        contents=[{**content, "body": "b" * MESSAGE_BODY_MAX_LENGTH}],
    )


def test_configuration_descriptions_are_capped(api, admin_a):
    client = api(admin_a)
    url = "/api/v1/customization/lead-sources/"
    response = client.post(
        url, {"source_code": "FAIR", "source_name": "Fair", "description": MEGABYTE}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"description"}
    assert not LeadSource.objects.filter(source_code="FAIR").exists()
