"""The schema is the truth: schemathesis generates requests from /api/schema/ for every
operation (valid and invalid input) and sends them to the app as a manager and as an agent of a
tenant that has data, with the checks `not_a_server_error` and `response_schema_conformance`.

Deterministic (hypothesis derandomized) and bounded: a few examples per operation."""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.config import SchemathesisConfig

from tenancy.models import Role
from tests.factories import LeadFactory, make_member

EXAMPLES = 12
# The examples and the fuzzing phases, seeded; the coverage phase (some hundred boundary
# cases per operation) would take most of an hour on two cores.
CONFIG = SchemathesisConfig.from_str(
    """
seed = 20261206

[phases.coverage]
enabled = false

[phases.stateful]
enabled = false
"""
)

schema = schemathesis.pytest.from_fixture("api_schema")
# While working on one part of the API: CONTRACT_PATHS=/api/v1/leads (a regex of paths).
if os.environ.get("CONTRACT_PATHS"):
    schema = schema.include(path_regex=os.environ["CONTRACT_PATHS"])


@pytest.fixture
def api_schema(db):
    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)


def credentials_of(tenant, role: str) -> dict:
    member = make_member(tenant, f"contract-{role}", role)
    LeadFactory.create_batch(3, tenant=tenant, assigned_to=member.user)
    token = Token.objects.create(user=member.user)
    return {"Authorization": f"Token {token.key}"}


@pytest.fixture
def as_manager(tenant_a):
    return credentials_of(tenant_a, Role.MANAGER)


@pytest.fixture
def as_agent(tenant_a):
    return credentials_of(tenant_a, Role.AGENT)


CHECKS = [not_a_server_error, response_schema_conformance]
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@BOUNDED
def test_every_operation_answers_a_manager_as_documented(case, as_manager):
    case.call_and_validate(headers=as_manager, checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_every_operation_answers_an_agent_as_documented(case, as_agent):
    case.call_and_validate(headers=as_agent, checks=CHECKS)
