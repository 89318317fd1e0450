"""The demo tenant: realistic, reproducible data for `seed_demo` and `make run`.

This app stands above every other, so it alone may call them all: it creates the tenant and
its logins, then each app's own demo module fills in that app's data, in an order where each
finds the data it builds on (milestones and callbacks follow the leads and customers, campaigns
come last). One random stream runs through crm's and callbacks' data, so the demo is the same on
every run."""

import random

from django.db import transaction

from callbacks.demo import seed_demo_callbacks
from campaigns.demo import seed_demo_campaigns
from crm.demo import seed_demo_crm
from crm.demo_events import seed_demo_events
from milestones.demo import seed_demo_milestones
from tenancy.actors import OPERATOR
from tenancy.models import Role, Tenant
from tenancy.services.members import member_add
from tenancy.services.tenants import tenant_create

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo-pass-123"
DEMO_USERS = [
    ("demo-admin", Role.ADMIN),
    ("demo-manager", Role.MANAGER),
    ("demo-agent", Role.AGENT),
    ("demo-agent2", Role.AGENT),
]


@transaction.atomic
def seed_demo(*, leads: int = 120) -> tuple[Tenant, bool]:
    """Create the demo tenant once; returns (tenant, created)."""
    tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
    if tenant is not None:
        return tenant, False
    tenant = tenant_create(slug=DEMO_SLUG, name="Demo Company", industry="real_estate")
    members = {
        username: member_add(
            by=OPERATOR,
            tenant=tenant,
            username=username,
            role=role,
            password=DEMO_PASSWORD,
            email=f"{username}@example.com",
        )
        for username, role in DEMO_USERS
    }
    rng = random.Random(7)
    seed_demo_crm(tenant=tenant, members=members, rng=rng, leads=leads)
    seed_demo_milestones(tenant=tenant)
    seed_demo_callbacks(tenant=tenant, members=members, rng=rng)
    seed_demo_campaigns(tenant=tenant, by=members["demo-manager"])
    seed_demo_events(tenant=tenant, by=members["demo-manager"])
    return tenant, True
