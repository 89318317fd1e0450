"""The custom field API and the tenancy routes (me/, members/, auth/token/) answer as their
schema says: typed rules and options, the applied template's report, the caller's role as an
enum, the refused sign-in's body."""

import pytest

from tests.apischema import answers_as_documented, load_schema, untyped_answers
from tests.customfields.builder import define

PATHS = ("/api/v1/custom-fields", "/api/v1/industry-templates", "/api/v1/me", "/api/v1/members")


@pytest.fixture
def schema(db, wsgi_application):
    return load_schema(wsgi_application)


def test_every_custom_field_answer_is_as_documented(schema, admin_a, tenant_a):
    check = lambda *a, **k: answers_as_documented(schema, admin_a, *a, **k)  # noqa: E731
    define(tenant_a, "tier", "Tier", "select", select_options=["Gold", "Silver"])
    define(tenant_a, "joined", "Joined", "date", validation_rules={"min": "2000-01-01"})

    listed = check("GET", "/api/v1/custom-fields/", status=200)["results"]
    assert {row["field_key"] for row in listed} == {"tier", "joined"}
    created = check(
        "POST",
        "/api/v1/custom-fields/",
        body={
            "field_key": "points",
            "field_label": "Points",
            "field_type": "number",
            "validation_rules": {"min": 0, "max": 100},
        },
        status=201,
    )
    assert created["validation_rules"] == {"min": 0, "max": 100}
    check(
        "PATCH",
        "/api/v1/custom-fields/{field_key}/",
        path_parameters={"field_key": "points"},
        body={"is_active": False},
        status=200,
    )
    check(
        "POST",
        "/api/v1/custom-fields/reorder/",
        body={"keys": ["joined", "tier", "points"]},
        status=200,
    )
    report = check(
        "POST",
        "/api/v1/custom-fields/apply-industry-template/",
        body={"industry": "retail"},
        status=200,
    )
    assert report["created"] and report["skipped"] == []
    again = check(
        "POST",
        "/api/v1/custom-fields/apply-industry-template/",
        body={"industry": "retail"},
        status=200,
    )
    assert again == {"created": [], "skipped": report["created"]}
    check("GET", "/api/v1/industry-templates/", query={"industry": "healthcare"}, status=200)
    check(
        "DELETE",
        "/api/v1/custom-fields/{field_key}/",
        path_parameters={"field_key": "tier"},
        status=204,
    )


def test_the_tenancy_routes_answer_as_documented(schema, client, manager_a):
    me = answers_as_documented(schema, manager_a, "GET", "/api/v1/me/", status=200)
    assert me["role"] == "manager"
    answers_as_documented(schema, manager_a, "GET", "/api/v1/members/", status=200)
    token = schema["/api/v1/auth/token/"]["POST"].Case(
        body={"username": manager_a.user.username, "password": "wrong"},
        media_type="application/json",
    )
    response = token.call()
    assert response.status_code == 400
    token.validate_response(response)


def test_no_custom_field_or_tenancy_operation_answers_an_untyped_object(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert untyped_answers(paths, PATHS) == []
