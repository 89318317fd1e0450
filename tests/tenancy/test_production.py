"""Production defaults: DEBUG is off unless asked for, `check --deploy` is clean with the
environment README.md documents, a server refuses to start without a production SECRET_KEY, and
every error is answered in words: pages in the site's layout (a 403 with its reason, a 405 on an
address only forms post to), the API in JSON."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path, reverse

import config.urls
from tenancy.errors import server_error
from tenancy.security_headers import HEADER as CSP
from tests.factories import LeadFactory

BASE_DIR = Path(settings.BASE_DIR)

# A test URLconf (pytest.mark.urls(__name__)): the site's routes and error handlers, plus a page
# and an API route that fail.


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("boom/", boom),
    path("api/v1/boom/", boom),
    *config.urls.urlpatterns,
]
handler400 = config.urls.handler400
handler403 = config.urls.handler403
handler404 = config.urls.handler404
handler500 = config.urls.handler500


def documented_production_env() -> dict[str, str]:
    """The NAME=value block of README.md's "Production" section, with a fresh random key for the
    placeholder."""
    section = (BASE_DIR / "README.md").read_text().split("\n## Production\n", 1)[1]
    block = section.split("```\n", 2)[1]
    env = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
    assert env["SECRET_KEY"].startswith("<"), "README shows a placeholder, never a key"
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


SETTINGS_ENV = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "CACHE_URL",
    "REDIS_CACHE_URL",
    "CELERY_BROKER_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # the browser tests' own switch; a deployment never sets it
    *documented_production_env(),
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """A fresh Python process in the project, with none of the settings' variables but `env`."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_debug_is_off_unless_asked_for():
    show = ["-c", "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)"]
    assert run(show).stdout.split(" ", 1)[0] == "False"
    assert "'127.0.0.1', 'localhost'" in run(show).stdout
    assert run(show, DEBUG="on").stdout.startswith("True")


def test_check_deploy_is_clean_with_the_documented_production_environment():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **documented_production_env(),
    )
    output = result.stderr + result.stdout
    issues = [line for line in output.splitlines() if re.search(r"\(\w+\.[A-Z]\d+\)", line)]
    # Every check, the security ones and the API schema's (drf_spectacular.W001) alike.
    assert issues == [], output
    assert result.returncode == 0, output
    assert "System check identified no issues" in output


def test_the_fresh_machine_defaults_are_what_check_deploy_warns_about():
    """Without the production environment, the deploy check names every missing setting."""
    result = run(["manage.py", "check", "--deploy"])
    codes = set(re.findall(r"\((security\.W\d+)\)", result.stderr))
    assert codes == {
        "security.W004",  # SECURE_HSTS_SECONDS
        "security.W008",  # SECURE_SSL_REDIRECT
        "security.W009",  # SECRET_KEY
        "security.W012",  # SESSION_COOKIE_SECURE
        "security.W016",  # CSRF_COOKIE_SECURE
    }


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_a_server_refuses_to_start_without_a_production_secret_key(module):
    start = ["-c", f"import {module}; print('started')"]
    for key in (None, "short-key", "x" * 60):
        env = {} if key is None else {"SECRET_KEY": key}
        refused = run(start, **env)
        assert refused.returncode != 0 and "started" not in refused.stdout
        assert "ImproperlyConfigured: DEBUG is off" in refused.stderr
        assert "Set SECRET_KEY to a long random value" in refused.stderr
    assert run(start, DEBUG="on").stdout.strip() == "started"
    assert run(start, SECRET_KEY=secrets.token_urlsafe(50)).stdout.strip() == "started"


# Error pages, in process (pytest-django runs with DEBUG off).


