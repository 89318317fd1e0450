"""Field rules shared by every app's models, forms and services: caps on free text, and what a
phone number is."""

import re

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


def validate_phone(value: str) -> None:
    normalize_phone(value)
