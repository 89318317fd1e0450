"""Lead sources, sub-sources and channels: their config-entry specs and the defaults a new
tenant starts with.

Each is a config entry (tenancy.services.config_entries): codes unique per tenant among live
rows, deactivating hides an entry from new leads, deleting is soft (leads keep their source and
the code can be created again). Exactly one live source is the tenant's default; deleting a
source deletes its sub-sources.
"""

from django.utils import timezone

from tenancy.models import Tenant
from tenancy.services.config_entries import ConfigSpec, register

from ..models import LeadChannel, LeadSource, LeadSubSource, SourceType
from ..selectors.leads import LEAD_FIGURES

# A new source whose code is one of these starts with that score bonus (referrals and the
# website bring the warmest leads).
DEFAULT_SCORE_BONUS = {
    "REFERRAL": 20,
    "WEBSITE": 15,
    "FACEBOOK": 10,
    "INSTAGRAM": 10,
    "WHATSAPP": 5,
}


def _with_score_bonus(data: dict) -> dict:
    return {"score_bonus": DEFAULT_SCORE_BONUS.get(data.get("source_code"), 0), **data}


def _delete_sub_sources(source: LeadSource) -> None:
    now = timezone.now()
    source.sub_sources.filter(deleted_at__isnull=True).update(
        deleted_at=now, is_active=False, updated_at=now
    )


SOURCES = register(
    ConfigSpec(
        LeadSource,
        fields=(
            "source_code",
            "source_name",
            "source_type",
            "icon",
            "color_hex",
            "is_default",
            "score_bonus",
        ),
        noun="source",
        flag_noun="default source",
        initial=_with_score_bonus,
        on_delete=_delete_sub_sources,
        figures_scope=LEAD_FIGURES,
    )
)
SUB_SOURCES = register(
    ConfigSpec(
        LeadSubSource,
        fields=("sub_source_code", "sub_source_name", "icon", "cost_per_lead", "total_cost"),
        noun="sub-source",
        figures_scope=LEAD_FIGURES,
    )
)
CHANNELS = register(
    ConfigSpec(LeadChannel, fields=("channel_code", "channel_name"), noun="channel")
)


# What a new tenant starts with; the score bonuses follow DEFAULT_SCORE_BONUS's reasoning.
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


def install_default_lead_configuration(*, tenant: Tenant, **signal_kwargs) -> None:
    """The lead sources and channels a new tenant starts with (a tenant_created receiver)."""
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
