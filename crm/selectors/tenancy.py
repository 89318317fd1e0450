"""Which tenant a request acts in, and as whom."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

from ..models import Membership, Role, Tenant


def memberships_of(user: AbstractBaseUser):
    return (
        Membership.objects.filter(user=user, is_active=True, tenant__is_active=True)
        .select_related("tenant")
        .order_by("created_at", "pk")
    )


def resolve_membership(user: AbstractBaseUser, requested_slug: str | None) -> Membership | None:
    """The membership a request acts under.

    `requested_slug` (the X-Tenant-ID header or the tenant switcher) picks among the user's
    memberships; a slug the user is not a member of is refused. Without one, the user's first
    membership applies. A superuser may act in any active tenant, as its admin (an unsaved
    membership carries the role).
    """
    if not user.is_authenticated:
        return None
    memberships = memberships_of(user)
    if requested_slug:
        membership = memberships.filter(tenant__slug=requested_slug).first()
        if membership is None and user.is_superuser:
            tenant = Tenant.objects.filter(slug=requested_slug, is_active=True).first()
            if tenant is not None:
                membership = Membership(tenant=tenant, user=user, role=Role.ADMIN)
        if membership is None:
            raise PermissionDenied(f"You are not a member of tenant '{requested_slug}'.")
        return membership
    return memberships.first()
