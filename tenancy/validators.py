"""Field rules shared by every app's models, forms and services: caps on free text, what a phone
number is, and the limits on what a filter may ask for."""

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

# Caps on free text, in characters. A TextField has no length of its own in the database, so
# without a cap a client could store megabytes in a note. Each model TextField gets its cap as
# `max_length` (forms, the admin and DRF's ModelSerializer derive theirs from it) and as a
# MaxLengthValidator (Django's model validation does not check a TextField's max_length), so the
# services' full_clean refuses it too. Plain form and serializer fields that feed these columns
# use the same constants.
NOTES_MAX_LENGTH = 10_000  # notes of leads, callbacks and milestones; activity notes; resolutions
DESCRIPTION_MAX_LENGTH = 10_000  # descriptions of configuration entries and campaigns
CUSTOMER_DESCRIPTION_MAX_LENGTH = 1_000  # the customer's short description: a line or two
# An activity's message: generated text, or a note (with the status change it came with).
ACTIVITY_MESSAGE_MAX_LENGTH = 20_000
# A campaign message's body (an email's HTML included).
MESSAGE_BODY_MAX_LENGTH = 50_000
# A custom value as recorded in its history (values themselves are at most 500 characters).
FIELD_VALUE_MAX_LENGTH = 1_000
# Values in one list filter of a query string (`cf_<key>__in=a,b,…`, `tags=a,b,…`).
FILTER_LIST_MAX_VALUES = 100
# Dates a filter, a report period or a condition may name: wider than any record's, narrow
# enough that a period around one (a day in the tenant's time zone, a default span of days)
# stays inside the calendar the databases and Python hold.
FILTER_FIRST_DAY = date(1900, 1, 1)
FILTER_LAST_DAY = date(2999, 12, 31)
FILTER_DATE_MESSAGE = f"Give a date between {FILTER_FIRST_DAY} and {FILTER_LAST_DAY}."


def validate_filter_date(value: date | datetime | None) -> None:
    """A date or date-time (in its own time zone) between FILTER_FIRST_DAY and FILTER_LAST_DAY."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not FILTER_FIRST_DAY <= day <= FILTER_LAST_DAY:
        raise ValidationError(FILTER_DATE_MESSAGE, code="date_range")


def capped_text_field(max_length: int, **kwargs) -> models.TextField:
    """A TextField that forms, the API and model validation all hold to `max_length`."""
    return models.TextField(
        max_length=max_length, validators=[MaxLengthValidator(max_length)], **kwargs
    )


def length_errors(value: str | None, max_length: int) -> list[str]:
    """The messages for a text longer than `max_length` (none when it fits), in the words of
    the models' validator; for the services that write text without a full_clean."""
    try:
        MaxLengthValidator(max_length)(value or "")
    except ValidationError as exc:
        return exc.messages
    return []


_PHONE_FORMATTING = re.compile(r"[\s\-().]")


def normalize_phone(value: str) -> str:
    """'+1 (555) 123-4567' -> '+15551234567'. Raises ValidationError when not a phone number."""
    compact = _PHONE_FORMATTING.sub("", value or "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    digits = compact[1:] if compact.startswith("+") else compact
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise ValidationError(
            "Enter a phone number of 7 to 15 digits, optionally starting with + and a country code."
        )
    return compact


def normalize_email(value: str) -> str:
    """How two addresses are compared when looking for the same person (duplicates, import
    matching): surrounding spaces dropped, case folded ('Ann@Example.COM ' -> 'ann@example.com').
    Stored addresses keep the case they were typed in."""
    return (value or "").strip().lower()


def validate_phone(value: str) -> None:
    normalize_phone(value)
