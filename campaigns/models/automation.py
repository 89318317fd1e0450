"""Automation: triggers that react to events of the outbox (tenancy.events) with a list of
actions, and the run log — one row per (trigger, customer, event), fired, scheduled or skipped
with its reason (campaigns.automation)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from crm.models import Customer
from tenancy.models import Tenant, TenantOwned

from .campaigns import Campaign

MAX_DELAY_MINUTES = 60 * 24 * 365  # a year
MAX_ACTIONS = 10


class CampaignTrigger(TenantOwned):
    """When an event of `event_type` of a customer matches `conditions` (the condition language
    over the customer and `event.<key>`), run `actions` in order — after `delay_minutes`, at
    most `max_per_customer` times per customer, and only while the campaign is active."""

    name = models.CharField(max_length=200)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="triggers")
    event_type = models.CharField(max_length=64)
    conditions = models.JSONField(default=dict, blank=True)
    delay_minutes = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    max_per_customer = models.PositiveIntegerField(null=True, blank=True)
    # [{"type": "send"}, {"type": "add_tag", "tag": "vip"}, …] (campaigns.automation.actions)
    actions = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign_id", "name", "id"]
        constraints = [
            # What the run log's (tenant, trigger) key refers to (migration 0010).
            models.UniqueConstraint(fields=["tenant", "id"], name="trigger_tenant_id")
        ]
        indexes = [
            # The consumer's lookup: a tenant's active triggers on an event type.
            models.Index(
                fields=["tenant", "event_type"],
                condition=Q(is_active=True),
                name="trigger_active_by_type",
            )
        ]

    def __str__(self) -> str:
        return self.name


class RunOutcome(models.TextChoices):
    FIRED = "fired", "Fired"
    SCHEDULED = "scheduled", "Scheduled"
    SKIPPED = "skipped", "Skipped"


class RunReason(models.TextChoices):
    CONDITION = "condition_not_met", "The condition did not match"
    CAMPAIGN_NOT_ACTIVE = "campaign_not_active", "The campaign was not running"
    MAX_REACHED = "max_reached", "Already fired the most times allowed for this customer"
    OPTED_OUT = "opted_out", "The customer opted out of every channel of the campaign"
    TRIGGER_INACTIVE = "trigger_inactive", "The trigger was switched off before it was due"


class TriggerRun(TenantOwned):
    """One evaluation of a trigger for one event of one customer. The unique key is what makes
    an event processed twice (the outbox delivers at least once) fire once: the row is inserted
    or ignored, never checked first."""

    # The run log gets ~32 rows per event (docs/benchmarks.md, issue 16), so every row goes
    # into four indexes and no more (its key, the customer's, triggerrun_event and
    # triggerrun_once; triggerrun_due holds only scheduled runs): the tenant and the trigger
    # have none of their own, since triggerrun_event starts with the tenant and
    # triggerrun_once with the trigger (a trigger decides its tenant). triggerrun_once also
    # serves the trigger's page, the caps' counts (trigger, customer) and a trigger's delete.
    #
    # On PostgreSQL the two are one foreign key, (tenant, trigger) → the trigger's (tenant,
    # id), added by migration 0010: a run cannot name another tenant than its trigger's, and
    # each row costs the commit one check instead of two (the trigger's own key vouches for
    # the tenant). Django still deletes the runs with their trigger or tenant.
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    trigger = models.ForeignKey(
        CampaignTrigger,
        on_delete=models.CASCADE,
        related_name="runs",
        db_index=False,
        db_constraint=False,
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    # The outbox event's id (events are purged after a week; the run log stays).
    event = models.BigIntegerField()
    event_type = models.CharField(max_length=64)
    # The event's data, for a delayed run's actions (assign_lead reads `lead`).
    event_data = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=16, choices=RunOutcome.choices)
    reason = models.CharField(max_length=32, choices=RunReason.choices, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    fired_at = models.DateTimeField(null=True, blank=True)
    # What each action did: [{"type": "add_tag", "ok": true, "detail": "…"}, …]
    results = models.JSONField(default=list, blank=True)
    # Which insert wrote the row: tells this batch's new rows from those already there.
    batch = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["trigger", "customer", "event"], name="triggerrun_once")
        ]
        indexes = [
            # A batch reads the runs its events already have (handed over again) in one probe
            # per event, before it carries out anything.
            models.Index(fields=["tenant", "event"], name="triggerrun_event"),
            models.Index(
                fields=["due_at"], condition=Q(outcome="scheduled"), name="triggerrun_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trigger} · {self.customer_id} · {self.outcome}"
