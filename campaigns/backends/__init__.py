"""Sending backends. Email goes through Django's email framework (SMTP in production, whatever
EMAIL_BACKEND says); SMS and WhatsApp go through the channel's backend: `http` (a JSON POST to the
channel's endpoint with its integration key as bearer token) or `console` (prints, for
development). Every backend has the same shape: open(), send(message) -> provider id, close();
a refused message raises SendError, whose text never carries the channel's secrets."""

from ..models import CampaignChannel, ChannelKind
from .base import Backend, OutgoingMessage, SendError
from .console import ConsoleBackend
from .http import HttpBackend
from .mail import MailBackend


def get_backend(channel: CampaignChannel) -> Backend:
    if channel.kind == ChannelKind.EMAIL:
        return MailBackend(from_email=channel.integration_data.get("from_email") or None)
    if channel.integration_data.get("backend") == "http":
        return HttpBackend(
            endpoint=channel.integration_data["endpoint"],
            key=channel.integration_key,
            channel_kind=channel.kind,
        )
    return ConsoleBackend(channel_kind=channel.kind)


__all__ = ["Backend", "OutgoingMessage", "SendError", "get_backend"]
