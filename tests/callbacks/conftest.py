"""Fixtures for the callback tests: a fixed clock, a customer and a factory of callbacks.

Tenants are in UTC unless a test says otherwise, and new CallbackSettings open Monday to Friday,
09:00–17:00. NOW is a Wednesday at 10:00 UTC."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from callbacks.services.requests import callback_create
from crm.services.customers import customer_create
from tenancy.actors import OPERATOR
from tests.factories import with_crm_score

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, monkeypatch):
        self.now = NOW
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """Every `timezone.now()` (the API's and the pages' clock) answers NOW until moved."""
    return Clock(monkeypatch)


@pytest.fixture
def customer(tenant_a):
    return customer_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "Carla", "last_name": "Client", "phone": "+44 20 7946 0958"},
    )


def valuable_customer(tenant, **data):
    """Total spent at the cap, CRM score 100, VIP: the full customer value and VIP parts."""
    customer = customer_create(
        tenant=tenant,
        by=OPERATOR,
        data={
            "first_name": "Vera",
            "last_name": "Valuable",
            "phone": "+15550100000",
            "total_spent": Decimal("25000"),
            **data,
        },
        tags=["vip"],
    )
    return with_crm_score(customer, 100)


@pytest.fixture
def make_callback(tenant_a, manager_a, customer):
    """make_callback(now=…, by=…, **fields): a callback through the service (support reason,
    the fixture customer, created at NOW unless told otherwise)."""

    def make(*, now=NOW, by=manager_a, tenant=tenant_a, **data):
        if "lead" not in data:
            data.setdefault("customer", customer)
        data.setdefault("reason", "support")
        return callback_create(tenant=tenant, by=by, data=data, now=now)

    return make
