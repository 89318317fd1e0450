"""The industry templates take the original specification's field keys: retail `vip_customer`
becomes `is_vip`, healthcare `national_id` becomes `medical_id`, and no template field is
required. Existing tenants follow, without losing a value:

- a definition with an old key, of the template's type, is renamed in each tenant where the new
  key is free (a tenant that has defined the new key itself keeps both as they are);
- its values stay where they are: a slot column belongs to the definition, not to its key; a
  field that overflowed into `custom_fields_extra` has its values moved to the new key there;
- its history rows (which keep a copy of the key) take the new key;
- a renamed `medical_id` that still carries the template's label is no longer required: it was
  required only because the template said so.

Reversing renames back where the old key is free and restores the template rows; it does not
make definitions required again.

The renames are written out here rather than read from customfields.industry_data, so this
migration keeps doing the same thing whatever the templates become later.
"""

from django.conf import settings
from django.db import migrations

EXTRA_FIELD = "custom_fields_extra"
# (industry, old key, new key, field type, the template's label)
RENAMES = (
    ("retail", "vip_customer", "is_vip", "boolean", "VIP customer"),
    ("healthcare", "national_id", "medical_id", "text", "National / medical ID"),
)
# New keys whose template-born definitions were required only because the template said so.
NOT_REQUIRED = ("medical_id",)


def rename_templates(apps, renames) -> None:
    Template = apps.get_model("customfields", "IndustryFieldTemplate")
    for industry, old, new, _field_type, _label in renames:
        templates = Template.objects.filter(industry=industry)
        if templates.filter(field_key=new).exists():
            # Loaded with the new key already (a database built after the change).
            templates.filter(field_key=old).delete()
        else:
            templates.filter(field_key=old).update(field_key=new)


def rename_definitions(apps, renames, *, unrequire: tuple[str, ...] = ()) -> list[int]:
    """Rename each tenant's definitions per `renames` where the new key is free; returns the ids
    of the definitions renamed."""
    Definition = apps.get_model("customfields", "FieldDefinition")
    History = apps.get_model("customfields", "FieldHistory")
    Host = apps.get_model(settings.CUSTOMFIELDS_HOST_MODEL)
    renamed = []
    for _industry, old, new, field_type, label in renames:
        candidates = Definition.objects.filter(field_key=old, field_type=field_type)
        for definition in candidates.order_by("pk"):
            siblings = Definition.objects.filter(tenant_id=definition.tenant_id)
            if siblings.filter(field_key=new).exists():
                continue
            fields = ["field_key"]
            definition.field_key = new
            if new in unrequire and definition.is_required and definition.field_label == label:
                definition.is_required = False
                fields.append("is_required")
            definition.save(update_fields=fields)
            History.objects.filter(definition_id=definition.pk, field_key=old).update(
                field_key=new
            )
            if definition.mapped_field_name is None:
                _move_extra_values(Host, definition.tenant_id, old, new)
            renamed.append(definition.pk)
    return renamed


def _move_extra_values(Host, tenant_id: int, old: str, new: str) -> None:
    """Overflow values live in the host's JSON under the key: move them to the new key."""
    customers = Host.objects.filter(tenant_id=tenant_id, **{f"{EXTRA_FIELD}__has_key": old})
    changed = []
    for customer in customers.only("pk", EXTRA_FIELD).iterator():
        extra = dict(getattr(customer, EXTRA_FIELD))
        extra[new] = extra.pop(old)
        setattr(customer, EXTRA_FIELD, extra)
        changed.append(customer)
    Host.objects.bulk_update(changed, [EXTRA_FIELD], batch_size=500)


def forwards(apps, schema_editor):
    rename_templates(apps, RENAMES)
    Template = apps.get_model("customfields", "IndustryFieldTemplate")
    Template.objects.filter(is_required=True).update(is_required=False)
    rename_definitions(apps, RENAMES, unrequire=NOT_REQUIRED)


def backwards(apps, schema_editor):
    reverse = tuple((i, new, old, t, label) for i, old, new, t, label in RENAMES)
    rename_templates(apps, reverse)
    Template = apps.get_model("customfields", "IndustryFieldTemplate")
    Template.objects.filter(industry="healthcare", field_key="national_id").update(
        is_required=True
    )
    rename_definitions(apps, reverse)


class Migration(migrations.Migration):
    # The host model (CUSTOMFIELDS_HOST_MODEL) is in the state through 0001's dependencies.
    dependencies = [("customfields", "0002_industry_templates")]
    operations = [migrations.RunPython(forwards, backwards)]