def assert_error_page(response, status: int, *words: str):
    """In the site's layout, with the words, and under the pages' Content-Security-Policy."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert '<header class="topbar">' in body and 'class="brand"' in body
    assert "/static/css/app.css" in body
    for text in words:
        assert text in body, (text, body)
    assert CSP in response
    return body


def test_an_unknown_address_is_the_404_page(client):
    body = assert_error_page(client.get("/no-such-page/"), 404, "Page not found")
    assert 'aria-label="Main"' not in body  # nobody signed in: no navigation


def test_an_object_one_may_not_see_is_the_404_page_with_the_navigation(client, agent_a, admin_b):
    foreign = LeadFactory(tenant=admin_b.tenant)
    client.force_login(agent_a.user)
    response = client.get(reverse("crm:lead-detail", args=[foreign.pk]))
    body = assert_error_page(response, 404, "Page not found", "is not yours to see")
    assert 'aria-label="Main"' in body and foreign.first_name not in body
    assert "Django" not in body and "URLconf" not in body  # never the technical page


def test_a_refusal_is_the_403_page_with_its_reason(client, agent_a):
    client.force_login(agent_a.user)
    response = client.get(reverse("campaigns:campaign-create"))
    assert_error_page(
        response, 403, "Not allowed", "Only managers and admins build and run campaigns."
    )


def test_a_foreign_tenant_header_on_a_page_is_the_403_page_with_its_reason(client, agent_a):
    client.force_login(agent_a.user)
    response = client.get(reverse("crm:lead-list"), HTTP_X_TENANT_ID="gamma")
    assert_error_page(response, 403, "You are not a member of tenant &#x27;gamma&#x27;.")


def test_a_refused_form_token_is_the_403_page_that_says_what_to_do(agent_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent_a.user)
    response = client.post(reverse("crm:lead-create"), {"first_name": "X"})
    assert_error_page(response, 403, "security token", f'href="{reverse("crm:lead-create")}"')


def test_opening_a_form_only_address_is_the_405_page(client, manager_a):
    client.force_login(manager_a.user)
    response = client.get(reverse("crm:lead-bulk-status"))
    body = assert_error_page(response, 405, "This address only accepts form submissions")
    assert response["Allow"] == "POST"
    assert 'href="/leads/">Go back to the page' in body
    # A function view too, and one opened without signing in.
    anonymous = Client().get(reverse("tenancy:switch-tenant"))
    assert_error_page(anonymous, 405, "This address only accepts form submissions")
    logout = Client().get(reverse("logout"))  # takes POST and OPTIONS
    assert_error_page(logout, 405, "This address only accepts form submissions")


def test_a_bad_host_is_the_400_page(client):
    assert_error_page(client.get("/", HTTP_HOST="evil.example"), 400, "Bad request")


@pytest.mark.urls(__name__)
def test_a_server_error_is_the_500_page(db):
    response = Client(raise_request_exception=False).get("/boom/")
    body = assert_error_page(response, 500, "Something went wrong on our side")
    assert "a bug" not in body and "Traceback" not in body


def test_the_500_page_needs_nothing_that_can_fail(rf):
    """No user, tenant or session is looked at, and no query is made (this test may not touch
    the database: a query would fail it)."""
    request = rf.get("/leads/")
    assert not hasattr(request, "user") and not hasattr(request, "session")
    response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_error_pages_leave_the_queued_messages_for_the_next_page(client, manager_a):
    client.force_login(manager_a.user)
    client.post(reverse("tenancy:switch-tenant"), {"tenant": manager_a.tenant.slug})
    assert "Now working in" not in client.get("/no-such-page/").content.decode()
    assert "Now working in" in client.get(reverse("crm:lead-list")).content.decode()


# The API keeps answering JSON.


def assert_json(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    return response.json()["detail"]


def test_the_api_answers_errors_in_json(api, client, agent_a, manager_a, admin_b):
    assert assert_json(api(agent_a).get("/api/v1/no-such-route/"), 404) == "Not found."
    foreign = LeadFactory(tenant=admin_b.tenant)
    assert_json(api(agent_a).get(f"/api/v1/leads/{foreign.pk}/"), 404)
    refused = api(manager_a).post(
        reverse("campaign-type-list"), {"type_code": "X", "type_name": "X"}, format="json"
    )
    assert_json(refused, 403)
    assert "not allowed" in assert_json(api(agent_a).delete("/api/v1/me/"), 405)
    # A session request naming a tenant one is not in is refused before any view.
    client.force_login(agent_a.user)
    refused = client.get("/api/v1/me/", HTTP_X_TENANT_ID="gamma")
    assert assert_json(refused, 403) == "You are not a member of tenant 'gamma'."


@pytest.mark.urls(__name__)
def test_an_api_server_error_is_json(db):
    response = Client(raise_request_exception=False).get("/api/v1/boom/")
    assert "Server error" in assert_json(response, 500)
