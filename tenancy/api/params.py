"""Query parameters every API view refuses before reading them: a NUL byte in a name or value
(PostgreSQL cannot compare text with it) is a 400 naming the parameter."""

from rest_framework import serializers

from .parsers import NUL_KEY_MESSAGE, NUL_MESSAGE


def check_query_params(request) -> None:
    errors: dict[str, list[str]] = {}
    for name, values in request.query_params.lists():
        if "\x00" in name:
            errors.setdefault("detail", [NUL_KEY_MESSAGE])
        elif any("\x00" in value for value in values):
            errors[name] = [NUL_MESSAGE]
    if errors:
        raise serializers.ValidationError(errors)
