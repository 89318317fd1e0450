"""The customer timeline's milestone entries: what milestones' services log on the customer's
leads (recorded, moved, edited, removed, a template chosen), read through the lead log's
(tenant, lead, created_at) index. Registered with crm's timeline by MilestonesConfig.ready."""

from crm.models import ActivityKind
from crm.timeline import Entry, Provider, TimelineQuery, keyset_page, register
from crm.timeline.providers import lead_data, linked_lead_activity


def milestone_entries(query: TimelineQuery) -> list[Entry]:
    rows = keyset_page(
        linked_lead_activity(query)
        .filter(kind=ActivityKind.MILESTONE)
        .select_related("actor", "lead"),
        query,
        source="milestone",
        time_field="created_at",
    )
    return [
        Entry.make(
            "milestone",
            row.pk,
            kind="milestone",
            occurred_at=row.created_at,
            actor=row.actor,
            summary=f"{row.lead.full_name}: {row.message}",
            data=lead_data(row),
        )
        for row in rows
    ]


def register_timeline() -> None:
    register(Provider(source="milestone", kinds=("milestone",), fetch=milestone_entries))
