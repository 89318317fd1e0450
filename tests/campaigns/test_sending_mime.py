"""Campaign emails built from a skeleton (campaigns.backends.mime) are, byte for byte, the
messages Django builds, for several customers (non-ASCII names and subjects among them) and
with the email package on thousands of values; what the skeleton does not cover goes through
Django."""

import copy
import email
import random
import re
from email.header import decode_header, make_header
from email.policy import compat32

import pytest
from django.core.mail import BadHeaderError
from django.core.mail.message import forbid_multi_line_headers

from campaigns.backends import mime
from campaigns.backends.mail import CampaignEmail
from campaigns.services.launch import campaign_launch
from tenancy.actors import OPERATOR
from tests.campaigns.conftest import channel, make_customers
from tests.campaigns.factories import CampaignFactory

DATE = re.compile(rb"^Date: [^\r\n]*", re.MULTILINE)


def django_bytes(message: CampaignEmail, like: bytes) -> bytes:
    """Django's own bytes for the message, with the Date of `like` (taken a moment apart)."""
    built = message.django_message().as_bytes(linesep="\r\n")
    return DATE.sub(DATE.search(like).group(0).replace(b"\\", b"\\\\"), built)


@pytest.fixture
def sent_emails(monkeypatch):
    """Every CampaignEmail turned into a message, with what message() returned."""
    sent = []
    original = CampaignEmail.message

    def spy(self):
        result = original(self)
        sent.append((self, result))
        return result

    monkeypatch.setattr(CampaignEmail, "message", spy)
    return sent


