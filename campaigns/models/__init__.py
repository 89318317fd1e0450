from .automation import CampaignTrigger, RunOutcome, RunReason, TriggerRun
from .campaigns import Campaign, CampaignChannelPlan, CampaignVariant
from .catalogue import (
    MESSAGE_KINDS,
    BudgetType,
    CampaignChannel,
    CampaignStatus,
    CampaignTemplate,
    CampaignType,
    ChannelKind,
    StatusPhase,
)
from .delivery import (
    AdMetric,
    CampaignExecution,
    CampaignResponse,
    ExecutionStatus,
    ResponseKind,
    SkipReason,
    Unsubscribe,
)

__all__ = [
    "AdMetric",
    "BudgetType",
    "Campaign",
    "CampaignChannel",
    "CampaignChannelPlan",
    "CampaignExecution",
    "CampaignResponse",
    "CampaignStatus",
    "CampaignTemplate",
    "CampaignTrigger",
    "CampaignType",
    "CampaignVariant",
    "ChannelKind",
    "ExecutionStatus",
    "MESSAGE_KINDS",
    "ResponseKind",
    "RunOutcome",
    "RunReason",
    "SkipReason",
    "StatusPhase",
    "TriggerRun",
    "Unsubscribe",
]
