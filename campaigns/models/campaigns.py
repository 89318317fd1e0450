"""Campaigns, the channels they run on (with a channel's own budget) and their content: one or
more weighted variants per message channel (A/B tests)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from tenancy.models import TenantOwned
from tenancy.validators import DESCRIPTION_MAX_LENGTH, MESSAGE_BODY_MAX_LENGTH, capped_text_field

from .catalogue import (
    MONEY,
    BudgetType,
    CampaignChannel,
    CampaignStatus,
    CampaignTemplate,
    CampaignType,
)

variant_validator = RegexValidator(r"^[A-Z]$", "Name variants with one capital letter: A, B, …")


class Campaign(TenantOwned):
    name = models.CharField(max_length=200)
    description = capped_text_field(DESCRIPTION_MAX_LENGTH, blank=True)
    campaign_type = models.ForeignKey(
        CampaignType, on_delete=models.PROTECT, related_name="campaigns"
    )
    status = models.ForeignKey(CampaignStatus, on_delete=models.PROTECT, related_name="campaigns")
    budget_type = models.ForeignKey(
        BudgetType, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns"
    )
    budget = models.DecimalField(default=0, **MONEY)
    channels = models.ManyToManyField(
        CampaignChannel, through="CampaignChannelPlan", related_name="campaigns"
    )
    # A condition over customers in the language of crm.conditions.
    audience = models.JSONField(default=dict, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    scheduled_at = models.DateTimeField(
        null=True, blank=True, help_text="When sending starts after launch (empty: at once)."
    )
    template = models.ForeignKey(
        CampaignTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kpis = models.JSONField(default=list, blank=True)
    launched_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="campaign_tenant_created")]

    def __str__(self) -> str:
        return self.name


class CampaignChannelPlan(TenantOwned):
    """A channel a campaign runs on, with that channel's budget when the budget type splits it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="plans")
    channel = models.ForeignKey(CampaignChannel, on_delete=models.PROTECT, related_name="plans")
    budget = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["channel__display_order", "channel__channel_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "campaign", "channel"], name="campaignchannelplan_unique"
            )
        ]


class CampaignVariant(TenantOwned):
    """The content one channel sends, as variant A (and B, C … for an A/B test)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    channel = models.ForeignKey(CampaignChannel, on_delete=models.PROTECT, related_name="+")
    variant = models.CharField(max_length=1, default="A", validators=[variant_validator])
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    subject = models.CharField(max_length=300, blank=True)
    body = capped_text_field(MESSAGE_BODY_MAX_LENGTH)

    class Meta:
        ordering = ["channel__display_order", "variant"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "campaign", "channel", "variant"],
                name="campaignvariant_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.channel.channel_code} · {self.variant}"