def test_skeleton_messages_are_djangos_bytes_over_smtp(
    tenant_a, customers, smtp_server, sent_emails, django_capture_on_commit_callbacks
):
    make_customers(
        tenant_a,
        [
            {"first_name": "Zoë", "last_name": "Ñúñez", "email": "zoe@example.org"},
            {"first_name": "李", "last_name": "小龙", "email": "li@example.org"},
            {"first_name": "Émile", "last_name": "O'Brien & Co", "email": "emile@example.org"},
            {"first_name": "Al", "last_name": "X" * 95, "email": "al@example.org"},
        ],
    )
    email_channel = channel(tenant_a, "EMAIL")
    body = (
        "<p>Hello {{ first_name }} {{ last_name }},</p>"
        '<p><a href="https://shop.example/offer?x=1&amp;y=2">Offer</a> '
        '<a href="https://shop.example/ünï">Más</a></p>'
    )
    campaign = CampaignFactory(
        tenant=tenant_a,
        name="Grüße",
        channels=[email_channel],
        contents=[
            {
                "channel": email_channel,
                "variant": "A",
                "weight": 1,
                "subject": "Hi {{ first_name }}",
                "body": body,
            },
            {
                "channel": email_channel,
                "variant": "B",
                "weight": 1,
                "subject": "Grüße, {{ first_name }} {{ last_name }}: a long subject to fold here",
                "body": body.replace("Hello", "Hallo"),
            },
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        campaign_launch(by=OPERATOR, campaign=campaign)

    received = {e.rcpt_tos[0]: e.original_content for e in smtp_server.messages}
    assert len(received) == 6 and len(sent_emails) == 6
    variants = set(campaign.executions.values_list("variant", flat=True))
    assert variants == {"A", "B"}, "the seed should give both variants; adjust the customers"
    for message, result in sent_emails:
        assert isinstance(result, mime.RenderedMessage)  # the skeleton, not Django's fallback
        ours = result.as_bytes(linesep="\r\n")
        assert ours == django_bytes(message, ours)
        assert received[message.to[0]].rstrip(b"\r\n") == ours.rstrip(b"\r\n")

    zoe = email.message_from_bytes(received["zoe@example.org"])
    subject = str(make_header(decode_header(zoe["Subject"])))
    assert subject in ("Hi Zoë", "Grüße, Zoë Ñúñez: a long subject to fold here")
    text, html = (part.get_payload(decode=True).decode() for part in zoe.get_payload())
    assert "Zoë Ñúñez" in html and "Zoë Ñúñez" in text
    assert zoe.get_payload()[0]["Content-Transfer-Encoding"] == "8bit"
    assert zoe["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/t/u/")
    assert zoe["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/t/o/" in html and "shop.example" not in html
    assert b"O&#x27;Brien &amp; Co" in received["emile@example.org"]
    assert "X" * 95 in received["al@example.org"].decode()


def headers_to_try(seed: int = 18, count: int = 6000):
    rng = random.Random(seed)
    alphabets = ["x", 'ab <>:;,.=?@-_/"\t', "<>:;,.=?@-_/x", "aé ü", "ab  c"]
    for _ in range(count):
        alphabet = rng.choice(alphabets)
        length = rng.randrange(0, 180)
        yield "".join(rng.choice(alphabet) if rng.random() < 0.4 else "x" for _ in range(length))


@pytest.mark.parametrize("name", ["Subject", "To", "Message-ID", "List-Unsubscribe", "X-Tag"])
def test_header_lines_agree_with_the_email_package(name):
    def outcome(make, value):
        try:
            return make(value)
        except ValueError as exc:  # a non-ASCII To that is no address: refused alike
            return repr(exc)

    def exact(value):
        return compat32.fold(*forbid_multi_line_headers(name, value, "utf-8"))

    for value in headers_to_try():
        assert outcome(lambda v: mime.header_line(name, v), value) == outcome(exact, value), value


def test_a_header_with_a_newline_is_refused():
    message = CampaignEmail(
        subject="Hi\nBcc: x@example.org",
        body="b",
        to=["a@example.org"],
        headers={"Message-ID": "<1@atrium>"},
    )
    with pytest.raises(BadHeaderError):
        message.message()


def build(subject="Hi", body="Text\n", html="<p>Hi</p>", **extra):
    message = CampaignEmail(
        subject=subject,
        body=body,
        from_email="Shop <shop@example.org>",
        to=["a@example.org"],
        headers={"Message-ID": "<1@atrium>", "List-Unsubscribe": "<https://x/u/1>", **extra},
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message


@pytest.mark.parametrize(
    "message",
    [
        build(),
        build(html=None),
        build(body="", html="<p>only</p>"),
        build(body="é" * 600),  # a line over 998 bytes: quoted-printable, Django's path
        build(body="a\r\nb"),  # a carriage return: Django's path
        build(subject="Ünïcode " * 20),
        build(X_Other="ascii  two spaces"),
    ],
    ids=["both", "text", "html", "long-line", "cr", "subject", "header"],
)
def test_every_shape_gives_djangos_bytes(message):
    produced = message.message().as_bytes(linesep="\r\n")
    assert produced == django_bytes(message, produced)


def test_what_the_skeleton_does_not_cover_goes_through_django():
    assert mime.render(build(body="é" * 600)) is None
    with_cc = build()
    with_cc.cc = ["c@example.org"]
    assert mime.render(with_cc) is None
    assert mime.render(build()) is not None


def test_the_deep_copy_shares_nothing_mutable():
    message = build()
    copied = copy.deepcopy(message)
    copied.to.append("b@example.org")
    copied.extra_headers["X"] = "y"
    copied.alternatives.append(("x", "text/plain"))
    assert message.to == ["a@example.org"] and "X" not in message.extra_headers
    assert len(message.alternatives) == 1
    assert copied.message().as_bytes() != message.message().as_bytes()


def test_the_rendered_message_reads_like_a_message_and_copies():
    rendered = build(subject="Grüße").message()
    assert isinstance(rendered, mime.RenderedMessage)
    assert str(make_header(decode_header(rendered["Subject"]))) == "Grüße"
    assert [part.get_content_type() for part in rendered.walk()][1:] == ["text/plain", "text/html"]
    copied = copy.deepcopy(rendered)
    assert copied.as_bytes() == rendered.as_bytes()
    assert b"\r\n" not in rendered.as_bytes() and b"\r\n" in rendered.as_bytes(linesep="\r\n")


def test_a_long_from_is_folded_as_django_folds_it():
    long_from = "Shop " + "x" * 90 + " <shop@example.org>"
    message = build()
    message.from_email = long_from
    produced = message.message().as_bytes(linesep="\r\n")
    assert produced == django_bytes(message, produced)
