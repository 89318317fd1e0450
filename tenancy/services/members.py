"""Who belongs to a tenant: adding members, changing their role, removing them, and inviting
people by email. Every change is recorded as a MembershipEvent.

A user's identity (password, email, active flag, staff and superuser status) belongs to the
user. A tenant admin may create a *new* user for their tenant, or invite anyone by email; they
may never set anything on an account that already exists, whoever it belongs to. Only an
operator (the `add_member` command, a superuser) may do that."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..actors import Actor, Operator, actor_user, is_operator
from ..models import Invitation, Membership, MembershipAction, MembershipEvent, Role, Tenant
from .common import save_validated

INVITATION_SALT = "atrium.invitation"


# One wording whatever the reason, so the add form does not tell which usernames exist.
USERNAME_UNAVAILABLE = (
    "This username cannot be used here. Choose another one, or invite the person by email "
    "(Invitations) so they join with their own account."
)
USERNAME_UNAVAILABLE_SIGNUP = "This username cannot be used. Choose another one."


def _check_admin(by: Actor, tenant: Tenant) -> None:
    if is_operator(by):
        return
    if by.tenant_id != tenant.pk or by.role != Role.ADMIN or not by.is_active:
        raise PermissionDenied("Only the tenant's admins manage its members.")


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": [f"Choose one of {', '.join(Role.labels)}."]})


def record_membership_event(
    *, tenant: Tenant, action: str, by: Actor, user=None, subject: str = "", detail: str = ""
) -> MembershipEvent:
    return MembershipEvent.objects.create(
        tenant=tenant,
        action=action,
        actor=actor_user(by),
        user=user,
        subject=subject or (user.get_username() if user else ""),
        detail=detail[:300],
    )


@transaction.atomic
def member_add(
    *,
    tenant: Tenant,
    username: str,
    role: str,
    by: Actor,
    password: str | None = None,
    email: str = "",
) -> Membership:
    """Give `username` the role `role` in `tenant`, creating the user when it does not exist.

    A tenant admin may only create new users (with a password). An operator may also add an
    existing user and, when asked, set that user's password and email."""
    _check_admin(by, tenant)
    _check_role(role)
    if not password and not is_operator(by):
        # Before the lookup: an existing and an unknown username get the same answer.
        raise ValidationError({"password": ["A new user needs a password."]})
    User = get_user_model()
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None and not is_operator(by):
        # A look-alike of an existing name ("Beta-Admin" beside "beta-admin") is refused in the
        # same words, so no one is impersonated and nothing tells which names exist.
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": [USERNAME_UNAVAILABLE]})
    if user is None:
        if not password:
            raise ValidationError({"password": ["A new user needs a password."]})
        user = _new_user(username=username, email=email, password=password)
    elif not is_operator(by):
        # An existing account belongs to its owner, wherever else it is a member: a tenant
        # admin invites it instead of taking it over.
        raise ValidationError({"username": [USERNAME_UNAVAILABLE]})
    else:
        user_fields = []
        if password:
            user.set_password(password)
            user_fields.append("password")
        if email:
            user.email = email
            user_fields.append("email")
        if user_fields:
            save_validated(user, exclude=[f for f in ("password",) if f in user_fields])
    return _grant(tenant=tenant, user=user, role=role, by=by)


def _new_user(*, username: str, email: str, password: str):
    """A new account, its password held to the site's password rules (AUTH_PASSWORD_VALIDATORS)."""
    user = get_user_model()(username=username, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    save_validated(user, exclude=["password"])
    return user


def _grant(*, tenant: Tenant, user, role: str, by: Actor, detail: str = "") -> Membership:
    existing = Membership.objects.select_for_update().filter(tenant=tenant, user=user).first()
    if existing is None:
        membership = Membership.objects.create(tenant=tenant, user=user, role=role)
        record_membership_event(
            tenant=tenant,
            action=MembershipAction.ADDED,
            by=by,
            user=user,
            detail=detail or f"as {membership.get_role_display()}",
        )
    else:
        membership = _change(existing, role=role, is_active=True, by=by)
    sync_staff_flag(user)
    return membership


def _change(membership: Membership, *, role: str, is_active: bool, by: Actor) -> Membership:
    old_role_label = membership.get_role_display()
    changed = []
    if membership.role != role:
        membership.role = role
        changed.append("role")
        record_membership_event(
            tenant=membership.tenant,
            action=MembershipAction.ROLE_CHANGED,
            by=by,
            user=membership.user,
            detail=f"{old_role_label} → {membership.get_role_display()}",
        )
    if membership.is_active != is_active:
        membership.is_active = is_active
        changed.append("is_active")
        record_membership_event(
            tenant=membership.tenant,
            action=MembershipAction.REACTIVATED if is_active else MembershipAction.DEACTIVATED,
            by=by,
            user=membership.user,
        )
    if changed:
        membership.save(update_fields=changed)
    return membership


@transaction.atomic
def membership_update(
    *, membership: Membership, by: Actor, role: str | None = None, is_active: bool | None = None
) -> Membership:
    """Change a member's role or active flag in this tenant; the user's account is untouched."""
    _check_admin(by, membership.tenant)
    role = membership.role if role is None else role
    _check_role(role)
    is_active = membership.is_active if is_active is None else is_active
    if not is_operator(by) and membership.pk == getattr(by, "pk", None):
        if role != Role.ADMIN:
            raise ValidationError({"role": ["You cannot take away your own admin role."]})
        if not is_active:
            raise ValidationError(
                {"is_active": ["You cannot deactivate yourself; ask another admin."]}
            )
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _change(membership, role=role, is_active=is_active, by=by)
    sync_staff_flag(membership.user)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: Actor) -> None:
    """Take the user out of the tenant; the account itself stays."""
    _check_admin(by, membership.tenant)
    if not is_operator(by) and membership.pk == getattr(by, "pk", None):
        raise ValidationError("You cannot remove yourself; ask another admin.")
    user = membership.user
    record_membership_event(
        tenant=membership.tenant,
        action=MembershipAction.REMOVED,
        by=by,
        user=user,
        detail=f"was {membership.get_role_display()}",
    )
    membership.delete()
    sync_staff_flag(user)


