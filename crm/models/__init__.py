from .customers import Customer, CustomerTag
from .leads import (
    CLOSED_STATUSES,
    CONTACTED_STATUSES,
    HOT_LEAD_SCORE,
    QUALIFIED_STATUSES,
    ActivityKind,
    Lead,
    LeadActivity,
    LeadStatus,
    LeadTag,
    Tag,
    hot_lead_q,
)
from .notes import CustomerNote, NoteAction, NoteEvent
from .segments import RebuildStatus, Segment, SegmentChange, SegmentMembership
from .sources import LeadChannel, LeadSource, LeadSubSource, SourceType, code_validator
from .tag_changes import CustomerTagChange

__all__ = [
    "Customer",
    "CustomerNote",
    "CustomerTag",
    "CustomerTagChange",
    "ActivityKind",
    "CLOSED_STATUSES",
    "CONTACTED_STATUSES",
    "HOT_LEAD_SCORE",
    "Lead",
    "LeadActivity",
    "LeadChannel",
    "LeadSource",
    "LeadStatus",
    "LeadSubSource",
    "LeadTag",
    "NoteAction",
    "NoteEvent",
    "QUALIFIED_STATUSES",
    "RebuildStatus",
    "Segment",
    "SegmentChange",
    "SegmentMembership",
    "SourceType",
    "Tag",
    "code_validator",
    "hot_lead_q",
]
