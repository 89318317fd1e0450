"""customization/milestone-types/ and customization/milestone-templates/: a new tenant's defaults,
addressed by code (types) and id (templates), one default template, deactivate and soft delete,
only admins write."""

import pytest

from milestones.models import LeadMilestonePlan, MilestoneTemplate, MilestoneType
from milestones.services.config import lead_template_set
from tenancy.actors import OPERATOR
from tests.factories import make_tenant
from tests.milestones.conftest import TEMPLATES, TYPES
from tests.milestones.factories import MilestoneTypeFactory

DEFAULT_CODES = ["LEAD_GENERATED", "CONTACTED", "SITE_VISIT", "PROPOSAL_SENT", "CONVERTED"]


@pytest.fixture
def admin(api, admin_a):
    return api(admin_a)


def codes(response):
    return [row["type_code"] for row in response.json()["results"]]


def template_id(admin, name):
    rows = admin.get(TEMPLATES).json()["results"]
    return next(row["id"] for row in rows if row["template_name"] == name)


def test_every_new_tenant_gets_the_seed_types_and_template(admin, tenant_a):
    assert codes(admin.get(TYPES)) == DEFAULT_CODES
    site_visit = admin.get(f"{TYPES}SITE_VISIT/").json()
    assert site_visit["category"] == "action"
    assert site_visit["allows_location"] and site_visit["allows_attachment"]
    assert (site_visit["sla_days"], site_visit["typical_duration_days"]) == (7, 3)
    assert admin.get(f"{TYPES}CONVERTED/").json()["is_mandatory"]
    [template] = admin.get(TEMPLATES).json()["results"]
    assert template["template_name"] == "Standard Sales Pipeline"
    assert template["is_default"] and template["sequence"] == DEFAULT_CODES
    assert template["estimated_days"] == 23  # 0 + 1 + 3 + 5 + 14 typical days


