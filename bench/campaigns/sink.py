"""A local SMTP sink for the campaign bench: aiosmtpd on 127.0.0.1 whose handler only counts.

Runs in its own process (so its CPU is not taken from the sender's GIL), started by
`Sink.start()`: the child prints its port, then answers each line read on stdin with the
number of messages (DATA) and connections it has accepted so far.

    .venv/bin/python -m bench.campaigns.sink     # standalone: prints the port, then counts
"""

import subprocess
import sys
import threading

HOST = "127.0.0.1"


class CountingHandler:
    def __init__(self):
        self.messages = 0
        self.connections = 0
        self.bytes = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        self.bytes += len(envelope.content or b"")
        return "250 OK"


def serve() -> None:
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    # Port 0 is not supported by Controller's readiness check; pick a free port first.
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname=HOST, port=port, data_size_limit=10_000_000)
    controller.start()
    print(port, flush=True)
    lock = threading.Lock()
    try:
        for _line in sys.stdin:
            with lock:
                print(handler.messages, handler.connections, handler.bytes, flush=True)
    finally:
        controller.stop()


class Sink:
    """The sink as a child process; `counts()` -> (messages, connections, bytes)."""

    def __init__(self, python: str = sys.executable):
        self.python = python
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> "Sink":
        self.process = subprocess.Popen(
            [self.python, "-m", "bench.campaigns.sink"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.port = int(self.process.stdout.readline())
        return self

    def counts(self) -> tuple[int, int, int]:
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        messages, connections, size = self.process.stdout.readline().split()
        return int(messages), int(connections), int(size)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


if __name__ == "__main__":
    serve()
