"""The customer's timeline: every registered provider asked for one page after the cursor, the
pages merged by position, one page returned with the cursor of the next. Keyset paging (no
OFFSET): each provider reads a few rows through its index however far back the page is."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from .kinds import KINDS
from .registry import Entry, Position, TimelineQuery, providers

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
BAD_CURSOR = "This cursor is not one this timeline gave; start again without it."


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    next_cursor: str | None


def encode_cursor(position: Position) -> str:
    raw = json.dumps([position.occurred_at.isoformat(), position.source, position.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """The position a cursor names, or a ValidationError on `cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, source, pk = json.loads(raw)
        occurred_at = datetime.fromisoformat(moment)
        if not (isinstance(source, str) and isinstance(pk, int) and 0 < pk < 2**63):
            raise ValueError
        if timezone.is_naive(occurred_at) or len(source) > 50:
            raise ValueError
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error, OverflowError):
        raise ValidationError({"cursor": [BAD_CURSOR]}) from None
    return Position(occurred_at, source, pk)


def parse_kinds(kinds: str | None) -> frozenset[str] | None:
    """`a,b` -> {a, b}; None or empty -> None (every kind); an unknown kind is a
    ValidationError on `kind`."""
    if not kinds:
        return None
    asked = frozenset(k.strip() for k in kinds.split(",") if k.strip())
    unknown = sorted(asked - set(KINDS))
    if unknown:
        raise ValidationError(
            {"kind": [f"Unknown kind {', '.join(unknown)[:200]}; one of {', '.join(KINDS)}."]}
        )
    return asked or None


def customer_timeline(
    *,
    tenant,
    customer,
    membership=None,
    kinds: frozenset[str] | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> TimelinePage:
    """One page of what happened to `customer` (already one the member may see), newest first.
    `membership`: the reader (entries of leads and callbacks they may not see are left out);
    `kinds`: only these (None: all); `cursor`: the `next_cursor` of the previous page."""
    before = decode_cursor(cursor) if cursor else None
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    entries: list[Entry] = []
    for provider in providers():
        wanted = frozenset(provider.kinds) if kinds is None else kinds & set(provider.kinds)
        if not wanted:
            continue
        query = TimelineQuery(
            tenant=tenant,
            customer=customer,
            kinds=wanted,
            limit=limit + 1,
            before=before,
            membership=membership,
        )
        entries.extend(provider.fetch(query))
    entries.sort(key=lambda entry: entry.position, reverse=True)
    page = entries[:limit]
    more = len(entries) > limit
    return TimelinePage(page, encode_cursor(page[-1].position) if more else None)
