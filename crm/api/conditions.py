"""The API field of a condition in the condition language (crm.conditions): smart-tag rules
and segments here, campaign audiences and templates above."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..conditions import MAX_DEPTH, MAX_NODES


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": (
            "A condition over customers: "
            '`{"all": [<condition>, …]}` (every one holds; an empty all matches everyone), '
            '`{"any": [<condition>, …]}`, `{"not": <condition>}` or '
            '`{"field": "<name>", "op": "<operator>", "value": <value>}` with a core field '
            "(first_name, last_name, email, phone, company, created_at, crm_score, "
            "total_interactions, total_purchases, total_spent, last_contacted_at), `tags` or "
            f"`custom.<key>`. At most {MAX_DEPTH} deep and {MAX_NODES} parts; `{{}}` is everyone."
        ),
    }
)
class ConditionField(serializers.JSONField):
    """A condition (crm.conditions)."""
