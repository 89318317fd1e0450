from .lead_milestones import (
    INITIAL_STATUSES,
    NEXT_STATUSES,
    OPEN_STATUSES,
    PASSED_STATUSES,
    LeadMilestone,
    MilestoneStatus,
    Outcome,
)
from .open_steps import LeadOpenStep
from .templates import LeadMilestonePlan, MilestoneTemplate, MilestoneTemplateStep, TemplateType
from .types import MilestoneCategory, MilestoneType

__all__ = [
    "INITIAL_STATUSES",
    "NEXT_STATUSES",
    "OPEN_STATUSES",
    "PASSED_STATUSES",
    "LeadMilestone",
    "LeadMilestonePlan",
    "LeadOpenStep",
    "MilestoneCategory",
    "MilestoneStatus",
    "MilestoneTemplate",
    "MilestoneTemplateStep",
    "MilestoneType",
    "Outcome",
    "TemplateType",
]
