"""The fixed vocabularies of callbacks: statuses (and which are open), reasons, sources,
outcomes, priority categories and the kinds of activity-log entries."""

from django.db import models


class CallbackStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_CALLBACK_STATUSES = (
    CallbackStatus.PENDING,
    CallbackStatus.SCHEDULED,
    CallbackStatus.IN_PROGRESS,
)
CLOSED_CALLBACK_STATUSES = (
    CallbackStatus.COMPLETED,
    CallbackStatus.FAILED,
    CallbackStatus.CANCELLED,
)


class CallbackReason(models.TextChoices):
    SALES_INQUIRY = "sales_inquiry", "Sales inquiry"
    SUPPORT = "support", "Support"
    BILLING = "billing", "Billing"
    COMPLAINT = "complaint", "Complaint"
    OTHER = "other", "Other"


class CallbackSource(models.TextChoices):
    CAMPAIGN_RESPONSE = "campaign_response", "Campaign response"
    WEB_FORM = "web_form", "Web form"
    API = "api", "API"
    MANUAL = "manual", "Manual"


class CallbackOutcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    SALE = "sale", "Sale made"
    FOLLOW_UP = "follow_up", "Follow-up needed"
    NOT_INTERESTED = "not_interested", "Not interested"
    ESCALATED = "escalated", "Escalated"


class PriorityCategory(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


class CallbackActivityKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    ASSIGNED = "assigned", "Assigned"
    CLAIMED = "claimed", "Claimed"
    STATUS = "status", "Status changed"
    NO_ANSWER = "no_answer", "No answer"
    NOTE = "note", "Note"
