"""Smart-tag rules, and which rule made a recorded tag change."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0006_tags"),
        ("tenancy", "0002_cache_table"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SmartTagRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(blank=True, help_text="An optional label.", max_length=100),
                ),
                (
                    "condition",
                    models.JSONField(
                        default=dict,
                        help_text="Which customers get the tag (the condition language).",
                    ),
                ),
                ("is_active", models.BooleanField(default=True)),
                (
                    "untag_when_unmatched",
                    models.BooleanField(
                        default=False,
                        help_text="When a customer stops matching, the tag is removed (even where it was set by hand): the tag then means exactly 'matches the condition'. Off: the rule only ever adds the tag.",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rules",
                        to="crm.tag",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="tenancy.tenant"
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
            },
        ),
        migrations.AddField(
            model_name="customertagchange",
            name="rule",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="tag_changes",
                to="crm.smarttagrule",
            ),
        ),
        migrations.AddIndex(
            model_name="smarttagrule",
            index=models.Index(fields=["tenant", "is_active"], name="tagrule_tenant_active"),
        ),
    ]
