"""Milestone templates: ordered steps of milestone types. A lead
follows its tenant's default template unless a plan gives it another."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from crm.models import Lead
from tenancy.models import TenantOwned
from tenancy.models.config import ConfigEntry

from .types import MilestoneType

MAX_ESTIMATED_DAYS = 3660


class TemplateType(models.TextChoices):
    STANDARD = "standard", "Standard"
    CAMPAIGN = "campaign", "Campaign"
    PROJECT = "project", "Project"
    CUSTOM = "custom", "Custom"


class MilestoneTemplate(ConfigEntry):
    flag_field = "is_default"

    template_name = models.CharField(max_length=100)
    template_type = models.CharField(
        max_length=20, choices=TemplateType.choices, default=TemplateType.STANDARD
    )
    is_default = models.BooleanField(default=False)
    estimated_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_ESTIMATED_DAYS)]
    )

    class Meta:
        ordering = ["display_order", "template_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "template_name"],
                condition=Q(deleted_at__isnull=True),
                name="milestonetemplate_name_unique_live",
                violation_error_message="A milestone template with this name already exists.",
            ),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(is_default=True, deleted_at__isnull=True),
                name="milestonetemplate_one_default",
                violation_error_message="Only one milestone template can be the default.",
            ),
        ]

    def __str__(self) -> str:
        return self.template_name

    def type_codes(self) -> list[str]:
        """The template's `sequence` (as the API shows it): the steps' type codes in order."""
        return [step.milestone_type.type_code for step in self.steps.all()]


class MilestoneTemplateStep(TenantOwned):
    """One step of a template. Positions run 0, 1, 2, … (the services renumber them)."""

    template = models.ForeignKey(MilestoneTemplate, on_delete=models.CASCADE, related_name="steps")
    milestone_type = models.ForeignKey(
        MilestoneType, on_delete=models.RESTRICT, related_name="template_steps"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "template", "position"], name="templatestep_unique_position"
            ),
            models.UniqueConstraint(
                fields=["tenant", "template", "milestone_type"], name="templatestep_unique_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.milestone_type.type_code}"


class LeadMilestonePlan(TenantOwned):
    """A lead that follows another template than its tenant's default."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="milestone_plans")
    template = models.ForeignKey(
        MilestoneTemplate, on_delete=models.CASCADE, related_name="lead_plans"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "lead"], name="leadmilestoneplan_unique_lead")
        ]

    def __str__(self) -> str:
        return f"{self.lead} follows {self.template}"
