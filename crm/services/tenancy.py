"""Creating tenants and members (used by the commands, the admin and the demo)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import LeadChannel, LeadSource, LeadSubSource, Membership, Role, SourceType, Tenant
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


@transaction.atomic
def member_add(
    *,
    tenant: Tenant,
    username: str,
    role: str,
    password: str | None = None,
    email: str = "",
) -> Membership:
    """Create the user if needed and give it `role` in `tenant` (updating an existing role)."""
    if role not in Role.values:
        raise ValidationError({"role": [f"Choose one of {', '.join(Role.values)}."]})
    check_new_member(username=username, password=password)
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, email=email)
        user.set_password(password)
        save_validated(user, exclude=["password"])
    else:
        if password:
            user.set_password(password)
        if email:
            user.email = email
        user.save()
    membership, _ = Membership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": role, "is_active": True}
    )
    sync_staff_flag(user)
    return membership


def check_new_member(*, username: str, password: str | None) -> None:
    if not password and not get_user_model().objects.filter(username=username).exists():
        raise ValidationError({"password": ["A new user needs a password."]})


def sync_staff_flag(user: AbstractUser) -> None:
    """Tenant admins log in to /admin/; Django asks for is_staff, so keep it in step with roles."""
    is_staff = (
        user.is_superuser
        or user.memberships.filter(role=Role.ADMIN, is_active=True, tenant__is_active=True).exists()
    )
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
