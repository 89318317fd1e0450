"""The customer timeline's segment entries: entering and leaving a segment (SegmentChange,
read through its (tenant, customer, at) index). Registered by CrmConfig.ready."""

from ..models import SegmentChange
from .registry import Entry, Provider, TimelineQuery, keyset_page, register

KINDS = ("segment_entered", "segment_left")


def segment_changes(query: TimelineQuery) -> list[Entry]:
    changes = SegmentChange.objects.filter(tenant=query.tenant, customer=query.customer)
    if set(query.kinds) != set(KINDS):
        changes = changes.filter(entered="segment_entered" in query.kinds)
    rows = keyset_page(changes, query, source="segment", time_field="at").values(
        "pk", "at", "entered", "segment_id", "segment__name"
    )
    return [
        Entry.make(
            "segment",
            row["pk"],
            kind="segment_entered" if row["entered"] else "segment_left",
            occurred_at=row["at"],
            actor=None,
            summary=f"{'Entered' if row['entered'] else 'Left'} segment “{row['segment__name']}”",
            data={"segment": row["segment_id"], "segment_name": row["segment__name"]},
        )
        for row in rows
    ]


def register_segment_provider() -> None:
    register(Provider(source="segment", kinds=KINDS, fetch=segment_changes))
