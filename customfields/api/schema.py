"""How custom values look in the API's schema: a map keyed by field_key whose values are typed by
each field's type (customfields.services.values reads and writes them)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

CUSTOM_VALUE_SCHEMA = {
    "nullable": True,
    "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
    "description": "Typed by the field: text, email, phone, url and select a string; number a "
    "number (2 decimals); date a YYYY-MM-DD string; boolean true/false. Null when empty.",
}
CUSTOM_VALUES_SCHEMA = {
    "type": "object",
    "additionalProperties": CUSTOM_VALUE_SCHEMA,
    "description": "{field_key: value} for the tenant's active custom fields (custom-fields/ "
    "lists them); a value is typed by its field.",
    "example": {"loyalty_points": 120, "membership_tier": "Gold", "is_vip": True},
}


@extend_schema_field(CUSTOM_VALUES_SCHEMA)
class CustomValuesField(serializers.DictField):
    """{field_key: value}; the values are checked by the custom field service."""


@extend_schema_field(CUSTOM_VALUE_SCHEMA)
class CustomValueField(serializers.Field):
    """One custom value, as read_value gives it (read only)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return value
