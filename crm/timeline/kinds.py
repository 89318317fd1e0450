"""The kinds of timeline entries, each with the words the pages show. Fixed here (not gathered
from the registered providers) so the API schema can list them: a kind without a provider yet
(segments, merges, imports until their issues land) filters to nothing, an unknown one is a
400."""

KINDS: dict[str, str] = {
    "note": "Note",
    "task": "Task",
    "task_completed": "Task completed",
    "field_change": "Field changed",
    "tag_added": "Tag added",
    "tag_removed": "Tag removed",
    "segment_entered": "Entered a segment",
    "segment_left": "Left a segment",
    "lead": "Lead",
    "lead_activity": "Lead activity",
    "milestone": "Milestone",
    "callback": "Callback",
    "campaign_sent": "Campaign sent",
    "campaign_opened": "Campaign opened",
    "campaign_clicked": "Campaign link clicked",
    "conversion": "Conversion",
    "unsubscribed": "Unsubscribed",
    "merge": "Merge",
    "import": "Import",
}
