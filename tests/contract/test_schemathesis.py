"""The schema is the truth: schemathesis generates requests from /api/schema/ for every operation
(valid and invalid input) and sends them to the app, signed in with a token, as a manager and as
an agent of the demo tenant (leads, customers, custom fields, callbacks, milestones, campaigns).
Path parameters are the member's real keys most of the time (tests/contract/conftest.py), so the
objects themselves are read, changed and deleted, not only missed.

Checks: `not_a_server_error`, `response_schema_conformance`, `content_type_conformance` (every
answer in a media type the operation documents) and `status_code_conformance` (every status
answered is documented for its operation, refusals included).

No operation is excluded. Each generated request runs in a savepoint that is rolled back, so
every case starts from the same seeded tenant whatever the cases before it deleted or changed;
the run is deterministic (fixed seed, derandomized) and bounded: EXAMPLES per operation and
phase, the coverage phase (some hundred boundary cases per operation, most of an hour on two
cores) and the stateful phase off.

A failure is reported per operation (the test id ends in `[METHOD /path]`) with the check that
failed, the response and a curl command that reproduces it. While working on one part of the
API: CONTRACT_PATHS=/api/v1/leads (a regex of paths) runs only those operations."""

import contextlib
import io
import logging
import os

import pytest
import schemathesis
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.contract.conftest import REAL_KEY_PROBABILITY, path_values, signed_in

SEED = 20261206
EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    status_code_conformance,
]


def contract_config(paths, member) -> SchemathesisConfig:
    """Seeded, coverage and stateful phases off, and each path parameter bound to a dictionary
    of the member's real keys."""
    dictionaries, operations = {}, {}
    for (path, parameter), keys in path_values(paths, member).items():
        name = f"{parameter} of {path}"
        dictionaries[name] = {"values": keys}
        binding = {"dictionary": name, "probability": REAL_KEY_PROBABILITY}
        operations.setdefault(path, {"include-path": path, "parameters": {}})
        operations[path]["parameters"][f"path.{parameter}"] = binding
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
            "dictionaries": dictionaries,
            "operations": list(operations.values()),
        }
    )


def schema_for(member, wsgi_application):
    # The schema's own warnings are test_schema_warnings.py's to report, not every failure's.
    with contextlib.redirect_stderr(io.StringIO()):
        raw = Client().get("/api/schema/", {"format": "json"}).json()
    schema = schemathesis.openapi.from_dict(raw, config=contract_config(raw["paths"], member))
    schema.app = wsgi_application
    return schema


@pytest.fixture(autouse=True)
def quiet_request_log(caplog):
    """Django logs every 4xx as a warning; thousands of them would bury a failure's report."""
    caplog.set_level(logging.ERROR, logger="django.request")


@pytest.fixture
def manager(demo_tenant):
    return signed_in(demo_tenant, "demo-manager")


@pytest.fixture
def agent(demo_tenant):
    return signed_in(demo_tenant, "demo-agent")


@pytest.fixture
def as_manager(manager, wsgi_application):
    return schema_for(manager.member, wsgi_application)


@pytest.fixture
def as_agent(agent, wsgi_application):
    return schema_for(agent.member, wsgi_application)


def call_and_roll_back(case, headers: dict[str, str]) -> None:
    with transaction.atomic():
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        finally:
            transaction.set_rollback(True)


BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

manager_schema = schemathesis.pytest.from_fixture("as_manager")
agent_schema = schemathesis.pytest.from_fixture("as_agent")
if os.environ.get("CONTRACT_PATHS"):
    manager_schema = manager_schema.include(path_regex=os.environ["CONTRACT_PATHS"])
    agent_schema = agent_schema.include(path_regex=os.environ["CONTRACT_PATHS"])


@manager_schema.parametrize()
@BOUNDED
def test_every_operation_answers_a_manager_as_documented(case, manager):
    call_and_roll_back(case, manager.headers)


@agent_schema.parametrize()
@BOUNDED
def test_every_operation_answers_an_agent_as_documented(case, agent):
    call_and_roll_back(case, agent.headers)
