"""The customer timeline's import entries (kind `import`): a customer created or updated by an
import ("Imported from customers.csv (import #12)", "Updated by import #12: Email, Tier"), and
the undo of an import that had updated it. Read from ImportRecord through its (tenant,
customer, at) index. Registered by CrmConfig.ready."""

from ..models import ImportRecord
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


def register_import_providers() -> None:
    register(Provider(source="import", kinds=("import",), fetch=import_writes))
    register(Provider(source="import_undo", kinds=("import",), fetch=import_undos))
