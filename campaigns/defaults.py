"""The campaign catalogue every tenant starts with:
types EMAIL_BLAST, SOCIAL_ADS, SEO_CAMPAIGN; channels EMAIL, FACEBOOK, GOOGLE_ADS; statuses
DRAFT (initial) → ACTIVE ⇄ PAUSED → COMPLETED (final); budget types TOTAL, PER_CHANNEL, VARIABLE.

`install_default_catalogue` takes the model classes, so the tenant_created receiver (the app's
models) and the data migration for existing tenants (historical models) install the same rows.
"""

from decimal import Decimal

DEFAULT_TYPES = [
    {
        "type_code": "EMAIL_BLAST",
        "type_name": "Email blast",
        "description": "One email to a chosen audience.",
        "icon": "mail",
        "color_hex": "#2563eb",
        "is_default": True,
        "typical_duration_days": 30,
        "min_budget": Decimal("0"),
        "max_budget": Decimal("5000"),
        "recommended_budget": Decimal("2000"),
    },
    {
        "type_code": "SOCIAL_ADS",
        "type_name": "Social ads",
        "description": "Paid posts on social networks.",
        "icon": "megaphone",
        "color_hex": "#7c3aed",
        "typical_duration_days": 14,
        "min_budget": Decimal("100"),
        "max_budget": Decimal("50000"),
        "recommended_budget": Decimal("5000"),
    },
    {
        "type_code": "SEO_CAMPAIGN",
        "type_name": "SEO campaign",
        "description": "Search visibility work measured over months.",
        "icon": "search",
        "color_hex": "#16a34a",
        "typical_duration_days": 90,
        "min_budget": Decimal("500"),
        "max_budget": Decimal("20000"),
        "recommended_budget": Decimal("3000"),
    },
]
DEFAULT_CHANNELS = [
    {
        "channel_code": "EMAIL",
        "channel_name": "Email",
        "kind": "email",
        "icon": "mail",
        "is_default": True,
        "average_cpl": Decimal("5.00"),
        "average_cpm": Decimal("1.00"),
        "cost_per_message": Decimal("0.0010"),
    },
    {
        "channel_code": "FACEBOOK",
        "channel_name": "Facebook ads",
        "kind": "social",
        "icon": "facebook",
        "average_cpl": Decimal("15.50"),
        "average_cpm": Decimal("8.75"),
    },
    {
        "channel_code": "GOOGLE_ADS",
        "channel_name": "Google Ads",
        "kind": "ads",
        "icon": "search",
        "average_cpl": Decimal("20.00"),
        "average_cpm": Decimal("12.00"),
    },
]
DEFAULT_STATUSES = [
    {
        "status_code": "DRAFT",
        "status_name": "Draft",
        "color_hex": "#6b7280",
        "phase": "draft",
        "is_initial": True,
        "allows_editing": True,
        "next_statuses": ["ACTIVE"],
    },
    {
        "status_code": "ACTIVE",
        "status_name": "Active",
        "color_hex": "#16a34a",
        "phase": "active",
        "next_statuses": ["PAUSED", "COMPLETED"],
    },
    {
        "status_code": "PAUSED",
        "status_name": "Paused",
        "color_hex": "#d97706",
        "phase": "paused",
        "next_statuses": ["ACTIVE", "COMPLETED"],
    },
    {
        "status_code": "COMPLETED",
        "status_name": "Completed",
        "color_hex": "#2563eb",
        "phase": "completed",
        "is_final": True,
    },
]
DEFAULT_BUDGET_TYPES = [
    {
        "budget_type_code": "TOTAL",
        "budget_type_name": "Total",
        "description": "One budget for the whole campaign.",
    },
    {
        "budget_type_code": "PER_CHANNEL",
        "budget_type_name": "Per channel",
        "description": "Each channel has its own budget; they add up to the campaign's.",
        "per_channel": True,
    },
    {
        "budget_type_code": "VARIABLE",
        "budget_type_name": "Variable",
        "description": "A ceiling; channels draw on it as they spend.",
    },
]


def install_default_catalogue(
    *, tenant_id: int, type_model, channel_model, status_model, budget_type_model
) -> None:
    for model, rows in (
        (type_model, DEFAULT_TYPES),
        (channel_model, DEFAULT_CHANNELS),
        (status_model, DEFAULT_STATUSES),
        (budget_type_model, DEFAULT_BUDGET_TYPES),
    ):
        model.objects.bulk_create(
            model(tenant_id=tenant_id, display_order=order, **fields)
            for order, fields in enumerate(rows)
        )
