"""What an event may carry: its type, key and data, checked and made JSON-safe before the
INSERT (tenancy.events)."""

from __future__ import annotations

import datetime
import decimal
import json
import math
import re
import uuid

from django.core.exceptions import ValidationError
from django.utils import timezone

# The event types Atrium emits itself (CONTRACT.md, "Automation"); an event sent through the API
# may not use them.
BUILTIN_EVENT_TYPES = (
    "customer_created",
    "customer_updated",
    "field_changed",
    "tag_added",
    "tag_removed",
    "segment_entered",
    "segment_left",
    "lead_created",
    "lead_status_changed",
    "milestone_completed",
    "campaign_opened",
    "campaign_clicked",
    "callback_completed",
    "date_reached",
    "inactive",
)
EVENT_TYPE_MAX_LENGTH = 64
EVENT_TYPE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
EVENT_ID_MAX_LENGTH = 200
DATA_MAX_BYTES = 64 * 1024
DATA_MAX_DEPTH = 10
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def clean_event_type(value: object) -> str:
    """The event type as stored: a lower-case slug (letters, digits, _ and -), at most 64."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if not text:
        raise ValidationError({"event_type": ["Give the event's type, e.g. purchase."]})
    if len(text) > EVENT_TYPE_MAX_LENGTH:
        raise ValidationError({"event_type": [f"At most {EVENT_TYPE_MAX_LENGTH} characters."]})
    if not EVENT_TYPE_PATTERN.match(text):
        raise ValidationError(
            {
                "event_type": [
                    "Use lower-case letters, digits, underscores and hyphens, e.g. order_shipped."
                ]
            }
        )
    return text


def clean_event_id(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError({"event_id": ["Give the event's key as text."]})
    if len(value) > EVENT_ID_MAX_LENGTH:
        raise ValidationError({"event_id": [f"At most {EVENT_ID_MAX_LENGTH} characters."]})
    if "\x00" in value:
        raise ValidationError({"event_id": ["Null characters are not allowed."]})
    return value


class _Refused(Exception):
    def __init__(self, message: str):
        self.message = message


def _json_safe(value, depth: int):
    """`value` as plain JSON (dates and times as ISO text, decimals as numbers, UUIDs as text,
    tuples and sets as lists), or _Refused saying why not."""
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str) and "\x00" in value:
            raise _Refused("Null characters are not allowed.")
        return value
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise _Refused("Numbers beyond 64 bits (±9.2e18) are not accepted.")
        return value
    if isinstance(value, float | decimal.Decimal):
        if not math.isfinite(value):
            raise _Refused("Give a finite number.")
        number = float(value)
        if not math.isfinite(number):
            raise _Refused("Give a finite number.")
        if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
            whole = int(value)
            if INT64_MIN <= whole <= INT64_MAX:
                return whole
        return number
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list | tuple | set | frozenset):
        if depth > DATA_MAX_DEPTH:
            raise _Refused(f"Nested deeper than {DATA_MAX_DEPTH} levels.")
        if isinstance(value, dict):
            cleaned = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise _Refused("Names must be text.")
                if "\x00" in key:
                    raise _Refused("Null characters are not allowed in names.")
                cleaned[key] = _json_safe(item, depth + 1)
            return cleaned
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [_json_safe(item, depth + 1) for item in items]
    raise _Refused(f"A {type(value).__name__} cannot be stored in an event; give JSON values.")


def clean_data(data: object) -> dict:
    """The event's data as stored: a JSON object of at most 64 KB, nested at most 10 deep."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError({"data": ["Give an object of names and values."]})
    try:
        cleaned = _json_safe(data, 1)
    except _Refused as exc:
        raise ValidationError({"data": [exc.message]}) from None
    except RecursionError:
        raise ValidationError({"data": [f"Nested deeper than {DATA_MAX_DEPTH} levels."]}) from None
    size = len(json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")).encode())
    if size > DATA_MAX_BYTES:
        raise ValidationError(
            {"data": [f"At most {DATA_MAX_BYTES // 1024} KB of data ({size:,} bytes given)."]}
        )
    return cleaned


def clean_occurred_at(value: datetime.datetime | None, *, now: datetime.datetime):
    if value is None:
        return now
    if not isinstance(value, datetime.datetime):
        raise ValidationError({"occurred_at": ["Give a date and time."]})
    if timezone.is_naive(value):
        raise ValidationError({"occurred_at": ["Give a date and time with its time zone."]})
    return value
