"""The schema of a condition field (crm.conditions) for every API that takes one: segments,
campaign audiences and templates."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..conditions import MAX_DAYS, MAX_DEPTH, MAX_NODES


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": (
            "A condition over customers: "
            '`{"all": [<condition>, …]}` (every one holds; an empty all matches everyone), '
            '`{"any": [<condition>, …]}`, `{"not": <condition>}`, '
            '`{"segment": <id>}` (that segment\'s condition, inlined) or '
            '`{"field": "<name>", "op": "<operator>", "value": <value>}` with a core field '
            "(first_name, last_name, email, phone, company, created_at, crm_score, "
            "total_interactions, total_purchases, total_spent, last_contacted_at), `tags`, "
            "`custom.<key>` or `activity.<name>` (campaign_opened, campaign_clicked, "
            "note_added; ops `within_last_days`, `is_set`, `is_empty`). Date fields also take "
            f"`more_than_days_ago` and `within_last_days` with 0..{MAX_DAYS} days; an empty "
            "date matches neither. "
            f"At most {MAX_DEPTH} deep and {MAX_NODES} parts; `{{}}` is everyone."
        ),
    }
)
class ConditionField(serializers.JSONField):
    """A condition over customers (crm.conditions)."""
