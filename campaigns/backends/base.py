from dataclasses import dataclass, field
from typing import Protocol


class SendError(Exception):
    """The provider refused or could not be reached; the message was not handed off."""


@dataclass
class OutgoingMessage:
    to: str
    body: str
    reference: str  # the execution's idempotency key
    subject: str = ""
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Backend(Protocol):
    def open(self) -> None: ...

    def send(self, message: OutgoingMessage) -> str: ...

    def close(self) -> None: ...
