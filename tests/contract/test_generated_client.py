"""A client generated from /api/schema/ with openapi-python-client, as a client developer would
make one: it generates without a warning, every module imports, and against the running app
(`live_server`) it signs in, reads who it is and reads a page of leads into typed objects."""

import datetime
import enum
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from crm.models import LeadStatus
from tenancy.models import Role
from tests.factories import LeadFactory, make_member

PACKAGE = "atrium_api_client"
PASSWORD = "pass-word-1"  # tests.factories.UserFactory's


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """The client package, generated once for the module from the schema the app serves; its
    folder is on sys.path while the module's tests run."""
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
        # Its post-hooks format the code with ruff, which must be on PATH (else a warning).
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(folder)},
        cwd=folder,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    sys.path.insert(0, str(folder))
    yield importlib.import_module(PACKAGE)
    sys.path.remove(str(folder))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def module(name: str):
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_every_generated_module_imports(generated):
    failures, names = [], []
    for info in pkgutil.walk_packages(generated.__path__, prefix=f"{PACKAGE}."):
        names.append(info.name)
        try:
            importlib.import_module(info.name)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, not the first
            failures.append(f"{info.name}: {type(exc).__name__}: {exc}")
    assert not failures, f"{len(failures)} of {len(names)} modules fail to import:\n" + "\n".join(
        failures
    )
    # One module per operation, so a walk that found nothing cannot pass.
    assert f"{PACKAGE}.api.leads.leads_list" in names and len(names) > 150


@pytest.mark.django_db(transaction=True)
def test_the_client_signs_in_and_reads_who_it_is_and_its_leads(generated, live_server, tenant_a):
    member = make_member(tenant_a, "client-manager", Role.MANAGER)
    for name in ("Ada", "Grace", "Hedy"):
        LeadFactory(tenant=tenant_a, first_name=name, status=LeadStatus.QUALIFIED)
    client, models = module("client"), module("models")

    anonymous = client.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    answer = module("api.auth.auth_token_create").sync_detailed(
        client=anonymous,
        body=models.AuthTokenRequest(username="client-manager", password=PASSWORD),
    )
    assert answer.status_code == 200, answer.content
    assert isinstance(answer.parsed, models.AuthToken) and answer.parsed.token
    signed_in = client.AuthenticatedClient(
        base_url=live_server.url,
        token=answer.parsed.token,
        prefix="Token",
        raise_on_unexpected_status=True,
    )

    me = module("api.me.me_retrieve").sync(client=signed_in)
    assert isinstance(me, models.Me)
    assert (me.id, me.username, me.role) == (member.user.pk, "client-manager", "manager")
    assert (me.tenant.slug, me.tenant.name) == ("alpha", "Alpha")

    page = module("api.leads.leads_list").sync(client=signed_in, page_size=2, ordering="first_name")
    assert isinstance(page, models.PaginatedLeadList)
    assert page.count == 3 and page.next_ and "page=2" in page.next_
    assert all(isinstance(lead, models.Lead) for lead in page.results)
    assert [lead.first_name for lead in page.results] == ["Ada", "Grace"]
    first = page.results[0]
    assert isinstance(first.status, enum.Enum) and first.status.value == "QUALIFIED"
    assert isinstance(first.created_at, datetime.datetime) and first.created_at.tzinfo
