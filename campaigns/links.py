"""Signed tracking links (django.core.signing): an open pixel, click redirects and unsubscribe
links per execution. A token names the tenant and the execution (and, for a click, the URL), so a
tampered or foreign token is refused; the click view also checks that the URL is one the
execution's content really contains, so the redirect can never point anywhere else."""

import html
import re
from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALTS = {"open": "campaigns.open", "click": "campaigns.click", "unsubscribe": "campaigns.unsub"}
HREF = re.compile(r"""(href\s*=\s*)(["'])(https?://[^"'\s]+)\2""", re.IGNORECASE)
BARE_URL = re.compile(r"""https?://[^\s<>"']+""")


def make_token(kind: str, tenant_id: int, execution_id: int, url: str | None = None) -> str:
    payload = [tenant_id, execution_id] if url is None else [tenant_id, execution_id, url]
    return signing.dumps(payload, salt=SALTS[kind], compress=True)


def read_token(kind: str, token: str) -> tuple[int, int, str | None] | None:
    """(tenant id, execution id, url or None), or None when the token is not genuine."""
    try:
        payload = signing.loads(token, salt=SALTS[kind])
    except signing.BadSignature:
        return None
    if not isinstance(payload, list) or len(payload) not in (2, 3):
        return None
    if not all(isinstance(part, int) for part in payload[:2]):
        return None
    url = payload[2] if len(payload) == 3 else None
    if url is not None and not isinstance(url, str):
        return None
    return payload[0], payload[1], url


class LinkBuilder:
    """Absolute tracking URLs; the route prefixes are resolved once per batch."""

    def __init__(self):
        base = settings.SITE_URL.rstrip("/")
        self.prefix = {
            kind: base + reverse(f"campaigns-tracking:{kind}", args=["TOKEN"]).split("TOKEN")[0]
            for kind in SALTS
        }
        self.suffix = {
            kind: reverse(f"campaigns-tracking:{kind}", args=["TOKEN"]).split("TOKEN")[1]
            for kind in SALTS
        }

    def url(self, kind: str, tenant_id: int, execution_id: int, url: str | None = None) -> str:
        token = make_token(kind, tenant_id, execution_id, url)
        return f"{self.prefix[kind]}{token}{self.suffix[kind]}"


def html_links(body: str) -> list[str]:
    """The http(s) targets of the links in an HTML body, unescaped."""
    return [html.unescape(match.group(3)) for match in HREF.finditer(body)]


def text_links(body: str) -> list[str]:
    return BARE_URL.findall(body)


def rewrite_html(body: str, tracked: Callable[[str], str]) -> str:
    return HREF.sub(
        lambda m: (
            f"{m.group(1)}{m.group(2)}{html.escape(tracked(html.unescape(m.group(3))))}{m.group(2)}"
        ),
        body,
    )


def rewrite_text(body: str, tracked: Callable[[str], str]) -> str:
    return BARE_URL.sub(lambda m: tracked(m.group(0)), body)
