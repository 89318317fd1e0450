"""Writes for lead sources, sub-sources and channels.

Codes are unique per tenant among live rows; deactivating hides an entry from new leads,
deleting is soft (the row stays for history, so leads keep their source and the code can be
created again). Exactly one live source is the tenant's default; it cannot be deactivated or
deleted until another source becomes the default.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenancy.models import Tenant
from tenancy.services.common import assign_fields, save_validated

from ..models import LeadChannel, LeadSource, LeadSubSource, SourceType

# Seed 004's source bonuses; a new source whose code matches one starts with that bonus.
SEED_SCORE_BONUS = {"REFERRAL": 20, "WEBSITE": 15, "FACEBOOK": 10, "INSTAGRAM": 10, "WHATSAPP": 5}

_COMMON = {"description", "display_order", "is_active", "metadata"}
SOURCE_FIELDS = _COMMON | {
    "source_code",
    "source_name",
    "source_type",
    "icon",
    "color_hex",
    "is_default",
    "score_bonus",
}
SUB_SOURCE_FIELDS = _COMMON | {
    "sub_source_code",
    "sub_source_name",
    "icon",
    "cost_per_lead",
    "total_cost",
}
CHANNEL_FIELDS = _COMMON | {"channel_code", "channel_name"}


def _clear_other_defaults(source: LeadSource) -> None:
    LeadSource.objects.for_tenant(source.tenant).live().filter(is_default=True).exclude(
        pk=source.pk
    ).update(is_default=False)


@transaction.atomic
def source_create(
    *, tenant: Tenant, data: dict, created_by: AbstractBaseUser | None = None
) -> LeadSource:
    source = LeadSource(tenant=tenant, created_by=created_by)
    data = dict(data)
    data.setdefault("score_bonus", SEED_SCORE_BONUS.get(data.get("source_code"), 0))
    assign_fields(source, data, allowed=SOURCE_FIELDS)
    if not LeadSource.objects.for_tenant(tenant).live().filter(is_default=True).exists():
        source.is_default = True
    if source.is_default:
        _clear_other_defaults(source)
    save_validated(source)
    return source


@transaction.atomic
def source_update(*, source: LeadSource, data: dict) -> LeadSource:
    was_default = source.is_default
    assign_fields(source, data, allowed=SOURCE_FIELDS)
    if source.is_default and not was_default:
        _clear_other_defaults(source)
    save_validated(source)
    return source


def _refuse_if_default(source: LeadSource, action: str) -> None:
    if source.is_default:
        raise ValidationError(
            {
                "is_default": [
                    f"The default source cannot be {action}; make another source the default first."
                ]
            }
        )


@transaction.atomic
def source_deactivate(*, source: LeadSource) -> LeadSource:
    _refuse_if_default(source, "deactivated")
    source.is_active = False
    source.save(update_fields=["is_active", "updated_at"])
    return source


@transaction.atomic
def source_delete(*, source: LeadSource) -> None:
    _refuse_if_default(source, "deleted")
    now = timezone.now()
    source.sub_sources.filter(deleted_at__isnull=True).update(
        deleted_at=now, is_active=False, updated_at=now
    )
    source.mark_deleted()
    source.save(update_fields=["deleted_at", "is_active", "updated_at"])


@transaction.atomic
def sub_source_create(
    *, source: LeadSource, data: dict, created_by: AbstractBaseUser | None = None
) -> LeadSubSource:
    sub = LeadSubSource(tenant=source.tenant, source=source, created_by=created_by)
    assign_fields(sub, data, allowed=SUB_SOURCE_FIELDS)
    save_validated(sub)
    return sub


@transaction.atomic
def sub_source_update(*, sub_source: LeadSubSource, data: dict) -> LeadSubSource:
    assign_fields(sub_source, data, allowed=SUB_SOURCE_FIELDS)
    save_validated(sub_source)
    return sub_source


@transaction.atomic
def channel_create(
    *, tenant: Tenant, data: dict, created_by: AbstractBaseUser | None = None
) -> LeadChannel:
    channel = LeadChannel(tenant=tenant, created_by=created_by)
    assign_fields(channel, data, allowed=CHANNEL_FIELDS)
    save_validated(channel)
    return channel


@transaction.atomic
def channel_update(*, channel: LeadChannel, data: dict) -> LeadChannel:
    assign_fields(channel, data, allowed=CHANNEL_FIELDS)
    save_validated(channel)
    return channel


def entry_deactivate(*, entry: LeadSubSource | LeadChannel) -> None:
    entry.is_active = False
    entry.save(update_fields=["is_active", "updated_at"])


def entry_delete(*, entry: LeadSubSource | LeadChannel) -> None:
    entry.mark_deleted()
    entry.save(update_fields=["deleted_at", "is_active", "updated_at"])


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
