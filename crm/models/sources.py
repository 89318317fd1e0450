"""Lead sources, sub-sources and channels, addressed by code (tenancy.models.config)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from tenancy.models.config import ConfigEntry, code_validator, color_validator


class SourceType(models.TextChoices):
    WEBSITE = "website", "Website"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    REFERRAL = "referral", "Referral"
    EVENT = "event", "Event"
    SOCIAL = "social", "Social"
    DIRECT = "direct", "Direct"
    PARTNER = "partner", "Partner"
    IMPORT = "import", "Import"


class LeadSource(ConfigEntry):
    flag_field = "is_default"

    source_code = models.CharField(max_length=50, validators=[code_validator])
    source_name = models.CharField(max_length=100)
    source_type = models.CharField(
        max_length=20, choices=SourceType.choices, default=SourceType.WEBSITE
    )
    icon = models.CharField(max_length=50, blank=True)
    color_hex = models.CharField(max_length=7, blank=True, validators=[color_validator])
    is_default = models.BooleanField(default=False)
    score_bonus = models.SmallIntegerField(
        default=0, help_text="Points added to a new lead's auto-score when it comes from here."
    )

    class Meta:
        ordering = ["display_order", "source_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source_code"],
                condition=Q(deleted_at__isnull=True),
                name="leadsource_code_unique_live",
                violation_error_message="A lead source with this code already exists.",
            ),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(is_default=True, deleted_at__isnull=True),
                name="leadsource_one_default",
                violation_error_message="Only one lead source can be the default.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.source_code})"


class LeadSubSource(ConfigEntry):
    source = models.ForeignKey(LeadSource, on_delete=models.CASCADE, related_name="sub_sources")
    sub_source_code = models.CharField(max_length=50, validators=[code_validator])
    sub_source_name = models.CharField(max_length=100)
    icon = models.CharField(max_length=50, blank=True)
    cost_per_lead = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    total_cost = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["display_order", "sub_source_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source", "sub_source_code"],
                condition=Q(deleted_at__isnull=True),
                name="leadsubsource_code_unique_live",
                violation_error_message="This source already has a sub-source with this code.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sub_source_name} ({self.source.source_code}/{self.sub_source_code})"


class LeadChannel(ConfigEntry):
    channel_code = models.CharField(max_length=50, validators=[code_validator])
    channel_name = models.CharField(max_length=100)

    class Meta:
        ordering = ["display_order", "channel_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel_code"],
                condition=Q(deleted_at__isnull=True),
                name="leadchannel_code_unique_live",
                violation_error_message="A channel with this code already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_name} ({self.channel_code})"
