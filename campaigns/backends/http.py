import json
import urllib.error
import urllib.request

from .base import OutgoingMessage, SendError

TIMEOUT_SECONDS = 10


class HttpBackend:
    """SMS / WhatsApp through a provider's HTTP API: a JSON POST to the channel's endpoint,
    the integration key as bearer token and the execution's key as Idempotency-Key, so a
    provider that deduplicates never delivers one execution twice."""

    def __init__(self, *, endpoint: str, key: str, channel_kind: str):
        self.endpoint = endpoint
        self.key = key
        self.channel_kind = channel_kind

    def open(self) -> None:
        pass

    def send(self, message: OutgoingMessage) -> str:
        payload = json.dumps(
            {
                "channel": self.channel_kind,
                "to": message.to,
                "body": message.body,
                "reference": message.reference,
            }
        ).encode()
        request = urllib.request.Request(
            self.endpoint,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.key}",
                "Idempotency-Key": message.reference,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            # Only the status: the request (with its bearer token) is never put into the error.
            raise SendError(f"The provider answered HTTP {exc.code}.") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SendError(f"Cannot reach the provider: {reason}") from None
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            answer = {}
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""

    def close(self) -> None:
        pass
