"""Custom-field slot indexes chosen by the benchmark (bench/customfields, docs/benchmarks.md):
one partial `(tenant_id, slot) WHERE slot IS NOT NULL` B-tree per slot of the types filtered by
value or range — text, number, date, boolean, select (75); none on email, phone and url.
See customfields/indexing.py, which Customer.Meta declares them from. Partial indexes work on
PostgreSQL and SQLite alike.

The slot counts are frozen here (as a migration should be), equal to crm.models.SLOT_LAYOUT.
"""

from django.db import migrations, models

INDEXED_SLOTS = {"text": 30, "number": 15, "date": 10, "boolean": 10, "select": 10}


def slot_index(slot: str) -> models.Index:
    return models.Index(
        fields=["tenant", slot],
        condition=models.Q(**{f"{slot}__isnull": False}),
        name=f"customer_{slot}",
    )


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_callbacks")]

    operations = [
        migrations.AddIndex(model_name="customer", index=slot_index(f"custom_{kind}_{n}"))
        for kind, count in INDEXED_SLOTS.items()
        for n in range(1, count + 1)
    ]