def sync_staff_flag(user: AbstractUser) -> None:
    """Tenant admins log in to /admin/; Django asks for is_staff, so keep it in step with roles.
    A superuser's flag is never lowered."""
    is_staff = (
        user.is_superuser
        or user.memberships.filter(role=Role.ADMIN, is_active=True, tenant__is_active=True).exists()
    )
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


# ---------------------------------------------------------------------------------------------
# Invitations


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    path = reverse("tenancy:invitation-accept", kwargs={"token": invitation_token(invitation)})
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def invitation_create(*, tenant: Tenant, email: str, role: str, by: Actor) -> Invitation:
    """Invite whoever reads `email` to join `tenant` with `role`, and send the link (after the
    transaction commits, so a rolled-back invitation sends nothing). The same answer whether or
    not an account with that address exists."""
    _check_admin(by, tenant)
    _check_role(role)
    invitation = Invitation(
        tenant=tenant,
        email=(email or "").strip(),
        role=role,
        nonce=secrets.token_urlsafe(24),
        invited_by=actor_user(by),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    save_validated(invitation)
    record_membership_event(
        tenant=tenant,
        action=MembershipAction.INVITED,
        by=by,
        subject=invitation.email,
        detail=f"as {invitation.get_role_display()}",
    )
    url = invitation_url(invitation)
    inviter = "An administrator" if isinstance(by, Operator) else by.user.get_username()
    transaction.on_commit(
        lambda: send_mail(
            subject=f"You are invited to {tenant.name} on Atrium",
            message=(
                f"{inviter} invites you to join {tenant.name} on Atrium as "
                f"{invitation.get_role_display().lower()}.\n\n"
                f"Sign in (or create your account) and accept here:\n{url}\n\n"
                f"The link works once and expires on {invitation.expires_at:%Y-%m-%d}. "
                "If you did not expect it, ignore this message."
            ),
            from_email=None,
            recipient_list=[invitation.email],
        )
    )
    return invitation


class InvitationInvalid(Exception):
    """The link is unknown, tampered with, expired, revoked or already used."""


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation a link names, or InvitationInvalid (one answer for every reason,
    so a link reveals nothing about other invitations)."""
    try:
        payload = signing.loads(
            token,
            salt=INVITATION_SALT,
            max_age=timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        pk, nonce = int(payload["i"]), str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvitationInvalid from exc
    invitation = (
        Invitation.objects.select_related("tenant")
        .filter(pk=pk, accepted_at__isnull=True, revoked_at__isnull=True, tenant__is_active=True)
        .first()
    )
    if (
        invitation is None
        or not secrets.compare_digest(invitation.nonce, nonce)
        or invitation.expires_at <= timezone.now()
    ):
        raise InvitationInvalid
    return invitation


ROLE_RANK = {Role.AGENT: 0, Role.MANAGER: 1, Role.ADMIN: 2}


@transaction.atomic
def invitation_accept(*, token: str, user: AbstractUser) -> Membership:
    """The signed-in `user` accepts the invitation: they become a member with its role, once.
    An existing membership keeps the higher of the two roles and is made active."""
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationInvalid
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    tenant = invitation.tenant
    existing = Membership.objects.filter(tenant=tenant, user=user).first()
    role = invitation.role
    if existing is not None and ROLE_RANK[existing.role] > ROLE_RANK[role]:
        role = existing.role
    # The invitee acts on their own behalf: an unsaved membership names them as the actor.
    actor = Membership(tenant=tenant, user=user, role=role)
    record_membership_event(
        tenant=tenant,
        action=MembershipAction.INVITATION_ACCEPTED,
        by=actor,
        user=user,
        detail=f"invitation for {invitation.email}",
    )
    return _grant(tenant=tenant, user=user, role=role, by=actor)


@transaction.atomic
def invitation_accept_as_new_user(*, token: str, username: str, password: str) -> Membership:
    """Someone without an account accepts: a new user is made with the invitation's email,
    then joins. An existing username is refused with the same words as the add form."""
    invitation = invitation_from_token(token)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [USERNAME_UNAVAILABLE_SIGNUP]})
    user = _new_user(username=username, email=invitation.email, password=password)
    return invitation_accept(token=token, user=user)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: Actor) -> Invitation:
    _check_admin(by, invitation.tenant)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has been accepted already.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record_membership_event(
            tenant=invitation.tenant,
            action=MembershipAction.INVITATION_REVOKED,
            by=by,
            subject=invitation.email,
        )
    return invitation
