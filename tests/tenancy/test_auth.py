"""Token auth, me/, the tenant header, and the OpenAPI schema and docs."""

from tenancy.models import Role
from tests.factories import LeadFactory, UserFactory, make_member


def test_token_endpoint(client, admin_a):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "alpha-admin", "password": "pass-word-1"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert me == {
        "id": admin_a.user_id,
        "username": "alpha-admin",
        "email": "alpha-admin@example.com",
        "role": "admin",
        "tenant": {"slug": "alpha", "name": "Alpha"},
    }
    bad = client.post(
        "/api/v1/auth/token/",
        {"username": "alpha-admin", "password": "nope"},
        content_type="application/json",
    )
    assert bad.status_code == 400


def test_anonymous_is_refused(client):
    assert client.get("/api/v1/leads/").status_code == 401


def test_user_without_tenant_is_refused(api, db):
    lonely = UserFactory(username="lonely")
    assert api(lonely).get("/api/v1/leads/").status_code == 403


def test_header_picks_among_memberships(api, tenant_a, tenant_b):
    membership = make_member(tenant_a, "consultant", Role.MANAGER)
    make_member(tenant_b, "consultant", Role.AGENT)
    LeadFactory(tenant=tenant_a, first_name="InAlpha")
    LeadFactory(tenant=tenant_b, first_name="InBeta")
    default = api(membership)
    assert default.get("/api/v1/me/").json()["tenant"]["slug"] == "alpha"
    beta = api(membership, tenant_header="beta")
    me = beta.get("/api/v1/me/").json()
    assert (me["tenant"]["slug"], me["role"]) == ("beta", "agent")
    assert [r["first_name"] for r in beta.get("/api/v1/leads/").json()["results"]] == ["InBeta"]
    assert api(membership, tenant_header="gamma").get("/api/v1/me/").status_code == 403


def test_superuser_acts_in_any_tenant_by_header(api, tenant_b):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert api(root).get("/api/v1/leads/").status_code == 403  # which tenant? say it
    me = api(root, tenant_header="beta").get("/api/v1/me/").json()
    assert (me["tenant"]["slug"], me["role"]) == ("beta", "admin")


def test_schema_and_docs(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    body = schema.content.decode()
    for route in (
        "/api/v1/leads/",
        "/api/v1/customization/lead-sources/{source_code}/performance/",
    ):
        assert route in body
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
