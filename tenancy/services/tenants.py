"""Creating tenants with their default configuration (members: services/members.py). Each app
installs its own part of the defaults on the tenant_created signal, so this module names none."""

from django.db import transaction

from ..models import Tenant
from ..signals import tenant_created
from .common import save_validated


@transaction.atomic
def tenant_create(
    *,
    slug: str,
    name: str,
    industry: str = "other",
    timezone: str = "UTC",
    currency: str = "USD",
    industry_template: bool = False,
) -> Tenant:
    """A new tenant with every app's default configuration; with `industry_template`, also the
    customer fields of its industry's template. `tenant.setup_report` holds what the apps said
    they installed (lines for the operator)."""
    tenant = Tenant(slug=slug, name=name, industry=industry, timezone=timezone, currency=currency)
    save_validated(tenant)
    tenant_install_defaults(tenant=tenant, industry_template=industry_template)
    return tenant


def tenant_install_defaults(*, tenant: Tenant, industry_template: bool = False) -> None:
    """The configuration every new tenant starts with; each app adds its part on the signal."""
    responses = tenant_created.send(
        sender=Tenant, tenant=tenant, industry_template=industry_template
    )
    tenant.setup_report = [line for _, line in responses if line]
