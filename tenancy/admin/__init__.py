"""The admin of tenants, members, invitations, the membership log and sign-in locks."""

from . import members, security, tenants  # noqa: F401
