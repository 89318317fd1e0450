"""crm's own timeline providers: custom-field changes, tag changes, and the activity of the
customer's leads (milestone entries excepted: milestones registers those). Registered by
CrmConfig.ready. Rows are read as values (see registry.py)."""

from customfields.models import FieldHistory

from ..models import ActivityKind, CustomerTagChange, Lead, LeadActivity
from ..selectors.leads import leads_visible_to
from .imports import register_import_providers
from .merges import register_merge_provider
from .notes import register_note_provider
from .registry import Entry, Provider, TimelineQuery, keyset_page, register
from .segments import register_segment_provider

# Lead activity that is the lead's own story (kind "lead"); the rest is "lead_activity".
LEAD_STORY = (ActivityKind.CREATED, ActivityKind.STATUS)
LEAD_ACTIVITY_VALUES = (
    "pk",
    "created_at",
    "actor__username",
    "kind",
    "message",
    "changes",
    "lead_id",
    "lead__first_name",
    "lead__last_name",
)


def field_changes(query: TimelineQuery) -> list[Entry]:
    history = FieldHistory.objects.filter(tenant=query.tenant, customer=query.customer)
    rows = keyset_page(history, query, source="field_change", time_field="changed_at").values(
        "pk",
        "changed_at",
        "changed_by__username",
        "field_key",
        "field_label",
        "old_value",
        "new_value",
        "reason",
    )
    return [
        Entry.make(
            "field_change",
            row["pk"],
            kind="field_change",
            occurred_at=row["changed_at"],
            actor=row["changed_by__username"],
            summary=f"{row['field_label']}: {_shown(row['old_value'])} → "
            f"{_shown(row['new_value'])}",
            data={
                "field_key": row["field_key"],
                "old_value": row["old_value"],
                "new_value": row["new_value"],
                "reason": row["reason"],
            },
        )
        for row in rows
    ]


def tag_changes(query: TimelineQuery) -> list[Entry]:
    changes = CustomerTagChange.objects.filter(tenant=query.tenant, customer=query.customer)
    if query.kinds != {"tag_added", "tag_removed"}:
        changes = changes.filter(added="tag_added" in query.kinds)
    rows = keyset_page(changes, query, source="tag", time_field="changed_at").values(
        "pk", "changed_at", "changed_by__username", "tag_name", "added", "rule_id", "rule__name"
    )
    return [
        Entry.make(
            "tag",
            row["pk"],
            kind="tag_added" if row["added"] else "tag_removed",
            occurred_at=row["changed_at"],
            actor=row["changed_by__username"],
            summary=f"Tag “{row['tag_name']}” {'added' if row['added'] else 'removed'}"
            + _by_rule(row),
            data={"tag": row["tag_name"], **({"rule": row["rule_id"]} if row["rule_id"] else {})},
        )
        for row in rows
    ]


def _by_rule(row: dict) -> str:
    """A smart-tag rule's change says so (by its label, when it has one)."""
    if row["rule_id"] is None:
        return ""
    return f" by the rule “{row['rule__name']}”" if row["rule__name"] else " by a smart-tag rule"


def linked_leads(query: TimelineQuery):
    """The customer's leads the reader may see (agents: theirs and unassigned ones)."""
    if query.membership is None:
        leads = Lead.objects.for_tenant(query.tenant)
    else:
        leads = leads_visible_to(tenant=query.tenant, membership=query.membership)
    return leads.filter(customer=query.customer)


def linked_lead_activity(query: TimelineQuery):
    """LeadActivity of the customer's leads: (tenant, lead, created_at) range scans, one per
    lead (customers have few leads)."""
    leads = linked_leads(query).values("pk")
    return LeadActivity.objects.filter(tenant=query.tenant, lead__in=leads)


def lead_entry(source: str, kind: str, row: dict) -> Entry:
    """An entry of a LeadActivity row read with LEAD_ACTIVITY_VALUES."""
    name = f"{row['lead__first_name']} {row['lead__last_name']}".strip()
    return Entry.make(
        source,
        row["pk"],
        kind=kind,
        occurred_at=row["created_at"],
        actor=row["actor__username"],
        summary=f"{name}: {row['message']}",
        data={
            "lead": row["lead_id"],
            "lead_name": name,
            "activity": row["kind"],
            "changes": row["changes"],
        },
    )


def lead_activity(query: TimelineQuery) -> list[Entry]:
    activity = linked_lead_activity(query).exclude(kind=ActivityKind.MILESTONE)
    if query.kinds == {"lead"}:
        activity = activity.filter(kind__in=LEAD_STORY)
    elif query.kinds == {"lead_activity"}:
        activity = activity.exclude(kind__in=LEAD_STORY)
    rows = keyset_page(activity, query, source="lead", time_field="created_at")
    return [
        lead_entry("lead", "lead" if row["kind"] in LEAD_STORY else "lead_activity", row)
        for row in rows.values(*LEAD_ACTIVITY_VALUES)
    ]


def _shown(value) -> str:
    return "—" if value in (None, "") else str(value)


def register_crm_providers() -> None:
    register_note_provider()
    register(Provider(source="field_change", kinds=("field_change",), fetch=field_changes))
    register(Provider(source="tag", kinds=("tag_added", "tag_removed"), fetch=tag_changes))
    register(Provider(source="lead", kinds=("lead", "lead_activity"), fetch=lead_activity))
    register_segment_provider()
    register_import_providers()
    register_merge_provider()
