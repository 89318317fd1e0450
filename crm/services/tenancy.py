"""Creating tenants with their default configuration (members: services/members.py)."""

from django.db import transaction

from ..models import LeadChannel, LeadSource, LeadSubSource, SourceType, Tenant
from ..signals import tenant_created
from .common import save_validated

# The seed's sample configuration (seed 001 "Sample Data"); score bonuses from seed 004's
# auto-scoring (REFERRAL +20, WEBSITE +15, social +10).
DEFAULT_SOURCES = [
    # code, name, type, score bonus, default
    ("WEBSITE", "Website", SourceType.WEBSITE, 15, True),
    ("EMAIL", "Email", SourceType.EMAIL, 0, False),
    ("SOCIAL", "Social media", SourceType.SOCIAL, 10, False),
    ("REFERRAL", "Referral", SourceType.REFERRAL, 20, False),
]
DEFAULT_SUB_SOURCES = {"SOCIAL": [("FACEBOOK", "Facebook"), ("LINKEDIN", "LinkedIn")]}
DEFAULT_CHANNELS = [
    ("DIRECT", "Direct"),
    ("ORGANIC", "Organic"),
    ("PAID", "Paid"),
    ("REFERRAL", "Referral"),
]


def install_default_lead_configuration(*, tenant: Tenant) -> None:
    for order, (code, name, source_type, bonus, is_default) in enumerate(DEFAULT_SOURCES):
        source = LeadSource.objects.create(
            tenant=tenant,
            source_code=code,
            source_name=name,
            source_type=source_type,
            score_bonus=bonus,
            is_default=is_default,
            display_order=order,
        )
        for sub_order, (sub_code, sub_name) in enumerate(DEFAULT_SUB_SOURCES.get(code, [])):
            LeadSubSource.objects.create(
                tenant=tenant,
                source=source,
                sub_source_code=sub_code,
                sub_source_name=sub_name,
                display_order=sub_order,
            )
    LeadChannel.objects.bulk_create(
        LeadChannel(tenant=tenant, channel_code=code, channel_name=name, display_order=order)
        for order, (code, name) in enumerate(DEFAULT_CHANNELS)
    )


@transaction.atomic
def tenant_create(
    *,
    slug: str,
    name: str,
    industry: str = "other",
    timezone: str = "UTC",
    currency: str = "USD",
) -> Tenant:
    tenant = Tenant(slug=slug, name=name, industry=industry, timezone=timezone, currency=currency)
    save_validated(tenant)
    tenant_install_defaults(tenant=tenant)
    return tenant


def tenant_install_defaults(*, tenant: Tenant) -> None:
    """The configuration every new tenant starts with; each app adds its part on the signal."""
    install_default_lead_configuration(tenant=tenant)
    tenant_created.send(sender=Tenant, tenant=tenant)
