"""crm's admin beyond the generic walk (tests/tenancy): scoped list filters, foreign choices
refused on save, and writes through the services (who may use the admin:
tests/tenancy/test_admin_access.py)."""

import pytest
from django.urls import reverse

from crm.models import Lead, LeadSource
from crm.services.leads import lead_add_note
from tests.factories import LeadFactory
from tests.tenancy.registry import MARKER, build_world


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def world(tenant_b):
    return build_world(tenant_b)


@pytest.fixture
def alpha(client, admin_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Alpha")
    client.force_login(admin_a.user)
    return client


def assert_clean(response):
    assert MARKER not in response.content.decode().lower()


def test_list_filters_list_only_own_related_rows(alpha, world, tenant_a, admin_a):
    LeadFactory(tenant=tenant_a, assigned_to=admin_a.user)
    response = alpha.get(url(Lead, "changelist"))
    assert "alpha-admin" in response.content.decode()
    assert_clean(response)


def test_saving_with_foreign_choices_is_refused(alpha, world, tenant_a):
    count = Lead.objects.count()
    response = alpha.post(
        url(Lead, "add"),
        {
            "first_name": "Mallory",
            "email": "m@alpha.example",
            "status": "NEW",
            "source": world.source.pk,
            "assigned_to": world.agent.user_id,
            "call_attempts": 0,
            "activities-TOTAL_FORMS": 0,
            "activities-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {"source", "assigned_to"} <= set(form.errors)
    assert Lead.objects.count() == count


def test_tenant_admin_creates_through_the_services(alpha, tenant_a):
    response = alpha.post(
        url(Lead, "add"),
        {
            "first_name": "Grace",
            "email": "grace@hopper.example",
            "company": "Navy",
            "status": "NEW",
            "source": LeadSource.objects.get(tenant=tenant_a, source_code="REFERRAL").pk,
            "call_attempts": 0,
            "tags": "vip, Navy",
            "activities-TOTAL_FORMS": 0,
            "activities-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    lead = Lead.objects.get(tenant=tenant_a, first_name="Grace")
    assert lead.lead_score == 100  # 50 + referral 20 + company 10 + business email 10 + vip 15
    assert lead.tag_names() == ["navy", "vip"]
    assert lead.activities.filter(kind="created").exists()


def _source_form(source, **changes):
    data = {
        "source_code": source.source_code,
        "source_name": source.source_name,
        "source_type": source.source_type,
        "display_order": source.display_order,
        "score_bonus": source.score_bonus,
        "metadata": "{}",
        "is_active": "on",
        "sub_sources-TOTAL_FORMS": 0,
        "sub_sources-INITIAL_FORMS": 0,
    }
    if source.is_default:
        data["is_default"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_switching_the_default_source_in_the_admin(alpha, tenant_a):
    email = LeadSource.objects.get(tenant=tenant_a, source_code="EMAIL")
    response = alpha.post(url(LeadSource, "change", email.pk), _source_form(email, is_default="on"))
    assert response.status_code == 302
    assert LeadSource.objects.get(tenant=tenant_a, is_default=True).source_code == "EMAIL"


def test_service_rules_show_as_admin_form_errors(alpha, tenant_a):
    website = LeadSource.objects.get(tenant=tenant_a, source_code="WEBSITE")
    response = alpha.post(
        url(LeadSource, "change", website.pk), _source_form(website, is_default=None)
    )
    assert response.status_code == 200
    assert "is_default" in response.context["adminform"].form.errors
    website.refresh_from_db()
    assert website.is_default
    email = LeadSource.objects.get(tenant=tenant_a, source_code="EMAIL")
    taken = alpha.post(url(LeadSource, "add"), {**_source_form(email), "source_name": "Again"})
    assert taken.status_code == 200 and taken.context["adminform"].form.errors


def test_the_lead_page_in_the_admin_shows_its_activity_log(alpha, tenant_a, admin_a):
    lead = LeadFactory(tenant=tenant_a)
    lead_add_note(lead=lead, by=admin_a, note="Called about the quote")
    page = alpha.get(url(Lead, "change", lead.pk)).content.decode()
    assert "Called about the quote" in page
