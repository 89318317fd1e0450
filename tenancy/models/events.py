"""The event outbox: one row per thing that happened to a tenant's customer (a tag added, a
purchase reported by the tenant's shop …), written in the same transaction as the change itself
(tenancy.events.emit) and handed to the consumers (campaigns' automation) by the workers
(tenancy.events.process_events). A rolled-back change leaves no event; a committed one is
delivered at least once."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from ..validators import capped_text_field
from .tenants import Tenant, TenantOwned

# A consumer's error as kept on the event: its type and message, cut to this.
LAST_ERROR_MAX_LENGTH = 2000


class EventStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"


class OutboxEvent(TenantOwned):
    """An event of a tenant. `customer_id` is a plain integer, not a foreign key: tenancy stands
    below crm, so the emitters (crm and the apps above it) check that it is the tenant's
    customer; the row outlives the customer (a deleted customer's events stay readable).

    `event_id` is the sender's key: unique in the tenant when given, so a repeat is the same
    event (the unique constraint decides, not a check before the insert). `available_at` is
    when a worker may take it (now, or later for a retry); `attempts` counts the finished tries,
    `last_error` says why the last one failed."""

    # Indexed as the leading column of `outbox_event_customer`, not on its own.
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, db_index=False)
    event_type = models.CharField(max_length=64)
    customer_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(help_text="When it happened (the sender's time).")
    recorded_at = models.DateTimeField(
        default=timezone.now, help_text="When the outbox received it."
    )
    event_id = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        help_text="The sender's own key; the same key twice is one event.",
    )
    status = models.CharField(
        max_length=16, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = capped_text_field(LAST_ERROR_MAX_LENGTH, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = "event"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "event_id"],
                condition=models.Q(event_id__isnull=False),
                name="outbox_event_unique_event_id",
            )
        ]
        indexes = [
            # The workers' claim: the due waiting events, oldest first (a partial index stays
            # as small as the backlog however many processed rows are kept).
            models.Index(
                fields=["available_at", "id"],
                condition=models.Q(status="pending"),
                name="outbox_event_due",
            ),
            # The purge of processed events past their keeping time.
            models.Index(
                fields=["processed_at"],
                condition=models.Q(status="processed"),
                name="outbox_event_processed",
            ),
            # A customer's events (the API's `customer` filter), and every tenant-scoped read:
            # the tenant leads it, so the foreign key needs no index of its own.
            models.Index(fields=["tenant", "customer_id", "id"], name="outbox_event_customer"),
            # The failed events (the admin's and the API's status filter, the retry): a partial
            # index no INSERT pays for (events are written pending). The waiting ones are
            # `outbox_event_due`'s; the processed ones are nearly all of a tenant's rows.
            models.Index(
                fields=["tenant", "id"],
                condition=models.Q(status="failed"),
                name="outbox_event_failed",
            ),
        ]
        # Not indexed, on purpose: (tenant, status, id) and (tenant, event_type, id). Every
        # built-in event is an INSERT in its writer's transaction (a 50,000-customer bulk tag
        # edit is 50,000 rows), and each index is paid on every row; nothing reads by status
        # except the filters above, and the type is a filter of the API's list alone (read
        # newest first along the primary key). docs/benchmarks.md, "Issue 16: built-in events".

    def __str__(self) -> str:
        who = f" of customer {self.customer_id}" if self.customer_id else ""
        return f"{self.event_type}{who} ({self.get_status_display().lower()})"


__all__ = ["LAST_ERROR_MAX_LENGTH", "EventStatus", "OutboxEvent"]
