"""Global search over customers: their `search_text` (lower-cased name, email, phone and
company, as leads have), and on PostgreSQL a trigram GIN index on it, so `LIKE '%term%'` does not
scan the tenant's customers (measured in bench/search). SQLite has no equivalent and scans."""

import django.db.models.functions.text
from django.db import migrations, models


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customer_search_trgm ON crm_customer "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("crm", "0004_timeline")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Lower(
                    django.db.models.functions.text.Concat(
                        "first_name",
                        models.Value(" "),
                        "last_name",
                        models.Value(" "),
                        "email",
                        models.Value(" "),
                        "phone",
                        models.Value(" "),
                        "company",
                        output_field=models.TextField(),
                    )
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.RunPython(create, drop),
    ]
