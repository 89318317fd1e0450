"""Caps on free text, shared by every app's models, forms and services."""

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
CUSTOMER_DESCRIPTION_MAX_LENGTH = 1_000  # the customer's short description (seed 002)
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
