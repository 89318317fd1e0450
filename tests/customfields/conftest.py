"""Fixtures shared by the form builder page tests: a page client signed in as a member, and a
select field of tenant A."""

import pytest

from tests.customfields.builder import define


@pytest.fixture
def login(client):
    def log_in(membership):
        client.force_login(membership.user)
        return client

    return log_in


@pytest.fixture
def tier(tenant_a):
    return define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])
