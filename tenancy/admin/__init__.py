"""The admin of tenants, members, invitations, the membership log, sign-in locks and the event
outbox."""

from . import events, members, security, tenants  # noqa: F401
