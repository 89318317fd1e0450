"""The open steps of open leads as rows (LeadOpenStep), filled for the existing tenants."""

import django.db.models.deletion
from django.db import migrations, models


def fill_open_steps(apps, schema_editor):
    """The projection of every tenant, computed as `manage.py rebuild_next_steps` does. It uses
    today's models (the computation is one SQL statement over their tables); on a new database
    there is no tenant and nothing runs."""
    from milestones.services.projection import open_steps_rebuild
    from tenancy.models import Tenant

    for tenant in Tenant.objects.order_by("pk"):
        open_steps_rebuild(tenant=tenant)


def vacuum_often(apps, schema_editor):
    """Every write of a lead or its milestones deletes and inserts its rows, which clears the
    visibility of their pages until a vacuum: the overdue count then fetches each row from the
    table (34 ms instead of 5 at 64,000 rows). PostgreSQL's default waits for 20% of the table
    to be dead; this small, busy table is vacuumed at 1% (a vacuum of it takes ~0.1 s)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE milestones_leadopenstep SET (autovacuum_vacuum_scale_factor = 0.01, "
        "autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.05)"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0011_customer_import_job'),
        ('milestones', '0001_initial'),
        ('tenancy', '0004_outbox_indexes_for_built_in_events'),
    ]

    operations = [
        migrations.CreateModel(
            name='LeadOpenStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(blank=True, choices=[('pending', 'Pending'), ('in_progress', 'In progress')], max_length=16)),
                ('is_expected', models.BooleanField()),
                ('position', models.PositiveSmallIntegerField(null=True)),
                ('start_date', models.DateField()),
                ('due_date', models.DateField(null=True)),
                ('lead', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='crm.lead')),
                ('milestone_type', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='milestones.milestonetype')),
                ('tenant', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='tenancy.tenant')),
            ],
            options={
                'indexes': [models.Index(fields=['tenant', 'due_date', 'lead', 'milestone_type'], include=('status', 'start_date'), name='leadopenstep_due'), models.Index(fields=['tenant', 'due_date'], name='leadopenstep_count')],
                'constraints': [models.UniqueConstraint(fields=('tenant', 'lead', 'milestone_type'), name='leadopenstep_one_per_type')],
            },
        ),
        migrations.RunPython(vacuum_often, migrations.RunPython.noop),
        migrations.RunPython(fill_open_steps, migrations.RunPython.noop),
    ]
