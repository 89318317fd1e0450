"""Who may act where: invitations to a tenant, the record of every membership change, and the
login locks that stop password guessing."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .tenants import Role, TenantOwned


class Invitation(TenantOwned):
    """An offer of membership sent by email. The link carries a signed token naming this row and
    its nonce; accepting it once (signed in as oneself) makes the membership, and then it is
    spent. Until then the invited person is not a member and nothing about their account is
    touched."""

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    nonce = models.CharField(max_length=64, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="invitation_tenant_created")]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.tenant}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class MembershipAction(models.TextChoices):
    ADDED = "added", "Added"
    ROLE_CHANGED = "role_changed", "Role changed"
    DEACTIVATED = "deactivated", "Deactivated"
    REACTIVATED = "reactivated", "Reactivated"
    REMOVED = "removed", "Removed"
    INVITED = "invited", "Invited"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
    INVITATION_REVOKED = "invitation_revoked", "Invitation revoked"


class MembershipEvent(TenantOwned):
    """One change to who belongs to a tenant: who did it, to whom, what, when. Written by the
    member services only, shown read-only to the tenant's admins."""

    action = models.CharField(max_length=32, choices=MembershipAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when an operator acted from the command line.",
    )
    # The subject is kept by name too: a removed member's user may be deleted later.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=254)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="membership_event_recent")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.subject}"


class LoginLockKind(models.TextChoices):
    ACCOUNT = "account", "Account"
    ADDRESS = "address", "Address"


class LoginLock(models.Model):
    """A lock put on an account or an address after too many wrong passwords. The counting
    lives in the shared cache; this row is the lasting record a superuser reviews (and may
    lift) in the admin."""

    kind = models.CharField(max_length=16, choices=LoginLockKind.choices)
    value = models.CharField(max_length=254)
    failures = models.PositiveIntegerField()
    locked_at = models.DateTimeField(auto_now_add=True)
    locked_until = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-locked_at", "-pk"]
        indexes = [models.Index(fields=["kind", "value", "locked_until"], name="login_lock_key")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} locked until {self.locked_until:%H:%M}"


__all__ = [
    "Invitation",
    "LoginLock",
    "LoginLockKind",
    "MembershipAction",
    "MembershipEvent",
]
