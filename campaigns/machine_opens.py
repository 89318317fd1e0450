"""Which opens were made by a machine rather than a person (docs/metrics.md, "Machine opens").

An open pixel is fetched by whatever loads the message's images, and more and more often that is
not the reader: Apple Mail Privacy Protection fetches every image of every message on delivery,
through Apple's own addresses; mail security scanners (Mimecast, Proofpoint, Barracuda, Microsoft
Defender, …) open and follow everything to look for malware. An open is a **machine open** when

1. it came within `MACHINE_OPEN_SECONDS` of the message being handed to the provider
   (`CampaignExecution.sent_at`): nobody reads a message that fast, a prefetch or scan does; or
2. it came from a known proxy or scanner: Apple's network (17.0.0.0/8, where Mail Privacy
   Protection fetches from), or a user agent that is empty, Apple's bare `Mozilla/5.0`, or names a
   scanner, a crawler or an HTTP library (`SCANNER_AGENTS`).

Gmail's image proxy (`GoogleImageProxy`) is deliberately *not* on the list: it fetches the image
when the reader opens the message (it hides the reader's address, it does not prefetch), so
counting it as a machine would drop most Gmail readers' real opens. A delivery-time scan through
it is caught by the time rule.

The rule is applied once, when the open is recorded (`campaigns.services.tracking.record_open`);
the migration that added the flag applied the time rule to the opens recorded before it. Only
opens are judged; clicks are a person's until a rule says otherwise.
"""

import ipaddress
from datetime import datetime, timedelta

MACHINE_OPEN_SECONDS = 10

# Apple Inc.'s network, from which Mail Privacy Protection prefetches images.
PROXY_NETWORKS = (ipaddress.ip_network("17.0.0.0/8"),)

# Apple's prefetch sends exactly this and nothing more; a mail client says far more.
BARE_AGENTS = {"mozilla/5.0"}

# Lower-case pieces of the user agents of security scanners, link checkers, crawlers and HTTP
# libraries. A reader's mail client never sends one of these.
SCANNER_AGENTS = (
    "barracuda",
    "mimecast",
    "proofpoint",
    "forcepoint",
    "symantec",
    "trend micro",
    "trendmicro",
    "sophos",
    "fortiguard",
    "zscaler",
    "ironport",
    "safelinks",
    "bingpreview",
    "headlesschrome",
    "phantomjs",
    "bot",
    "crawler",
    "spider",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "curl/",
    "wget/",
    "go-http-client",
    "okhttp",
    "java/",
    "libwww-perl",
    "apache-httpclient",
)

USER_AGENT_MAX_LENGTH = 500


def too_soon(sent_at: datetime | None, occurred_at: datetime) -> bool:
    """The open came before the message could have been read (the time rule)."""
    return sent_at is not None and occurred_at < sent_at + timedelta(seconds=MACHINE_OPEN_SECONDS)


def from_proxy(user_agent: str, address: str | None = None) -> bool:
    """The open came from a known proxy or scanner (the proxy rule)."""
    agent = user_agent.strip().lower()
    if not agent or agent in BARE_AGENTS or any(piece in agent for piece in SCANNER_AGENTS):
        return True
    if address:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in PROXY_NETWORKS)
    return False


def is_machine_open(
    *, sent_at: datetime | None, occurred_at: datetime, user_agent: str, address: str | None
) -> bool:
    return too_soon(sent_at, occurred_at) or from_proxy(user_agent, address)
