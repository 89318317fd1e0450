"""Lead milestones: what a lead achieved, when, and how it went."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from crm.models import Lead
from tenancy.models import TenantOwned
from tenancy.validators import NOTES_MAX_LENGTH, capped_text_field

from .types import MilestoneType


class MilestoneStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


# The only moves a milestone's status can make: pending → in_progress → completed / skipped /
# failed. The last three are final.
NEXT_STATUSES = {
    MilestoneStatus.PENDING: (MilestoneStatus.IN_PROGRESS,),
    MilestoneStatus.IN_PROGRESS: (
        MilestoneStatus.COMPLETED,
        MilestoneStatus.SKIPPED,
        MilestoneStatus.FAILED,
    ),
    MilestoneStatus.COMPLETED: (),
    MilestoneStatus.SKIPPED: (),
    MilestoneStatus.FAILED: (),
}
# A new record starts at one of these: planned, under way, or achieved.
INITIAL_STATUSES = (
    MilestoneStatus.PENDING,
    MilestoneStatus.IN_PROGRESS,
    MilestoneStatus.COMPLETED,
)
OPEN_STATUSES = (MilestoneStatus.PENDING, MilestoneStatus.IN_PROGRESS)
# A step counts as passed in its template when completed or skipped.
PASSED_STATUSES = (MilestoneStatus.COMPLETED, MilestoneStatus.SKIPPED)


class Outcome(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


class LeadMilestone(TenantOwned):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="milestones")
    # No index of its own: lookups by type go through leadmilestone_type_status (tenant first).
    milestone_type = models.ForeignKey(
        MilestoneType, on_delete=models.RESTRICT, related_name="lead_milestones", db_index=False
    )
    # The day it was completed, skipped or failed; for an open one, the day it was planned or
    # started. A calendar date in the tenant's time zone.
    achieved_date = models.DateField()
    achieved_time = models.TimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=MilestoneStatus.choices, default=MilestoneStatus.COMPLETED
    )
    # Days since the lead's previous completed milestone; kept by the services for completed
    # milestones (null for the first one and for any other status).
    days_from_previous = models.IntegerField(null=True, blank=True, editable=False)
    notes = capped_text_field(NOTES_MAX_LENGTH, blank=True)
    location_latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    location_longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    location_name = models.CharField(max_length=200, blank=True)
    duration_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(60 * 24 * 7)]
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    follow_up_date = models.DateField(null=True, blank=True)
    follow_up_required = models.BooleanField(default=False)
    document_urls = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Not indexed: nothing reads milestones by who completed them; deleting a user (rare) scans.
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Oldest first; a milestone without a time comes first on its day (on every database).
        ordering = ["achieved_date", F("achieved_time").asc(nulls_first=True), "id"]
        constraints = [
            # One live record per stage and lead; a failed attempt can be followed by another.
            models.UniqueConstraint(
                fields=["tenant", "lead", "milestone_type"],
                condition=~Q(status=MilestoneStatus.FAILED),
                name="leadmilestone_one_per_type",
                violation_error_message="This lead already has a milestone of this type.",
            ),
        ]
        indexes = [
            # Read alone, without the table (docs/benchmarks.md): completion metrics (by type and
            # status), both sides of the bottleneck joins (a type's milestones by lead, with
            # status and date) and the trends (a type's completed milestones in a date range,
            # with days_from_previous).
            models.Index(
                fields=[
                    "tenant",
                    "milestone_type",
                    "status",
                    "achieved_date",
                    "lead",
                    "days_from_previous",
                ],
                name="leadmilestone_type_status_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone_type.type_code} ({self.status}) for {self.lead}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def next_statuses(self) -> tuple[str, ...]:
        return NEXT_STATUSES[MilestoneStatus(self.status)]
