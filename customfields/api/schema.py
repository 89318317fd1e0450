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


VALIDATION_RULES_SCHEMA = {
    "type": "object",
    "description": "Rules by field type: text `min_length`, `max_length` (0 to 500), `pattern` "
    "(RE2) and `pattern_message`; number `min`, `max` (numbers); date `min`, `max` "
    "(YYYY-MM-DD). Other types take none; a rule the type does not take is a 400.",
    "properties": {
        "min_length": {"type": "integer", "minimum": 0, "maximum": 500},
        "max_length": {"type": "integer", "minimum": 0, "maximum": 500},
        "pattern": {"type": "string"},
        "pattern_message": {"type": "string"},
        "min": {"anyOf": [{"type": "number"}, {"type": "string", "format": "date"}]},
        "max": {"anyOf": [{"type": "number"}, {"type": "string", "format": "date"}]},
    },
    "additionalProperties": False,
}
SELECT_OPTIONS_SCHEMA = {
    "type": "array",
    "items": {"type": "string"},
    "description": "A select field's options (different from each other); empty for the others.",
}


@extend_schema_field(VALIDATION_RULES_SCHEMA)
class ValidationRulesField(serializers.JSONField):
    """A field's validation rules; checked by the definition service."""


@extend_schema_field(SELECT_OPTIONS_SCHEMA)
class SelectOptionsField(serializers.JSONField):
    """A select field's options; checked by the definition service."""
