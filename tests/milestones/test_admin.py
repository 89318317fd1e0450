"""The milestone admin beyond the generic walk (tests/tenancy): writes go through the services,
templates are edited with their steps inline, and the services' refusals show as form errors
with nothing saved."""

from datetime import date

import pytest
from django.urls import reverse

from crm.models import ActivityKind
from milestones.models import LeadMilestone, MilestoneTemplate, MilestoneType
from tests.factories import LeadFactory
from tests.milestones.factories import MilestoneTypeFactory
from tests.tenancy.registry import build_world


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def alpha(client, admin_a):
    client.force_login(admin_a.user)
    return client


def type_form(**fields):
    return {
        "type_code": "DEMO",
        "type_name": "Demo",
        "category": "action",
        "display_order": 0,
        "is_active": "on",
        "allows_notes": "on",
        "metadata": "{}",
        **fields,
    }


def steps_form(*type_pks, initial=0):
    data = {
        "steps-TOTAL_FORMS": len(type_pks),
        "steps-INITIAL_FORMS": initial,
        "steps-MIN_NUM_FORMS": 0,
        "steps-MAX_NUM_FORMS": 1000,
    }
    for i, pk in enumerate(type_pks):
        data[f"steps-{i}-position"] = (i + 1) * 10
        data[f"steps-{i}-milestone_type"] = pk
    return data


def template_form(**fields):
    return {
        "template_name": "Quick",
        "template_type": "custom",
        "display_order": 0,
        "is_active": "on",
        "metadata": "{}",
        **fields,
    }


def test_tenant_admin_creates_a_type_through_the_service(alpha, tenant_a, admin_a):
    response = alpha.post(url(MilestoneType, "add"), type_form(sla_days=3))
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = MilestoneType.objects.get(tenant=tenant_a, type_code="DEMO")
    assert created.sla_days == 3 and created.created_by == admin_a.user
    response = alpha.post(url(MilestoneType, "add"), type_form(type_name="Again"))
    assert response.status_code == 200  # the code is taken: a form error, not a crash
    assert "A milestone type with this code already exists." in response.content.decode()


def test_a_type_in_a_template_cannot_be_deactivated_in_the_admin(alpha, tenant_a):
    visit = MilestoneType.objects.get(tenant=tenant_a, type_code="SITE_VISIT")
    data = type_form(type_code="SITE_VISIT", type_name="Site visit", allows_location="on")
    del data["is_active"]
    response = alpha.post(url(MilestoneType, "change", visit.pk), data)
    assert response.status_code == 200
    assert "is_active" in response.context["adminform"].form.errors
    visit.refresh_from_db()
    assert visit.is_active
    assert alpha.get(url(MilestoneType, "delete", visit.pk)).status_code == 403


