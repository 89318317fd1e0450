"""Milestone types: a tenant's pipeline stages, by code."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from tenancy.models.config import ConfigEntry, code_validator, color_validator

# A year is the longest SLA or typical duration a stage can have.
MAX_DAYS = 366


class MilestoneCategory(models.TextChoices):
    ENGAGEMENT = "engagement", "Engagement"
    ACTION = "action", "Action"
    DECISION = "decision", "Decision"
    COMPLETION = "completion", "Completion"


class MilestoneType(ConfigEntry):
    type_code = models.CharField(max_length=50, validators=[code_validator])
    type_name = models.CharField(max_length=100)
    icon = models.CharField(max_length=50, blank=True)
    color_hex = models.CharField(max_length=7, blank=True, validators=[color_validator])
    category = models.CharField(
        max_length=20, choices=MilestoneCategory.choices, default=MilestoneCategory.ENGAGEMENT
    )
    is_required = models.BooleanField(
        default=False, help_text="Must be completed for a lead's template to count as complete."
    )
    is_mandatory = models.BooleanField(default=False, help_text="Cannot be skipped.")
    typical_duration_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_DAYS)]
    )
    sla_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_DAYS)],
        help_text="Days allowed to reach this milestone after the lead's previous completed one.",
    )
    allows_attachment = models.BooleanField(default=False)
    allows_location = models.BooleanField(default=False)
    allows_notes = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_order", "type_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "type_code"],
                condition=Q(deleted_at__isnull=True),
                name="milestonetype_code_unique_live",
                violation_error_message="A milestone type with this code already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type_name} ({self.type_code})"
