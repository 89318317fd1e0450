"""A campaign email's bytes from a skeleton, not from the email package, one message at a time.

Django turns each `EmailMessage` into a tree of MIME objects (`message()`: ~300 µs) and the
email package's generator walks it to bytes (`as_bytes()`: a millisecond on a loaded machine),
although every message of a variant has the same structure: the same parts, header names and
order, From, boundary length and transfer encodings. Only the values differ.

So the first message of each *shape* (From, header names, parts and their transfer encodings)
is built by Django itself with placeholder values, and its text is cut at the placeholders into a
skeleton. Each message is then the skeleton with its own header lines, bodies and boundary
joined in. The header lines come from the functions Django and the email package use
(`forbid_multi_line_headers`, then `compat32.fold`), except for the common case that provably
needs neither (a short printable ASCII value, single spaces): `Name: value`. The bytes are the
ones Django would have produced (tests/campaigns/test_sending_mime.py compares them message by
message); anything outside what the skeleton covers (attachments, Cc, Bcc, Reply-To, a Date or
To header of one's own, a body with a carriage return or a line over 998 bytes, another charset)
goes through Django as before (`render` returns None).
"""

import email
import functools
import re
from email.policy import compat32
from email.utils import formatdate

from django.conf import settings
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers

BOUNDARY_PREFIX = "=_atrium_"
BOUNDARY_SLOT = "atriumboundaryslot00000000000000"  # as long as a uuid4 hex: the same folding
MAX_LINE = 78  # compat32's max_line_length: the generator folds a header line beyond it
OWN_HEADERS = {"from", "to", "cc", "reply-to", "date", "bcc", "subject"}
_SIMPLE = re.compile(r"[!-~]+(?: [!-~]+)*")  # printable ASCII words, one space between them


@functools.lru_cache(maxsize=4096)
def _folded(name: str, value: str) -> str:
    """Exactly what Django's message() and the generator make of the header (subjects and dates
    repeat from message to message, hence the cache)."""
    name, value = forbid_multi_line_headers(name, value, settings.DEFAULT_CHARSET)
    return compat32.fold(name, value)


def header_line(name: str, value) -> str:
    """The header as the generator writes it, with "\\n" line ends. A short printable ASCII
    value with single spaces is neither encoded (a Subject is passed through `Header`, which
    keeps such a value) nor folded; a single long word is moved to a continuation line;
    anything else takes the exact path (tests/campaigns/test_sending_mime.py checks the two
    shortcuts against it on thousands of values)."""
    value = str(value)
    if _SIMPLE.fullmatch(value):
        if len(name) + 2 + len(value) <= MAX_LINE:
            return f"{name}: {value}\n"
        if " " not in value and name.lower() != "subject":
            # One word too long for the first line (a tracking URL): the generator moves it
            # whole to a continuation line, however long, and leaves "Name: " on the first.
            return f"{name}: \n {value}\n"
    if "\n" in value or "\r" in value:  # never cached, always refused
        forbid_multi_line_headers(name, value, settings.DEFAULT_CHARSET)
    return _folded(name, value)


