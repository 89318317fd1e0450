"""One timeline per customer: kinds, the provider registry and the merged, keyset-paged page.
See registry.py for how a provider is written and registered."""

from .kinds import KINDS
from .page import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    TimelinePage,
    customer_timeline,
    decode_cursor,
    encode_cursor,
    parse_kinds,
)
from .registry import Entry, Position, Provider, TimelineQuery, keyset_page, providers, register

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "KINDS",
    "MAX_PAGE_SIZE",
    "Entry",
    "Position",
    "Provider",
    "TimelinePage",
    "TimelineQuery",
    "customer_timeline",
    "decode_cursor",
    "encode_cursor",
    "keyset_page",
    "parse_kinds",
    "providers",
    "register",
]
