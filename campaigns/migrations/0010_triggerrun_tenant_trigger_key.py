"""The run log's tenant and trigger keys become one foreign key on PostgreSQL: (tenant,
trigger) → the trigger's (tenant, id). A run cannot name another tenant than its trigger's,
and each of the ~32 rows an event writes costs the commit one key check instead of two
(docs/benchmarks.md, issue 16). SQLite keeps no key on the two columns (Django deletes the
runs with their trigger or tenant on both)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def add_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE campaigns_triggerrun ADD CONSTRAINT triggerrun_tenant_trigger "
        "FOREIGN KEY (tenant_id, trigger_id) "
        "REFERENCES campaigns_campaigntrigger (tenant_id, id) DEFERRABLE INITIALLY DEFERRED"
    )


def drop_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE campaigns_triggerrun DROP CONSTRAINT triggerrun_tenant_trigger"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0009_triggerrun_four_indexes'),
        ('tenancy', '0004_outbox_indexes_for_built_in_events'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='triggerrun',
            name='tenant',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, to='tenancy.tenant'),
        ),
        migrations.AlterField(
            model_name='triggerrun',
            name='trigger',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='runs', to='campaigns.campaigntrigger'),
        ),
        migrations.AddConstraint(
            model_name='campaigntrigger',
            constraint=models.UniqueConstraint(fields=('tenant', 'id'), name='trigger_tenant_id'),
        ),
        migrations.RunPython(add_key, drop_key),
    ]
