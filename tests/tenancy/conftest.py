import pytest

from tests.factories import LeadFactory
from tests.tenancy.registry import build_world


@pytest.fixture
def world(tenant_b):
    return build_world(tenant_b)


@pytest.fixture
def own_lead(tenant_a, admin_a):
    admin_a.own_lead = LeadFactory(tenant=tenant_a, first_name="Alpha")
    return admin_a.own_lead
