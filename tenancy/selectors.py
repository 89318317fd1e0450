"""Which tenant a request acts in, and as whom."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from .models import Membership, Role, Tenant


def members_of(tenant: Tenant) -> QuerySet:
    """Users who are active members of the tenant: whom a lead can be assigned to."""
    return (
        get_user_model()
        .objects.filter(memberships__tenant=tenant, memberships__is_active=True)
        .order_by("username")
    )


def switchable_tenants(user: AbstractBaseUser, request=None) -> list[Tenant]:
    """The tenants the user may switch to: their own, or every active one for a superuser.
    With the request, a page's user's memberships as `membership_for_request` read them."""
    if user.is_superuser:
        return list(Tenant.objects.filter(is_active=True))
    read = getattr(request, MEMBERSHIPS_ATTR, None)
    memberships = read[1] if read is not None and read[0] == user.pk else memberships_of(user)
    return [membership.tenant for membership in memberships]


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
        if "\x00" in requested_slug:  # no slug holds one (and PostgreSQL cannot compare it)
            raise PermissionDenied("A tenant slug has no null characters.")
        membership = memberships.filter(tenant__slug=requested_slug).first()
        if membership is None and user.is_superuser:
            tenant = Tenant.objects.filter(slug=requested_slug, is_active=True).first()
            if tenant is not None:
                membership = Membership(tenant=tenant, user=user, role=Role.ADMIN)
        if membership is None:
            raise PermissionDenied(f"You are not a member of tenant '{requested_slug}'.")
        return membership
    return memberships.first()


TENANT_HEADER = "X-Tenant-ID"
SESSION_KEY = "tenant_slug"
MEMBERSHIPS_ATTR = "_tenancy_memberships"  # (user id, the user's memberships) on a request


def membership_for_request(request) -> Membership | None:
    """The one resolver of the membership a request acts under, for pages, the admin and the
    API alike (session or token sign-in).

    The X-Tenant-ID header (a tenant slug) picks among several memberships and is refused
    (PermissionDenied) when the user is not a member. Without it, the tenant the user chose with
    the switcher (kept in the session) applies while the user is still a member there; else the
    user's first membership."""
    user = request.user
    if not user.is_authenticated:
        return None
    header = request.headers.get(TENANT_HEADER) or None
    if header:
        return resolve_membership(user, header)
    # A member's few memberships, read once: the one the request acts under is picked here,
    # and a page's tenant switcher lists them (`switchable_tenants`).
    memberships = list(memberships_of(user))
    setattr(request, MEMBERSHIPS_ATTR, (user.pk, memberships))
    session = getattr(request, "session", None)
    chosen = session.get(SESSION_KEY) if session is not None else None
    if chosen:
        for membership in memberships:
            if membership.tenant.slug == chosen:
                return membership
        try:
            return resolve_membership(user, chosen)  # a superuser's tenant, else refused
        except PermissionDenied:
            session.pop(SESSION_KEY, None)
    return memberships[0] if memberships else None
