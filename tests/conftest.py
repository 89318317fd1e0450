import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.models import Role
from tests.factories import make_member, make_tenant


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 is slow on purpose; tests hash many throwaway passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tenant_a(db):
    return make_tenant("alpha")


@pytest.fixture
def tenant_b(db):
    return make_tenant("beta")


@pytest.fixture
def admin_a(tenant_a):
    return make_member(tenant_a, "alpha-admin", Role.ADMIN)


@pytest.fixture
def manager_a(tenant_a):
    return make_member(tenant_a, "alpha-manager", Role.MANAGER)


@pytest.fixture
def agent_a(tenant_a):
    return make_member(tenant_a, "alpha-agent", Role.AGENT)


@pytest.fixture
def agent_a2(tenant_a):
    return make_member(tenant_a, "alpha-agent2", Role.AGENT)


@pytest.fixture
def admin_b(tenant_b):
    return make_member(tenant_b, "beta-admin", Role.ADMIN)


@pytest.fixture
def api():
    """api(membership or user) -> an APIClient signed in with that user's token."""

    def client_for(who, tenant_header: str | None = None) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=getattr(who, "user", who))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        if tenant_header:
            client.credentials(
                HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_X_TENANT_ID=tenant_header
            )
        return client

    return client_for
