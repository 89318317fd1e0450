"""What a launched campaign did: one execution per customer and channel, the events that came
back (opens, clicks, delivery reports, conversions), opt-outs, and the impressions and clicks
that ad channels report through the API."""

import uuid

from django.db import models
from django.db.models import Q

from crm.models import Customer, Lead
from tenancy.models import Tenant, TenantOwned

from .campaigns import Campaign
from .catalogue import MONEY, CampaignChannel


class ExecutionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Being handed off"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    BOUNCED = "bounced", "Bounced"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class SkipReason(models.TextChoices):
    NO_EMAIL = "no_email", "No email address"
    NO_PHONE = "no_phone", "No phone number"
    UNSUBSCRIBED = "unsubscribed", "Opted out of this channel"
    COMPLETED = "completed", "Campaign completed before sending"


class CampaignExecution(TenantOwned):
    """One message to one customer on one channel. The unique constraint is what makes launch
    idempotent: a second launch (or a concurrent one) cannot add a second row.

    Every row is rewritten two or three times as it is sent (claimed, sent, delivered), never
    as a HOT update since `status` is indexed, so every index costs on each message: the tenant
    and campaign keys have no single-column indexes of their own (the `(tenant,
    idempotency_key)` and `(campaign, …)` indexes lead with them; a campaign decides its
    tenant), and `claim` none at all (a claim reads its rows back by primary key)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, db_index=False)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="executions", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(CampaignChannel, on_delete=models.PROTECT, related_name="+")
    variant = models.CharField(max_length=1, blank=True)
    address = models.CharField(max_length=254, blank=True)
    status = models.CharField(
        max_length=16, choices=ExecutionStatus.choices, default=ExecutionStatus.PENDING
    )
    skip_reason = models.CharField(max_length=16, choices=SkipReason.choices, blank=True)
    # Sent to the provider with the message (Message-ID, Idempotency-Key) and quoted back by its
    # delivery reports.
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    cost = models.DecimalField(max_digits=10, decimal_places=4, default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    # The first open by a person (or click); opens by machines (campaigns.machine_opens) stamp
    # `machine_opened_at` instead, so the funnel counts readers.
    opened_at = models.DateTimeField(null=True, blank=True)
    machine_opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer", "channel"],
                name="campaignexecution_one_per_customer_channel",
            ),
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"], name="campaignexecution_unique_key"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="execution_campaign_status"),
            # The customer's timeline (campaigns.timeline): sent messages newest first. Partial,
            # so the unsent rows of a launch being queued cost it nothing.
            models.Index(
                fields=["tenant", "customer", "sent_at"],
                condition=Q(sent_at__isnull=False),
                name="execution_customer_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.address or self.customer_id} ({self.status})"


class ResponseKind(models.TextChoices):
    OPEN = "open", "Opened"
    CLICK = "click", "Clicked"
    DELIVERED = "delivered", "Delivery confirmed"
    BOUNCED = "bounced", "Bounced"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribed"
    CONVERSION = "conversion", "Converted"
    REPLY = "reply", "Replied"


class CampaignResponse(TenantOwned):
    """Something that came back from a customer or a provider: an open, a click, an
    unsubscribe, a delivery or bounce report, a reply, or a conversion with its value."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses")
    execution = models.ForeignKey(
        CampaignExecution, null=True, blank=True, on_delete=models.CASCADE, related_name="responses"
    )
    channel = models.ForeignKey(
        CampaignChannel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ResponseKind.choices)
    url = models.URLField(max_length=2000, blank=True)
    value = models.DecimalField(null=True, blank=True, **MONEY)
    note = models.CharField(max_length=500, blank=True)
    # An open made by a proxy or scanner, not the reader (campaigns.machine_opens): kept, but
    # left out of the open rate and every figure that counts opens unless asked for.
    is_machine_open = models.BooleanField(default=False)
    # What fetched the open pixel or followed the link (empty for other kinds).
    user_agent = models.CharField(max_length=500, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # A won lead converts for its campaign once, however often it is saved as WON.
            models.UniqueConstraint(
                fields=["tenant", "campaign", "lead"],
                condition=Q(kind="conversion", lead__isnull=False),
                name="campaignresponse_one_conversion_per_lead",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "campaign", "kind", "occurred_at"], name="response_campaign_kind"
            ),
            # The customer's timeline (campaigns.timeline).
            models.Index(
                fields=["tenant", "customer", "occurred_at"], name="response_customer_time"
            ),
        ]


class Unsubscribe(TenantOwned):
    """A customer opted out of a channel; every later send on it skips them."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(CampaignChannel, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "customer", "channel"], name="unsubscribe_unique"
            )
        ]


class AdMetric(TenantOwned):
    """A day of an ad or social channel's figures for a campaign, as the platform reports them."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ad_metrics")
    channel = models.ForeignKey(CampaignChannel, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    impressions = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    spend = models.DecimalField(default=0, **MONEY)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "campaign", "channel", "date"], name="admetric_unique_day"
            )
        ]
