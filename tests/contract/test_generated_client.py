"""A client generated from /api/schema/ with openapi-python-client, as a client developer would
make one: it generates without warnings, every module imports, and it signs in and reads
`me/` against the running app."""

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tenancy.models import Role
from tests.factories import make_member

PACKAGE = "atrium_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """The client package, generated once for the module; its folder is put on sys.path."""
    with django_db_blocker.unblock():
        schema = Client().get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    folder = tmp_path_factory.mktemp("client")
    (folder / "schema.json").write_text(json.dumps(schema.json()))
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(folder / "schema.json"),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(folder)},
        cwd=folder,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    sys.path.insert(0, str(folder))
    yield importlib.import_module(PACKAGE)
    sys.path.remove(str(folder))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def test_every_generated_module_imports(generated):
    failures, count = [], 0
    for info in pkgutil.walk_packages(generated.__path__, prefix=f"{PACKAGE}."):
        count += 1
        try:
            importlib.import_module(info.name)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, not the first
            failures.append(f"{info.name}: {type(exc).__name__}: {exc}")
    assert count > 100
    assert not failures, "\n".join(failures)


@pytest.mark.django_db(transaction=True)
def test_the_client_signs_in_and_reads_who_it_is(generated, live_server, tenant_a):
    member = make_member(tenant_a, "client-manager", Role.MANAGER)
    member.user.set_password("a-Long-pass-1")
    member.user.save()
    client_module = importlib.import_module(f"{PACKAGE}.client")
    token_api = importlib.import_module(f"{PACKAGE}.api.auth.auth_token_create")
    me_api = importlib.import_module(f"{PACKAGE}.api.me.me_retrieve")
    models = importlib.import_module(f"{PACKAGE}.models")

    anonymous = client_module.Client(base_url=live_server.url)
    answer = token_api.sync_detailed(
        client=anonymous,
        body=models.AuthTokenRequest(username="client-manager", password="a-Long-pass-1"),
    )
    assert answer.status_code == 200, answer.content
    token = answer.parsed.token
    signed_in = client_module.AuthenticatedClient(
        base_url=live_server.url, token=token, prefix="Token"
    )
    me = me_api.sync(client=signed_in)
    assert (me.username, me.role, me.tenant.slug) == ("client-manager", "manager", "alpha")