def transfer_encoding(text: str) -> str | None:
    """ "7bit" or "8bit" as Django's SafeMIMEText decides; None when Django would switch to
    quoted-printable (a line over 998 bytes) or the generator would rewrite line ends ("\\r")."""
    if "\r" in text:
        return None
    ascii_only = text.isascii()
    if len(text) * (1 if ascii_only else 4) > RFC5322_EMAIL_LINE_LENGTH_LIMIT and any(
        len(line.encode(errors="surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
        for line in text.splitlines()
    ):
        return None
    return "7bit" if ascii_only else "8bit"


def _placeholder_body(index: int, encoding: str) -> str:
    return f"atriumslotbody{index}" + ("\u00e9" if encoding == "8bit" else "")


@functools.lru_cache(maxsize=64)
def skeleton(
    email_class, from_email: str, header_names: tuple[str, ...], parts: tuple[tuple[str, str], ...]
) -> tuple[str | tuple[str, str | int], ...] | None:
    """Literal text and slots, in order, for messages of this shape; None when a placeholder
    did not come through as it went in (the message then takes Django's path). `parts` is
    (mimetype, transfer encoding) of the body ("" mimetype when there is none) and of each
    alternative. A slot is ("header", name), ("body", index), ("date", "") or ("boundary", "")."""
    (body_type, body_encoding), *alternatives = parts
    model = email_class(
        subject="atriumslotsubject",
        body=_placeholder_body(0, body_encoding) if body_type else "",
        from_email=from_email,
        to=["atriumslotto@atriumslot.invalid"],
        headers={name: f"atriumslotheader{i}" for i, name in enumerate(header_names)},
    )
    for index, (mimetype, encoding) in enumerate(alternatives, start=1):
        model.attach_alternative(_placeholder_body(index, encoding), mimetype)
    model.boundary = BOUNDARY_PREFIX + BOUNDARY_SLOT
    text = model.django_message().as_bytes().decode()
    slots = {
        "Subject: atriumslotsubject\n": ("header", "Subject"),
        "To: atriumslotto@atriumslot.invalid\n": ("header", "To"),
        BOUNDARY_SLOT: ("boundary", ""),
        **{
            f"{name}: atriumslotheader{i}\n": ("header", name)
            for i, name in enumerate(header_names)
        },
        **{
            _placeholder_body(i, encoding): ("body", i)
            for i, (mimetype, encoding) in enumerate(parts)
            if mimetype
        },
    }
    if BOUNDARY_SLOT not in text:  # a single part
        del slots[BOUNDARY_SLOT]
    head = text.partition("\n\n")[0]
    date = re.search(r"^Date: [^\n]*\n", head, re.MULTILINE)
    pieces: list = []
    if date is not None:
        slots[date.group(0)] = ("date", "")
    pattern = re.compile("|".join(re.escape(key) for key in sorted(slots, key=len, reverse=True)))
    position = 0
    for match in pattern.finditer(text):
        pieces.append(text[position : match.start()])
        pieces.append(slots[match.group(0)])
        position = match.end()
    pieces.append(text[position:])
    found = {piece for piece in pieces if isinstance(piece, tuple)}
    if found != set(slots.values()):  # a placeholder was encoded or folded: Django's path
        return None
    return tuple(piece for piece in pieces if piece != "")


def render(message) -> str | None:
    """The message's text with "\\n" line ends, or None when it takes Django's path."""
    if (
        message.cc
        or message.bcc
        or message.reply_to
        or message.attachments
        or message.encoding
        or settings.DEFAULT_CHARSET.lower() != "utf-8"
        or message.content_subtype != "plain"
        or message.alternative_subtype != "alternative"
        or not isinstance(message.body, str)
        or any(name.lower() in OWN_HEADERS for name in message.extra_headers)
        or "message-id" not in {name.lower() for name in message.extra_headers}
        or not message.to
    ):
        return None
    parts = [("text/plain", transfer_encoding(message.body)) if message.body else ("", "")]
    texts = {0: message.body} if message.body else {}
    for index, (content, mimetype) in enumerate(message.alternatives, start=1):
        if not isinstance(content, str) or not mimetype.startswith("text/"):
            return None
        parts.append((mimetype, transfer_encoding(content)))
        texts[index] = content
    if not texts or any(encoding is None for _, encoding in parts):
        return None
    values = {
        ("header", "Subject"): header_line("Subject", message.subject),
        ("header", "To"): header_line("To", ", ".join(str(v) for v in message.to)),
        ("date", ""): header_line("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
        ("boundary", ""): message.boundary.removeprefix(BOUNDARY_PREFIX),
        **{
            ("header", name): header_line(name, value)
            for name, value in message.extra_headers.items()
        },
        **{("body", i): text for i, text in texts.items()},
    }
    shape = skeleton(
        type(message),
        str(message.from_email),
        tuple(message.extra_headers),
        tuple(parts),
    )
    if shape is None:
        return None
    return "".join(piece if isinstance(piece, str) else values[piece] for piece in shape)


class RenderedMessage:
    """What `CampaignEmail.message()` returns from a skeleton: the bytes Django's message would
    give (`as_bytes`, what the SMTP backend sends) and, for anything else (headers, parts), the
    message parsed back from them."""

    def __init__(self, text: str):
        self.text = text
        self._parsed = None

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        if unixfrom:
            return self.parsed().as_bytes(unixfrom=True)
        text = self.text if linesep == "\n" else self.text.replace("\n", linesep)
        return text.encode()

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self.parsed().as_string(unixfrom=unixfrom, linesep=linesep)

    def parsed(self) -> email.message.Message:
        if self._parsed is None:
            self._parsed = email.message_from_bytes(self.as_bytes())
        return self._parsed

    def __bytes__(self) -> bytes:
        return self.as_bytes()

    def __getitem__(self, name):
        return self.parsed()[name]

    def __contains__(self, name) -> bool:
        return name in self.parsed()

    def __getattr__(self, name):
        if name.startswith("_"):  # not set yet (a copy being made): never the parsed message's
            raise AttributeError(name)
        return getattr(self.parsed(), name)
