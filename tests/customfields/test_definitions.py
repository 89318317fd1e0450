"""custom-fields/: slots per tenant, lifecycle, validation of definitions, reorder, templates,
and who may change them."""

import pytest
from django.core.management import call_command

from customfields.industry_data import INDUSTRY_FIELDS
from customfields.models import FieldDefinition, IndustryFieldTemplate
from tenancy.models import Tenant

URL = "/api/v1/custom-fields/"


@pytest.fixture
def admin(api, admin_a):
    return api(admin_a)


def post(client, **data):
    data.setdefault("field_label", data.get("field_key", "x").title())
    return client.post(URL, data, format="json")


def test_fields_take_the_first_free_slot_of_their_type(admin):
    assert (
        post(admin, field_key="a", field_type="text").json()["mapped_field_name"] == "custom_text_1"
    )
    assert (
        post(admin, field_key="b", field_type="text").json()["mapped_field_name"] == "custom_text_2"
    )
    assert (
        post(admin, field_key="c", field_type="date").json()["mapped_field_name"] == "custom_date_1"
    )
    admin.patch(f"{URL}a/", {"is_active": False}, format="json")
    # an inactive field keeps its slot
    assert (
        post(admin, field_key="d", field_type="text").json()["mapped_field_name"] == "custom_text_3"
    )
    admin.delete(f"{URL}b/")
    assert (
        post(admin, field_key="e", field_type="text").json()["mapped_field_name"] == "custom_text_2"
    )


def test_every_slot_type_has_its_count_then_json(admin):
    for n in range(5):
        assert (
            post(admin, field_key=f"u{n}", field_type="url").json()["mapped_field_name"]
            == f"custom_url_{n + 1}"
        )
    sixth = post(admin, field_key="u5", field_type="url").json()
    assert sixth["mapped_field_name"] is None and sixth["storage"] == "custom_fields_extra.u5"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"field_key": "Bad Key", "field_type": "text"}, "field_key"),
        ({"field_key": "1st", "field_type": "text"}, "field_key"),
        ({"field_key": "ok", "field_type": "colour"}, "field_type"),
        ({"field_key": "ok", "field_type": "select"}, "select_options"),
        (
            {"field_key": "ok", "field_type": "select", "select_options": ["A", "a"]},
            "select_options",
        ),
        ({"field_key": "ok", "field_type": "text", "select_options": ["A"]}, "select_options"),
        (
            {"field_key": "ok", "field_type": "number", "validation_rules": {"pattern": "x"}},
            "validation_rules",
        ),
        (
            {"field_key": "ok", "field_type": "number", "validation_rules": {"min": "low"}},
            "validation_rules",
        ),
        (
            {"field_key": "ok", "field_type": "date", "validation_rules": {"max": "soon"}},
            "validation_rules",
        ),
        (
            {"field_key": "ok", "field_type": "text", "validation_rules": {"pattern": "("}},
            "validation_rules",
        ),
        ({"field_key": "ok", "field_type": "text", "validation_rules": [1]}, "validation_rules"),
    ],
)
def test_bad_definitions_are_400_and_write_nothing(admin, data, field):
    response = post(admin, **data)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not FieldDefinition.objects.exists()


def test_the_slot_is_chosen_by_the_service_not_the_client(admin):
    response = post(admin, field_key="ok", field_type="text", mapped_field_name="custom_text_9")
    assert response.json()["mapped_field_name"] == "custom_text_1"


def test_keys_are_unique_per_tenant_only(admin, api, admin_b):
    assert post(admin, field_key="tier", field_type="text").status_code == 201
    again = post(admin, field_key="tier", field_type="text")
    assert again.status_code == 400
    assert post(api(admin_b), field_key="tier", field_type="text").status_code == 201


def test_type_and_key_cannot_change_in_place(admin):
    post(admin, field_key="points", field_type="number")
    response = admin.patch(f"{URL}points/", {"field_type": "text"}, format="json")
    assert response.status_code == 400
    assert "cannot change in place" in response.json()["field_type"][0]
    response = admin.patch(f"{URL}points/", {"field_key": "score"}, format="json")
    assert response.status_code == 400 and "field_key" in response.json()
    renamed = admin.patch(f"{URL}points/", {"field_label": "Loyalty points"}, format="json")
    assert renamed.json()["field_label"] == "Loyalty points"


def test_reorder(admin):
    for key in ("a", "b", "c"):
        post(admin, field_key=key, field_type="text")
    response = admin.post(f"{URL}reorder/", {"keys": ["c", "a", "b"]}, format="json")
    assert [f["field_key"] for f in response.json()] == ["c", "a", "b"]
    assert [f["field_key"] for f in admin.get(URL).json()["results"]] == ["c", "a", "b"]
    bad = admin.post(f"{URL}reorder/", {"keys": ["c", "a"]}, format="json")
    assert bad.status_code == 400 and "missing fields: b" in bad.json()["keys"][0]


def test_only_admins_define_fields(api, manager_a, agent_a):
    for client in (api(manager_a), api(agent_a)):
        assert client.get(URL).status_code == 200
        assert post(client, field_key="x", field_type="text").status_code == 403
        assert (
            client.post(
                f"{URL}apply-industry-template/", {"industry": "retail"}, format="json"
            ).status_code
            == 403
        )
    assert not FieldDefinition.objects.exists()


def test_templates_through_the_api(admin, tenant_a):
    listing = admin.get("/api/v1/industry-templates/", {"industry": "retail"}).json()
    assert [t["field_key"] for t in listing] == [
        "birth_date",
        "loyalty_points",
        "favorite_category",
        "last_purchase_date",
        "is_vip",
    ]
    response = admin.post(f"{URL}apply-industry-template/", {"industry": "retail"}, format="json")
    assert response.json()["skipped"] == [] and len(response.json()["created"]) == 5
    again = admin.post(f"{URL}apply-industry-template/", {"industry": "retail"}, format="json")
    assert again.json()["created"] == []
    bad = admin.post(f"{URL}apply-industry-template/", {"industry": "piracy"}, format="json")
    assert bad.status_code == 400 and "industry" in bad.json()


def test_every_industry_has_a_template_of_4_to_8_fields(db):
    for code, _label in Tenant._meta.get_field("industry").choices:
        count = IndustryFieldTemplate.objects.filter(industry=code).count()
        assert 4 <= count <= 8, code


def test_create_tenant_with_industry_applies_its_template(db):
    call_command(
        "create_tenant",
        "clinic",
        "--name",
        "Clinic",
        "--industry",
        "healthcare",
        "--admin-username",
        "doc",
        "--admin-password",
        "pw-123456",
    )
    keys = set(
        FieldDefinition.objects.filter(tenant__slug="clinic").values_list("field_key", flat=True)
    )
    assert {"medical_id", "insurance_type"} <= keys
    call_command(
        "create_tenant",
        "plain",
        "--name",
        "Plain",
        "--admin-username",
        "p",
        "--admin-password",
        "pw-123456",
    )
    # Without --industry a tenant is "other" and, as from the admin, gets that template.
    plain = set(
        FieldDefinition.objects.filter(tenant__slug="plain").values_list("field_key", flat=True)
    )
    assert plain == {key for key, *_ in INDUSTRY_FIELDS["other"]}
