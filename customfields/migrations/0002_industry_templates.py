"""Load the 20 industries' field templates (customfields/industry_data.py)."""

from django.db import migrations

from customfields.industry_data import INDUSTRY_FIELDS


def load(apps, schema_editor):
    Template = apps.get_model("customfields", "IndustryFieldTemplate")
    for industry, fields in INDUSTRY_FIELDS.items():
        for order, (key, label, field_type, extras) in enumerate(fields):
            Template.objects.update_or_create(
                industry=industry,
                field_key=key,
                defaults={"field_label": label, "field_type": field_type, "order": order, **extras},
            )


def unload(apps, schema_editor):
    apps.get_model("customfields", "IndustryFieldTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("customfields", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
