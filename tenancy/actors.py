"""Who makes a change: the actor every write service takes as `by`.

An actor is a tenant membership (a superuser's carries `is_superuser` on its user) or the
command line's OPERATOR, outside any tenant. Services check the actor's role themselves with
`require_role`; the API, pages and admin only translate the refusal (PermissionDenied)."""

from collections.abc import Collection
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from .models import Membership, Role, Tenant
from .selectors import resolve_membership


@dataclass(frozen=True)
class Operator:
    """The actor of a change made from the command line or by a superuser without a
    membership in the tenant."""

    name: str = "operator"


OPERATOR = Operator()

Actor = Membership | Operator


def is_operator(by: Actor) -> bool:
    return isinstance(by, Operator) or bool(by.user.is_superuser and by.user.is_active)


def actor_user(by: Actor):
    """The user to record as having made the change (None for the operator)."""
    return None if isinstance(by, Operator) else by.user


def require_role(by: Actor, *, tenant: Tenant, roles: Collection[str], message: str = "") -> None:
    """Refuse unless `by` is an operator or an active member of `tenant` with one of `roles`."""
    if is_operator(by):
        return
    if not isinstance(by, Membership) or by.tenant_id != tenant.pk or not by.is_active:
        raise PermissionDenied(message or "You are not a member of this tenant.")
    if by.role not in roles:
        names = ", ".join(str(Role(role).label).lower() + "s" for role in roles)
        raise PermissionDenied(message or f"Only {names} may do this.")


def actor_for_request(request, tenant: Tenant) -> Membership:
    """The actor of an admin request on `tenant`: the user's membership there (a superuser acts
    as the tenant's admin); PermissionDenied when the user is not a member."""
    membership = getattr(request, "membership", None)
    if membership is not None and membership.tenant_id == tenant.pk:
        return membership
    return resolve_membership(request.user, tenant.slug)
