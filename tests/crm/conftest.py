"""Fixtures shared by the crm tests: a page client signed in as a member, the manager's API
client, and the two custom fields the customer pages use."""

import pytest

from tests.crm.customers import define


@pytest.fixture
def login(client):
    def log_in(membership):
        client.force_login(membership.user)
        return client

    return log_in


@pytest.fixture
def manager(api, manager_a):
    return api(manager_a)


@pytest.fixture
def tier(tenant_a):
    return define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])


@pytest.fixture
def points(tenant_a):
    return define(tenant_a, "points", "Loyalty points", "number", validation_rules={"min": 0})
