"""The customer timeline's import entries (kind `import`): a customer created or updated by an
import ("Imported from customers.csv (import #12)", "Updated by import #12: Email, Tier"), and
the undo of an import that had updated it. Read from ImportRecord through its (tenant,
customer, at) index, and — for a customer an import created — from the customer's own stamp
(Customer.import_job, at its created_at). Registered by CrmConfig.ready."""

from ..models import Customer, ImportRecord
from .registry import Entry, Provider, TimelineQuery, keyset_page, register

VALUES = (
    "pk",
    "created",
    "changed",
    "job_id",
    "job__filename",
    "job__created_by__username",
    "job__undone_by__username",
)


def _records(query: TimelineQuery):
    return ImportRecord.objects.filter(tenant=query.tenant, customer=query.customer)


def _data(row: dict) -> dict:
    return {
        "import": row["job_id"],
        "filename": row["job__filename"],
        "created": row["created"],
        "changed": row["changed"],
    }


def import_writes(query: TimelineQuery) -> list[Entry]:
    rows = keyset_page(_records(query), query, source="import", time_field="at")
    entries = []
    for row in rows.values(*VALUES, "at"):
        if row["created"]:
            summary = f"Imported from {row['job__filename']} (import #{row['job_id']})"
        else:
            changed = ", ".join(row["changed"]) or "nothing changed"
            summary = f"Updated by import #{row['job_id']}: {changed}"
        entries.append(
            Entry.make(
                "import",
                row["pk"],
                kind="import",
                occurred_at=row["at"],
                actor=row["job__created_by__username"],
                summary=summary,
                data=_data(row),
            )
        )
    return entries


def import_undos(query: TimelineQuery) -> list[Entry]:
    undone = _records(query).filter(created=False, job__undone_at__isnull=False)
    rows = keyset_page(undone, query, source="import_undo", time_field="job__undone_at")
    return [
        Entry.make(
            "import_undo",
            row["pk"],
            kind="import",
            occurred_at=row["job__undone_at"],
            actor=row["job__undone_by__username"],
            summary=f"Import #{row['job_id']} undone: "
            f"{', '.join(row['changed']) or 'nothing'} restored",
            data={**_data(row), "undone": True},
        )
        for row in rows.values(*VALUES, "job__undone_at")
    ]


def import_created(query: TimelineQuery) -> list[Entry]:
    """The import that created the customer (its stamp): one entry at most."""
    stamped = Customer.objects.filter(
        tenant=query.tenant, pk=query.customer.pk, import_job__isnull=False
    )
    rows = keyset_page(stamped, query, source="import_created", time_field="created_at")
    return [
        Entry.make(
            "import_created",
            row["pk"],
            kind="import",
            occurred_at=row["created_at"],
            actor=row["import_job__created_by__username"],
            summary=f"Imported from {row['import_job__filename']} (import #{row['import_job_id']})",
            data={
                "import": row["import_job_id"],
                "filename": row["import_job__filename"],
                "created": True,
                "changed": [],
            },
        )
        for row in rows.values(
            "pk",
            "created_at",
            "import_job_id",
            "import_job__filename",
            "import_job__created_by__username",
        )
    ]


def register_import_providers() -> None:
    register(Provider(source="import", kinds=("import",), fetch=import_writes))
    register(Provider(source="import_created", kinds=("import",), fetch=import_created))
    register(Provider(source="import_undo", kinds=("import",), fetch=import_undos))
