"""The milestone configuration every tenant starts with: five types and the default template
"Standard Sales Pipeline" that runs through them in order.

`install_default_configuration` takes the model classes as arguments, so the tenant_created
receiver (with the app's models) and the data migration for tenants that already existed (with
the migration's historical models) install exactly the same rows.
"""

DEFAULT_TYPES = [
    {
        "type_code": "LEAD_GENERATED",
        "type_name": "Lead generated",
        "description": "The lead entered the pipeline.",
        "icon": "user-plus",
        "color_hex": "#2563eb",
        "category": "engagement",
        "is_required": True,
        "is_mandatory": True,
        "typical_duration_days": 0,
        "sla_days": 1,
    },
    {
        "type_code": "CONTACTED",
        "type_name": "Contacted",
        "description": "First conversation with the lead.",
        "icon": "phone",
        "color_hex": "#7c3aed",
        "category": "engagement",
        "is_required": True,
        "is_mandatory": True,
        "typical_duration_days": 1,
        "sla_days": 2,
    },
    {
        "type_code": "SITE_VISIT",
        "type_name": "Site visit",
        "description": "A visit on site or a demo with the lead.",
        "icon": "map-pin",
        "color_hex": "#0891b2",
        "category": "action",
        "is_required": False,
        "is_mandatory": False,
        "typical_duration_days": 3,
        "sla_days": 7,
        "allows_location": True,
        "allows_attachment": True,
    },
    {
        "type_code": "PROPOSAL_SENT",
        "type_name": "Proposal sent",
        "description": "A written proposal or quote went out.",
        "icon": "file-text",
        "color_hex": "#d97706",
        "category": "decision",
        "is_required": True,
        "is_mandatory": False,
        "typical_duration_days": 5,
        "sla_days": 10,
        "allows_attachment": True,
    },
    {
        "type_code": "CONVERTED",
        "type_name": "Converted",
        "description": "The lead signed: the deal is won.",
        "icon": "check-circle",
        "color_hex": "#16a34a",
        "category": "completion",
        "is_required": True,
        "is_mandatory": True,
        "typical_duration_days": 14,
        "sla_days": 30,
        "allows_attachment": True,
    },
]
DEFAULT_TEMPLATE_NAME = "Standard Sales Pipeline"


def install_default_configuration(
    *, tenant_id: int, type_model, template_model, step_model
) -> None:
    types = [
        type_model.objects.create(tenant_id=tenant_id, display_order=order, **fields)
        for order, fields in enumerate(DEFAULT_TYPES)
    ]
    template = template_model.objects.create(
        tenant_id=tenant_id,
        template_name=DEFAULT_TEMPLATE_NAME,
        template_type="standard",
        description="Every lead follows it unless given another template.",
        is_default=True,
        estimated_days=sum(fields["typical_duration_days"] for fields in DEFAULT_TYPES),
    )
    step_model.objects.bulk_create(
        step_model(tenant_id=tenant_id, template=template, milestone_type=type_, position=position)
        for position, type_ in enumerate(types)
    )
