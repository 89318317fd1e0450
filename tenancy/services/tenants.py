"""Creating tenants with their default configuration (members: services/members.py). Each app
installs its own part of the defaults on the tenant_created signal, so this module names none."""

from django.db import transaction

from ..models import Tenant
from ..signals import tenant_created, tenant_timezone_changed
from .common import assign_fields, save_validated


@transaction.atomic
def tenant_create(
    *,
    slug: str,
    name: str,
    industry: str = "other",
    timezone: str = "UTC",
    currency: str = "USD",
    industry_template: bool = True,
) -> Tenant:
    """A new tenant with every app's default configuration, its industry's customer fields
    included: the command, the admin and every other caller get the same. (Tests that need a
    tenant without custom fields pass `industry_template=False`.) `tenant.setup_report` holds
    what the apps said they installed (lines for the operator)."""
    tenant = Tenant(slug=slug, name=name, industry=industry, timezone=timezone, currency=currency)
    save_validated(tenant)
    responses = tenant_created.send(
        sender=Tenant, tenant=tenant, industry_template=industry_template
    )
    tenant.setup_report = [line for _, line in responses if line]
    return tenant


TENANT_EDITABLE_FIELDS = ("name", "industry", "timezone", "currency", "is_active")


@transaction.atomic
def tenant_update(*, tenant: Tenant, data: dict) -> Tenant:
    """Change a tenant's settings (an operator's act: the slug is its address and stays)."""
    changes = assign_fields(tenant, data, allowed=TENANT_EDITABLE_FIELDS)
    save_validated(tenant)
    if "timezone" in changes:
        tenant_timezone_changed.send(sender=Tenant, tenant=tenant)
    return tenant
