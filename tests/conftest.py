import socket

import pytest
from aiosmtpd.controller import Controller
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tenancy.models import Role
from tests.factories import make_member, make_tenant


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 is slow on purpose; tests hash many throwaway passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


DATABASE_FIXTURES = ("db", "transactional_db", "django_db_reset_sequences")


@pytest.fixture(autouse=True)
def clear_cache(request):
    """Every test starts with an empty cache (sign-in counters and locks live there). The
    default cache is a database table, so a test that touches no database has nothing to
    clear; one that does gets its database first (transactional tests do not roll the table
    back, so it must be emptied). With CACHE_URL set, this empties that Redis database."""
    from django.conf import settings
    from django.core.cache import cache

    uses_db = request.node.get_closest_marker("django_db") or any(
        name in request.fixturenames for name in DATABASE_FIXTURES
    )
    if uses_db:
        request.getfixturevalue("db")
    elif "DatabaseCache" in settings.CACHES["default"]["BACKEND"]:
        return
    cache.clear()


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django's SMTP backend is pointed at it. Its `messages`
    are aiosmtpd envelopes (rcpt_tos, original_content), in the order they arrived."""

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 Message accepted"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


@pytest.fixture
def wsgi_application():
    """The app as a WSGI callable, for tools that call it directly (schemathesis). Django closes
    the database connection when a request starts and when it finishes, unless the test client
    is used; inside a test's transaction that would close the test's own connection
    (PostgreSQL). So each call holds that back, as the test client does, and reads the whole
    response inside the call."""
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    handler = get_wsgi_application()

    def application(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = handler(environ, start_response)
            body = list(response)
            response.close()
            return body
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return application
