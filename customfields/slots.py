"""The storage of custom values on the host model: 90 nullable typed slot columns
(custom_text_1..30, custom_number_1..15, …) that tenants map their own fields to
(FieldDefinition.mapped_field_name), plus `custom_fields_extra` (JSON) for the fields that
found no free slot of their type. The host model calls `add_custom_field_columns` once; which
slots are indexed is `indexing`'s choice."""

from django.db import models

# How many slot columns each field type has: custom_text_1..30, custom_number_1..15, …
SLOT_LAYOUT = {
    "text": 30,
    "number": 15,
    "date": 10,
    "boolean": 10,
    "email": 5,
    "phone": 5,
    "url": 5,
    "select": 10,
}
EXTRA_FIELD = "custom_fields_extra"


def slot_names(field_type: str) -> list[str]:
    return [f"custom_{field_type}_{n}" for n in range(1, SLOT_LAYOUT[field_type] + 1)]


ALL_SLOTS = [name for field_type in SLOT_LAYOUT for name in slot_names(field_type)]


def slot_field(field_type: str) -> models.Field:
    """The column for one slot; values are validated by the value service, not the column."""
    if field_type == "number":
        return models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    if field_type == "date":
        return models.DateField(null=True, blank=True)
    if field_type == "boolean":
        return models.BooleanField(null=True, blank=True)
    length = {"text": 500, "email": 254, "phone": 32, "url": 500, "select": 200}[field_type]
    return models.CharField(max_length=length, null=True, blank=True)


def add_custom_field_columns(model: type[models.Model]) -> None:
    """Give the host model `custom_fields_extra` (values of overflow fields, keyed by field
    key) and the 90 slots, generated rather than written out 90 times."""
    model.add_to_class(EXTRA_FIELD, models.JSONField(default=dict, blank=True))
    for field_type in SLOT_LAYOUT:
        for name in slot_names(field_type):
            model.add_to_class(name, slot_field(field_type))
