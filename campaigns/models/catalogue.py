"""The campaign catalogue: types (with budget guidelines), channels (with their
sending integration), statuses (the tenant's workflow), budget types and templates. Every entry
is code-addressed configuration (tenancy's ConfigEntry: order, active flag, soft delete)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from tenancy.models.config import ConfigEntry, code_validator, color_validator

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}


def _live_unique(field: str, name: str, message: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["tenant", field],
        condition=Q(deleted_at__isnull=True),
        name=name,
        violation_error_message=message,
    )


class CampaignType(ConfigEntry):
    flag_field = "is_default"

    type_code = models.CharField(max_length=50, validators=[code_validator])
    type_name = models.CharField(max_length=100)
    icon = models.CharField(max_length=50, blank=True)
    color_hex = models.CharField(max_length=7, blank=True, validators=[color_validator])
    is_default = models.BooleanField(default=False)
    typical_duration_days = models.PositiveIntegerField(null=True, blank=True)
    min_budget = models.DecimalField(null=True, blank=True, **MONEY)
    max_budget = models.DecimalField(null=True, blank=True, **MONEY)
    recommended_budget = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["display_order", "type_code"]
        constraints = [
            _live_unique(
                "type_code",
                "campaigntype_code_unique_live",
                "A campaign type with this code already exists.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type_name} ({self.type_code})"

    def clean(self) -> None:
        low, high, recommended = self.min_budget, self.max_budget, self.recommended_budget
        if low is not None and high is not None and low > high:
            raise ValidationError({"max_budget": ["The maximum is below the minimum."]})
        if recommended is not None and (
            (low is not None and recommended < low) or (high is not None and recommended > high)
        ):
            raise ValidationError(
                {"recommended_budget": ["The recommended budget is outside min–max."]}
            )

    def budget_problem(self, budget: Decimal) -> str | None:
        """Why `budget` is outside this type's guidelines, or None."""
        if self.min_budget is not None and budget < self.min_budget:
            return f"{self.type_name} campaigns need a budget of at least {self.min_budget}."
        if self.max_budget is not None and budget > self.max_budget:
            return f"{self.type_name} campaigns allow a budget of at most {self.max_budget}."
        return None


class ChannelKind(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    SOCIAL = "social", "Social"
    ADS = "ads", "Ads"
    OTHER = "other", "Other"


# Channels that send one message per customer (the others report impressions and clicks).
MESSAGE_KINDS = (ChannelKind.EMAIL, ChannelKind.SMS, ChannelKind.WHATSAPP)


class CampaignChannel(ConfigEntry):
    flag_field = "is_default"

    channel_code = models.CharField(max_length=50, validators=[code_validator])
    channel_name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=ChannelKind.choices, default=ChannelKind.OTHER)
    icon = models.CharField(max_length=50, blank=True)
    is_default = models.BooleanField(default=False)
    average_cpl = models.DecimalField(null=True, blank=True, **MONEY)
    average_cpm = models.DecimalField(null=True, blank=True, **MONEY)
    average_roi = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    cost_per_message = models.DecimalField(
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text="What one sent message costs; counted into a campaign's cost when sent.",
    )
    # Secrets: write-only in the API, masked in the admin, never logged or rendered.
    integration_key = models.CharField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=500, blank=True)
    integration_data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["display_order", "channel_code"]
        constraints = [
            _live_unique(
                "channel_code",
                "campaignchannel_code_unique_live",
                "A campaign channel with this code already exists.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel_name} ({self.channel_code})"

    @property
    def sends_messages(self) -> bool:
        return self.kind in MESSAGE_KINDS


class StatusPhase(models.TextChoices):
    """What a status means to sending, whatever the tenant calls it."""

    DRAFT = "draft", "Draft (not launched)"
    ACTIVE = "active", "Active (sending)"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"


class CampaignStatus(ConfigEntry):
    flag_field = "is_initial"

    status_code = models.CharField(max_length=50, validators=[code_validator])
    status_name = models.CharField(max_length=100)
    color_hex = models.CharField(max_length=7, blank=True, validators=[color_validator])
    phase = models.CharField(max_length=16, choices=StatusPhase.choices, default=StatusPhase.DRAFT)
    is_initial = models.BooleanField(default=False)
    is_final = models.BooleanField(default=False)
    allows_editing = models.BooleanField(default=False)
    next_statuses = models.JSONField(
        default=list, blank=True, help_text="Codes of the statuses a campaign may move to next."
    )

    class Meta:
        ordering = ["display_order", "status_code"]
        verbose_name_plural = "campaign statuses"
        constraints = [
            _live_unique(
                "status_code",
                "campaignstatus_code_unique_live",
                "A campaign status with this code already exists.",
            ),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(is_initial=True, deleted_at__isnull=True),
                name="campaignstatus_one_initial",
                violation_error_message="Only one status can be the initial one.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status_name} ({self.status_code})"

    def clean(self) -> None:
        if self.is_final and self.next_statuses:
            raise ValidationError({"next_statuses": ["A final status leads nowhere."]})
        if self.is_initial and self.is_final:
            raise ValidationError({"is_final": ["The initial status cannot be final."]})


class BudgetType(ConfigEntry):
    budget_type_code = models.CharField(max_length=50, validators=[code_validator])
    budget_type_name = models.CharField(max_length=100)
    per_channel = models.BooleanField(
        default=False,
        help_text="Campaigns of this budget type give each channel its own budget.",
    )

    class Meta:
        ordering = ["display_order", "budget_type_code"]
        constraints = [
            _live_unique(
                "budget_type_code",
                "budgettype_code_unique_live",
                "A budget type with this code already exists.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.budget_type_name} ({self.budget_type_code})"


class CampaignTemplate(ConfigEntry):
    """A reusable campaign: default channels, budget, duration, audience, KPIs and content."""

    flag_field = "is_default"

    template_name = models.CharField(max_length=200)
    campaign_type = models.ForeignKey(CampaignType, on_delete=models.PROTECT, related_name="+")
    default_channels = models.JSONField(default=list, blank=True)
    default_budget = models.DecimalField(null=True, blank=True, **MONEY)
    default_duration_days = models.PositiveIntegerField(null=True, blank=True)
    target_audience = models.JSONField(default=dict, blank=True)
    kpis = models.JSONField(default=list, blank=True)
    content = models.JSONField(
        default=dict,
        blank=True,
        help_text='{"EMAIL": {"subject": "…", "body": "…"}} per channel code.',
    )
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["display_order", "template_name"]

    def __str__(self) -> str:
        return self.template_name
