from .customers import Customer, CustomerTag
from .imports import (
    ImportFile,
    ImportFileChunk,
    ImportFormat,
    ImportJob,
    ImportKind,
    ImportRecord,
    ImportRowError,
    ImportStatus,
    OnDuplicate,
)
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
    hot_lead_q,
)
from .merges import CustomerMerge
from .notes import CustomerNote, NoteAction, NoteEvent
from .segments import RebuildStatus, Segment, SegmentChange, SegmentMembership
from .sources import LeadChannel, LeadSource, LeadSubSource, SourceType, code_validator
from .tag_changes import CustomerTagChange
from .tag_rules import SmartTagRule
from .tags import TAG_PALETTE, Tag, listed_tags, palette_color

__all__ = [
    "listed_tags",
    "Customer",
    "CustomerMerge",
    "CustomerNote",
    "CustomerTag",
    "CustomerTagChange",
    "ActivityKind",
    "CLOSED_STATUSES",
    "CONTACTED_STATUSES",
    "HOT_LEAD_SCORE",
    "ImportFile",
    "ImportFileChunk",
    "ImportFormat",
    "ImportJob",
    "ImportKind",
    "ImportRecord",
    "ImportRowError",
    "ImportStatus",
    "OnDuplicate",
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
    "SmartTagRule",
    "RebuildStatus",
    "Segment",
    "SegmentChange",
    "SegmentMembership",
    "SourceType",
    "Tag",
    "TAG_PALETTE",
    "code_validator",
    "hot_lead_q",
    "palette_color",
]
