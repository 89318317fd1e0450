"""The customer timeline's milestone entries: what milestones' services log on the customer's
leads (recorded, moved, edited, removed, a template chosen), read through the lead log's
(tenant, lead, created_at) index. Registered with crm's timeline by MilestonesConfig.ready."""

from crm.models import ActivityKind
from crm.timeline import Entry, Provider, TimelineQuery, keyset_page, register
from crm.timeline.providers import LEAD_ACTIVITY_VALUES, lead_entry, linked_lead_activity


def milestone_entries(query: TimelineQuery) -> list[Entry]:
    rows = keyset_page(
        linked_lead_activity(query).filter(kind=ActivityKind.MILESTONE),
        query,
        source="milestone",
        time_field="created_at",
    )
    return [lead_entry("milestone", "milestone", row) for row in rows.values(*LEAD_ACTIVITY_VALUES)]


def register_timeline() -> None:
    register(Provider(source="milestone", kinds=("milestone",), fetch=milestone_entries))