def test_create_a_type_with_every_seed_field(admin):
    body = {
        "type_code": "DEMO",
        "type_name": "Product demo",
        "description": "A live demo",
        "icon": "monitor",
        "color_hex": "#123abc",
        "display_order": 7,
        "is_active": True,
        "is_required": True,
        "is_mandatory": False,
        "category": "action",
        "typical_duration_days": 2,
        "sla_days": 4,
        "allows_attachment": True,
        "allows_location": True,
        "allows_notes": False,
        "metadata": {"room": "B"},
    }
    response = admin.post(TYPES, body, format="json")
    assert response.status_code == 201, response.json()
    stored = admin.get(f"{TYPES}DEMO/").json()
    assert {key: stored[key] for key in body} == body
    patched = admin.patch(f"{TYPES}DEMO/", {"sla_days": 5}, format="json")
    assert patched.json()["sla_days"] == 5


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type_code": "bad code", "type_name": "x"}, "type_code"),
        ({"type_code": "CONTACTED", "type_name": "Again"}, "detail"),
        ({"type_code": "OK"}, "type_name"),
        ({"type_code": "OK", "type_name": "x", "category": "party"}, "category"),
        ({"type_code": "OK", "type_name": "x", "sla_days": -1}, "sla_days"),
        ({"type_code": "OK", "type_name": "x", "sla_days": 400}, "sla_days"),
        ({"type_code": "OK", "type_name": "x", "color_hex": "red"}, "color_hex"),
        ({"type_code": "OK", "type_name": "x", "typo": 1}, "typo"),
    ],
)
def test_bad_type_input_is_400(admin, tenant_a, body, field):
    before = MilestoneType.objects.count()
    response = admin.post(TYPES, body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert MilestoneType.objects.count() == before


def test_a_type_in_a_template_cannot_be_deactivated_or_deleted(admin, tenant_a):
    response = admin.post(f"{TYPES}SITE_VISIT/deactivate/")
    assert response.status_code == 400
    assert "Standard Sales Pipeline" in response.json()["is_active"][0]
    assert (
        admin.patch(f"{TYPES}SITE_VISIT/", {"is_active": False}, format="json").status_code == 400
    )
    assert admin.delete(f"{TYPES}SITE_VISIT/").status_code == 400
    assert MilestoneType.objects.get(tenant=tenant_a, type_code="SITE_VISIT").is_active


def test_deactivate_and_soft_delete_free_the_code(admin, tenant_a):
    admin.post(TYPES, {"type_code": "DEMO", "type_name": "Demo"}, format="json")
    response = admin.post(f"{TYPES}DEMO/deactivate/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert codes(admin.get(TYPES, {"is_active": "false"})) == ["DEMO"]
    assert admin.delete(f"{TYPES}DEMO/").status_code == 204
    assert admin.get(f"{TYPES}DEMO/").status_code == 404
    old = MilestoneType.objects.get(tenant=tenant_a, type_code="DEMO")
    assert old.deleted_at is not None and not old.is_active
    again = admin.post(TYPES, {"type_code": "DEMO", "type_name": "Demo 2"}, format="json")
    assert again.status_code == 201
    assert MilestoneType.objects.filter(tenant=tenant_a, type_code="DEMO").count() == 2


def test_only_admins_configure(api, manager_a, agent_a, tenant_a):
    for client in (api(manager_a), api(agent_a)):
        assert client.get(TYPES).status_code == 200
        assert client.get(TEMPLATES).status_code == 200
        response = client.post(TYPES, {"type_code": "X", "type_name": "X"}, format="json")
        assert response.status_code == 403
        assert client.patch(f"{TYPES}CONTACTED/", {"sla_days": 9}, format="json").status_code == 403
        body = {"template_name": "T", "sequence": ["CONTACTED"]}
        assert client.post(TEMPLATES, body, format="json").status_code == 403
    assert not MilestoneType.objects.filter(type_code="X").exists()
    assert MilestoneType.objects.get(tenant=tenant_a, type_code="CONTACTED").sla_days == 2


def test_create_a_template_with_a_sequence(admin, tenant_a):
    body = {
        "template_name": "Fast track",
        "template_type": "campaign",
        "description": "Skip the visit",
        "sequence": ["LEAD_GENERATED", "PROPOSAL_SENT", "CONVERTED"],
        "estimated_days": 10,
    }
    response = admin.post(TEMPLATES, body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["sequence"] == body["sequence"]
    assert created["is_default"] is False and created["template_type"] == "campaign"
    steps = MilestoneTemplate.objects.get(pk=created["id"]).steps.all()
    assert [(s.position, s.milestone_type.type_code) for s in steps] == list(
        enumerate(body["sequence"])
    )
    url = f"{TEMPLATES}{created['id']}/"
    response = admin.patch(url, {"sequence": ["CONVERTED", "LEAD_GENERATED"]}, format="json")
    assert response.json()["sequence"] == ["CONVERTED", "LEAD_GENERATED"]
    assert admin.patch(url, {"estimated_days": 12}, format="json").json()["sequence"] == [
        "CONVERTED",
        "LEAD_GENERATED",
    ]


@pytest.mark.parametrize(
    "sequence, message",
    [
        ([], "at least one step"),
        (["CONTACTED", "NOPE"], "Unknown milestone type 'NOPE'."),
        (["CONTACTED", "CONTACTED"], "CONTACTED appears twice"),
        (["INACTIVE_ONE"], "INACTIVE_ONE is inactive."),
        ("CONTACTED", "Expected a list of items"),
    ],
)
def test_a_bad_sequence_is_400_naming_the_step(admin, tenant_a, sequence, message):
    admin.post(TYPES, {"type_code": "INACTIVE_ONE", "type_name": "I"}, format="json")
    admin.post(f"{TYPES}INACTIVE_ONE/deactivate/")
    before = MilestoneTemplate.objects.count()
    response = admin.post(TEMPLATES, {"template_name": "T", "sequence": sequence}, format="json")
    assert response.status_code == 400
    assert any(message in text for text in response.json()["sequence"]), response.json()
    assert MilestoneTemplate.objects.count() == before


def test_another_tenants_type_is_unknown_in_a_sequence(admin, tenant_a):
    beta = make_tenant("beta")
    MilestoneTypeFactory(tenant=beta, type_code="BETA_ONLY", type_name="B")
    response = admin.post(
        TEMPLATES, {"template_name": "T", "sequence": ["BETA_ONLY"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["sequence"] == ["Unknown milestone type 'BETA_ONLY'."]


def test_one_default_template_per_tenant(admin, tenant_a):
    standard = template_id(admin, "Standard Sales Pipeline")
    body = {"template_name": "New default", "sequence": ["CONTACTED"], "is_default": True}
    new = admin.post(TEMPLATES, body, format="json").json()
    assert new["is_default"]
    assert not admin.get(f"{TEMPLATES}{standard}/").json()["is_default"]
    response = admin.patch(f"{TEMPLATES}{new['id']}/", {"is_default": False}, format="json")
    assert response.status_code == 400 and "is_default" in response.json()
    assert admin.post(f"{TEMPLATES}{new['id']}/deactivate/").status_code == 400
    assert admin.delete(f"{TEMPLATES}{new['id']}/").status_code == 400
    assert MilestoneTemplate.objects.filter(tenant=tenant_a, is_default=True).count() == 1


def test_deleting_a_template_sends_its_leads_back_to_the_default(admin, tenant_a, make_lead):
    body = {"template_name": "Short", "sequence": ["CONTACTED", "CONVERTED"]}
    short = MilestoneTemplate.objects.get(
        pk=admin.post(TEMPLATES, body, format="json").json()["id"]
    )
    lead = make_lead()
    lead_template_set(lead=lead, by=OPERATOR, template=short)
    assert admin.post(f"{TEMPLATES}{short.pk}/deactivate/").json()["is_active"] is False
    assert LeadMilestonePlan.objects.filter(lead=lead, template=short).exists()  # kept
    assert admin.delete(f"{TEMPLATES}{short.pk}/").status_code == 204
    assert admin.get(f"{TEMPLATES}{short.pk}/").status_code == 404
    assert not LeadMilestonePlan.objects.filter(lead=lead).exists()
    again = admin.post(TEMPLATES, body, format="json")  # the name is free again
    assert again.status_code == 201
