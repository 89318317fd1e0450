"""Tags become things of their own: a colour (existing tags pick theirs from the palette by
name, as new ones do), a description and when each was created."""

import zlib

import django.core.validators
import django.utils.timezone
from django.db import migrations, models

# crm.models.tags.TAG_PALETTE as it was when this migration was written.
PALETTE = (
    "#2563eb",
    "#16a34a",
    "#dc2626",
    "#9333ea",
    "#ea580c",
    "#0891b2",
    "#db2777",
    "#4d7c0f",
    "#b45309",
    "#475569",
)


def pick_colours(apps, schema_editor):
    Tag = apps.get_model("crm", "Tag")
    by_colour: dict[str, set[str]] = {}
    for name in Tag.objects.values_list("name", flat=True).distinct().iterator():
        by_colour.setdefault(PALETTE[zlib.crc32(name.encode()) % len(PALETTE)], set()).add(name)
    for colour, names in by_colour.items():
        names = sorted(names)
        for start in range(0, len(names), 500):
            Tag.objects.filter(name__in=names[start : start + 500]).update(color=colour)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0005_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="tag",
            name="color",
            field=models.CharField(
                default="#2563eb",
                help_text="A colour like #3498db.",
                max_length=7,
                validators=[
                    django.core.validators.RegexValidator(
                        "^#[0-9A-Fa-f]{6}$", "Use a colour like #3498db."
                    )
                ],
            ),
        ),
        migrations.AddField(
            model_name="tag",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name="tag",
            name="description",
            field=models.TextField(
                blank=True,
                max_length=500,
                validators=[django.core.validators.MaxLengthValidator(500)],
            ),
        ),
        migrations.RunPython(pick_colours, migrations.RunPython.noop),
    ]
