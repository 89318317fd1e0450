"""The database cache's table (settings.CACHES, e.g. atrium_cache), so that `migrate` alone makes
a working site: the sign-in limits count in that cache. A no-op when no cache uses the database
(Redis) or the table exists."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
