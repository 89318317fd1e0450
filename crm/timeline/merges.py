"""The customer timeline's merge entries (CustomerMerge, read through its (tenant, customer,
merged_at) index): "Merged Ann Lee (#15) into this customer: email from #15, tier from #12".
Registered by CrmConfig.ready."""

from ..models import CustomerMerge
from .registry import Entry, Provider, TimelineQuery, keyset_page, register


def merge_summary(merged: list[dict], values: dict[str, dict]) -> str:
    names = ", ".join(f"{m['name']} (#{m['id']})" for m in merged)
    sources = [
        f"{v['label'].lower()} added up"
        if v["from"] == "sum"
        else f"{v['label'].lower()} from #{v['from']}"
        for v in values.values()
    ]
    return f"Merged {names} into this customer" + (f": {', '.join(sources)}" if sources else "")


def merges(query: TimelineQuery) -> list[Entry]:
    rows = CustomerMerge.objects.filter(tenant=query.tenant, customer=query.customer)
    rows = keyset_page(rows, query, source="merge", time_field="merged_at").values(
        "pk", "merged_at", "merged_by__username", "merged", "values", "moved"
    )
    return [
        Entry.make(
            "merge",
            row["pk"],
            kind="merge",
            occurred_at=row["merged_at"],
            actor=row["merged_by__username"],
            summary=merge_summary(row["merged"], row["values"]),
            data={"merged": row["merged"], "values": row["values"], "moved": row["moved"]},
        )
        for row in rows
    ]


def register_merge_provider() -> None:
    register(Provider(source="merge", kinds=("merge",), fetch=merges))
