"""Field rules shared by the model, the forms and the API (one definition each)."""

import re

from django.core.exceptions import ValidationError

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