def test_template_with_ordered_inline_steps(alpha, tenant_a):
    codes = {t.type_code: t.pk for t in MilestoneType.objects.filter(tenant=tenant_a)}
    data = {**template_form(), **steps_form(codes["CONTACTED"], codes["CONVERTED"])}
    data["steps-0-position"], data["steps-1-position"] = 20, 5  # converted first
    response = alpha.post(url(MilestoneTemplate, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    template = MilestoneTemplate.objects.get(tenant=tenant_a, template_name="Quick")
    assert template.type_codes() == ["CONVERTED", "CONTACTED"]
    assert [s.position for s in template.steps.all()] == [0, 1]  # renumbered by the service
    assert not template.is_default

    page = alpha.get(url(MilestoneTemplate, "change", template.pk)).content.decode()
    assert "CONVERTED" in page
    change = {**template_form(estimated_days=4), **steps_form(initial=0)}
    change.update(steps_form(codes["LEAD_GENERATED"], codes["CONTACTED"], codes["CONVERTED"]))
    steps = list(template.steps.all())
    change["steps-INITIAL_FORMS"] = 2
    change["steps-0-id"], change["steps-1-id"] = steps[0].pk, steps[1].pk
    response = alpha.post(url(MilestoneTemplate, "change", template.pk), change)
    assert response.status_code == 302, response.context["adminform"].form.errors
    template.refresh_from_db()
    assert template.type_codes() == ["LEAD_GENERATED", "CONTACTED", "CONVERTED"]
    assert template.estimated_days == 4


def test_a_bad_sequence_in_the_inline_is_a_form_error(alpha, tenant_a):
    contacted = MilestoneType.objects.get(tenant=tenant_a, type_code="CONTACTED")
    retired = MilestoneTypeFactory(
        tenant=tenant_a, type_code="RETIRED", type_name="Retired", is_active=False
    )
    taken = "Standard Sales Pipeline"
    for name, pks, message in (
        ("Quick", (contacted.pk, contacted.pk), "CONTACTED appears twice"),
        ("Quick", (retired.pk,), "RETIRED is inactive."),
        ("Quick", (), "A template needs at least one step."),
        (taken, (contacted.pk,), "A milestone template with this name already exists."),
    ):
        data = {**template_form(template_name=name), **steps_form(*pks)}
        response = alpha.post(url(MilestoneTemplate, "add"), data)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not MilestoneTemplate.objects.filter(template_name="Quick").exists()
    assert MilestoneTemplate.objects.filter(tenant=tenant_a, template_name=taken).count() == 1


def test_the_default_template_cannot_be_deleted_in_the_admin(alpha, tenant_a):
    standard = MilestoneTemplate.objects.get(tenant=tenant_a, is_default=True)
    assert alpha.get(url(MilestoneTemplate, "delete", standard.pk)).status_code == 403
    alpha.post(
        url(MilestoneTemplate, "changelist"),
        {"action": "delete_selected", "_selected_action": [standard.pk], "post": "yes"},
    )
    standard.refresh_from_db()
    assert standard.deleted_at is None


def milestone_form(lead, milestone_type, **fields):
    return {
        "lead": lead.pk,
        "milestone_type": milestone_type.pk,
        "status": "completed",
        "achieved_date": "2026-01-05",
        "document_urls": "[]",
        "metadata": "{}",
        **fields,
    }


def test_record_a_milestone_in_the_admin_through_the_service(alpha, tenant_a, admin_a):
    lead = LeadFactory(tenant=tenant_a)
    contacted = MilestoneType.objects.get(tenant=tenant_a, type_code="CONTACTED")
    response = alpha.post(url(LeadMilestone, "add"), milestone_form(lead, contacted))
    assert response.status_code == 302, response.context["adminform"].form.errors
    milestone = LeadMilestone.objects.get(lead=lead)
    assert milestone.completed_by == admin_a.user
    assert lead.activities.filter(kind=ActivityKind.MILESTONE).count() == 1

    response = alpha.post(
        url(LeadMilestone, "change", milestone.pk),
        milestone_form(lead, contacted, status="pending", notes="Edited"),
    )
    assert response.status_code == 200
    assert "completed cannot become pending" in str(response.context["adminform"].form.errors)
    response = alpha.post(
        url(LeadMilestone, "change", milestone.pk),
        milestone_form(lead, contacted, notes="Edited", achieved_date="2026-01-06"),
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.notes, milestone.achieved_date) == ("Edited", date(2026, 1, 6))

    response = alpha.post(url(LeadMilestone, "delete", milestone.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not LeadMilestone.objects.filter(lead=lead).exists()
    assert lead.activities.filter(kind=ActivityKind.MILESTONE).count() == 3


def test_the_types_rules_are_form_errors_in_the_admin(alpha, tenant_a):
    lead = LeadFactory(tenant=tenant_a)
    contacted = MilestoneType.objects.get(tenant=tenant_a, type_code="CONTACTED")
    response = alpha.post(
        url(LeadMilestone, "add"),
        milestone_form(
            lead,
            contacted,
            location_name="Cafe",
            document_urls='["https://files.example/a.pdf"]',
        ),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["location_name"] == ["CONTACTED milestones do not record a location."]
    assert errors["document_urls"] == ["CONTACTED milestones do not take documents."]
    response = alpha.post(
        url(LeadMilestone, "add"), milestone_form(lead, contacted, status="skipped")
    )
    assert "status" in response.context["adminform"].form.errors
    assert not LeadMilestone.objects.filter(lead=lead).exists()


def test_foreign_lead_and_type_are_refused(alpha, tenant_a, tenant_b):
    world = build_world(tenant_b)
    response = alpha.post(url(LeadMilestone, "add"), milestone_form(world.ms_lead, world.ms_type))
    assert response.status_code == 200
    assert {"lead", "milestone_type"} <= set(response.context["adminform"].form.errors)
    assert LeadMilestone.objects.filter(tenant=tenant_a).count() == 0
