"""Schema types of the campaign API's fields that drf-spectacular cannot infer: the JSON fields
(audience conditions, KPI names, channel codes, template content) and amounts that cannot be
negative; and the shape of a refused campaign (its content nests per item)."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from tenancy.api.schema import VALIDATION_ERROR_SCHEMA


class AmountField(serializers.DecimalField):
    """A decimal amount, sent and answered as a string."""


class AmountSchema(OpenApiSerializerFieldExtension):
    """An amount with `min_value` 0 has no minus sign in its pattern."""

    target_class = AmountField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        minimum = self.target.min_value
        if minimum is not None and minimum >= 0 and "pattern" in schema:
            schema["pattern"] = schema["pattern"].replace("^-?", "^", 1)
        return schema


@extend_schema_field({"type": "object", "additionalProperties": {}})
class ObjectField(serializers.JSONField):
    """A JSON object."""


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class NamesField(serializers.JSONField):
    """A list of names (KPIs)."""


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class CodeListField(serializers.JSONField):
    """A list of codes."""


@extend_schema_field(
    {
        "type": "object",
        "description": 'Per channel code: `{"EMAIL": {"subject": "…", "body": "…"}}`.',
        "additionalProperties": {
            "type": "object",
            "properties": {"subject": {"type": "string"}, "body": {"type": "string"}},
            "additionalProperties": False,
        },
    }
)
class ChannelContentsField(serializers.JSONField):
    """A template's content per channel code."""


_MESSAGES = {"type": "array", "items": {"type": "string"}}
# Per field of an item; a NUL byte deeper in a field's value is named where it is (nested).
_FIELD_MESSAGES = {
    "type": "object",
    "additionalProperties": {"oneOf": [_MESSAGES, {"type": "object", "additionalProperties": {}}]},
}
CAMPAIGN_ERRORS = OpenApiResponse(
    {
        **VALIDATION_ERROR_SCHEMA,
        "properties": {
            "contents": {
                "description": (
                    "Messages about the content as a whole, or per item (by its index from 0) "
                    "the messages per field."
                ),
                "oneOf": [
                    _MESSAGES,
                    {
                        "type": "object",
                        "additionalProperties": {"oneOf": [_MESSAGES, _FIELD_MESSAGES]},
                    },
                ],
            }
        },
    },
    description="The input was refused; the body names each field and why.",
)

# A DELETE has no body to refuse, but a launched campaign keeps its history: the refusal is a 400
# with the reason under `detail`.
LAUNCHED_CAMPAIGN_KEPT = OpenApiResponse(
    VALIDATION_ERROR_SCHEMA,
    description="A launched campaign cannot be deleted (complete it instead); `detail` says so.",
)
