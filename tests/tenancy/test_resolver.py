"""One resolver decides which membership a request acts under (tenancy.selectors
.membership_for_request): pages, the admin and the API agree, whether the user signed in with
a session or a token."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tenancy.models import Membership, Role


def _in_both(admin_a, tenant_b):
    Membership.objects.create(tenant=tenant_b, user=admin_a.user, role=Role.AGENT)
    return admin_a.user


def test_the_tenant_chosen_with_the_switcher_applies_to_pages_and_the_api(admin_a, tenant_b):
    user = _in_both(admin_a, tenant_b)
    client = Client()
    client.force_login(user)
    assert client.get("/api/v1/me/").json()["tenant"]["slug"] == "alpha"
    client.post("/tenant/switch/", {"tenant": "beta"})
    me = client.get("/api/v1/me/").json()
    assert (me["tenant"]["slug"], me["role"]) == ("beta", Role.AGENT)
    # The header still picks explicitly, over the session's choice.
    assert client.get("/api/v1/me/", HTTP_X_TENANT_ID="alpha").json()["tenant"]["slug"] == "alpha"


def test_a_token_request_is_resolved_by_the_same_rules(admin_a, tenant_b, tenant_a):
    user = _in_both(admin_a, tenant_b)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert api.get("/api/v1/me/").json()["tenant"]["slug"] == "alpha"
    assert api.get("/api/v1/me/", HTTP_X_TENANT_ID="beta").json()["role"] == Role.AGENT
    refused = api.get("/api/v1/me/", HTTP_X_TENANT_ID="gamma")
    assert refused.status_code == 403


def test_a_session_choice_that_no_longer_applies_falls_back_and_is_forgotten(admin_a, tenant_b):
    user = _in_both(admin_a, tenant_b)
    client = Client()
    client.force_login(user)
    client.post("/tenant/switch/", {"tenant": "beta"})
    Membership.objects.filter(tenant=tenant_b, user=user).delete()
    assert client.get("/api/v1/me/").json()["tenant"]["slug"] == "alpha"
    assert "tenant_slug" not in client.session


def _membership_reads(queries) -> int:
    return sum(1 for q in queries if 'FROM "tenancy_membership"' in q["sql"])


def test_a_session_request_resolves_its_membership_once(admin_a):
    client = Client()
    client.force_login(admin_a.user)
    client.get("/api/v1/me/")  # the session's first read
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/me/").json()["tenant"]["slug"] == "alpha"
    # The middleware's resolution serves the API view too (it was read a second time there).
    assert _membership_reads(queries.captured_queries) == 1


def test_a_token_for_another_user_than_the_sessions_acts_as_the_tokens_user(admin_a, admin_b):
    client = APIClient()
    client.force_login(admin_a.user)  # a session for alpha's admin in the same browser
    token = Token.objects.create(user=admin_b.user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    me = client.get("/api/v1/me/").json()
    assert me["tenant"]["slug"] == "beta"


def test_a_page_lists_the_switchers_tenants_from_the_resolvers_read(admin_a, tenant_b):
    user = _in_both(admin_a, tenant_b)
    client = Client()
    client.force_login(user)
    client.post("/tenant/switch/", {"tenant": "beta"})
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/tags/")
    assert page.context["current_tenant"] == tenant_b
    assert [t.slug for t in page.context["switchable_tenants"]] == ["alpha", "beta"]
    # One read of the user's memberships picks the tenant and fills the switcher.
    assert _membership_reads(queries.captured_queries) == 1
    html = page.content.decode()
    assert '<option value="beta" selected>' in html and '<option value="alpha">' in html


def test_a_superusers_switcher_lists_every_active_tenant(admin_a, tenant_b):
    user = admin_a.user
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    client.post("/tenant/switch/", {"tenant": "beta"})  # a tenant it is not a member of
    page = client.get("/tags/")
    assert page.context["current_tenant"] == tenant_b
    assert {t.slug for t in page.context["switchable_tenants"]} == {"alpha", "beta"}
