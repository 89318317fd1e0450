"""Segments: saved conditions over customers (crm.conditions) whose members are stored, kept
current as customers change (crm.services.segments), and what entered and left when.

The membership table is what counts, lists and filters read: a segment's count is an
index-only count of (tenant, segment) and its first page a walk of (tenant, segment, since)
backwards, instead of evaluating the condition over the whole customer table each time."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models.config import color_validator
from tenancy.models.tenants import TenantOwned
from tenancy.validators import capped_text_field

from .customers import Customer

SEGMENT_DESCRIPTION_MAX_LENGTH = 2000


class RebuildStatus(models.TextChoices):
    IDLE = "idle", "Up to date"
    QUEUED = "queued", "Waiting to rebuild"
    RUNNING = "running", "Rebuilding"
    FAILED = "failed", "Rebuild failed"


class Segment(TenantOwned):
    name = models.CharField(max_length=100)
    description = capped_text_field(SEGMENT_DESCRIPTION_MAX_LENGTH, blank=True)
    # A condition over customers in the language of crm.conditions; {} is every customer.
    conditions = models.JSONField(default=dict, blank=True)
    color = models.CharField(
        max_length=7, default="#6b7280", validators=[color_validator], help_text="#rrggbb"
    )
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(
        default=True, help_text="Inactive segments are not kept current (a rebuild follows on)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # The full rebuild (crm.services.segments.segment_rebuild), written as it goes.
    status = models.CharField(
        max_length=8, choices=RebuildStatus.choices, default=RebuildStatus.IDLE, editable=False
    )
    processed = models.PositiveIntegerField(default=0, editable=False)
    total = models.PositiveIntegerField(default=0, editable=False)
    rebuilt_at = models.DateTimeField(null=True, blank=True, editable=False)
    error = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["order", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="segment_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class SegmentMembership(TenantOwned):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="segment_memberships"
    )
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Also the count's index: (tenant, segment) prefix, index-only.
            models.UniqueConstraint(
                fields=["tenant", "segment", "customer"], name="segmentmembership_unique"
            )
        ]
        indexes = [
            # First page of members newest first: a backwards walk, no sort.
            models.Index(
                fields=["tenant", "segment", "since", "customer"], name="segmentmember_since"
            ),
            # A customer's segments (the profile, the `segment` filter's join).
            models.Index(fields=["tenant", "customer"], name="segmentmember_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.segment_id}"


class SegmentChange(TenantOwned):
    """A customer entered (or left) a segment: the timeline's segment_entered / segment_left."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="changes")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="segment_changes")
    entered = models.BooleanField(help_text="Entered (true) or left (false).")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "customer", "at"], name="segmentchange_customer")]

    def __str__(self) -> str:
        return f"{'+' if self.entered else '-'}{self.segment_id}"
