import sys

from .base import OutgoingMessage


class ConsoleBackend:
    """Prints messages instead of sending them (development)."""

    def __init__(self, *, channel_kind: str, stream=None):
        self.channel_kind = channel_kind
        self.stream = stream or sys.stdout

    def open(self) -> None:
        pass

    def send(self, message: OutgoingMessage) -> str:
        self.stream.write(f"[{self.channel_kind} to {message.to}] {message.body}\n")
        return ""

    def close(self) -> None:
        self.stream.flush()
