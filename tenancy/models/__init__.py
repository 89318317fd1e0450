from .access import Invitation, LoginLock, LoginLockKind, MembershipAction, MembershipEvent
from .events import EventStatus, OutboxEvent
from .tenants import (
    INDUSTRY_CHOICES,
    Membership,
    Role,
    Tenant,
    TenantOwned,
    TenantQuerySet,
    validate_currency,
    validate_timezone,
)

__all__ = [
    "EventStatus",
    "OutboxEvent",
    "INDUSTRY_CHOICES",
    "Invitation",
    "LoginLock",
    "LoginLockKind",
    "Membership",
    "MembershipAction",
    "MembershipEvent",
    "Role",
    "Tenant",
    "TenantOwned",
    "TenantQuerySet",
    "validate_currency",
    "validate_timezone",
]
