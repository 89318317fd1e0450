"""Callback requests and their activity log.

The priority is never stored: it is computed at read time (callbacks.selectors) from the
request, its customer and lead, the tenant's settings and the clock. What is stored is the SLA
promise made when the request arrived (`sla_category`, `sla_due_at`), see CallbackRequest.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from crm.models.customers import Customer
from crm.models.leads import Lead
from tenancy.models.tenants import TenantOwned
from tenancy.validators import (
    ACTIVITY_MESSAGE_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    capped_text_field,
    normalize_phone,
    validate_phone,
)

from .choices import (
    OPEN_CALLBACK_STATUSES,
    CallbackActivityKind,
    CallbackOutcome,
    CallbackReason,
    CallbackSource,
    CallbackStatus,
    PriorityCategory,
)


class CallbackRequest(TenantOwned):
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="callbacks"
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="callbacks"
    )
    phone = models.CharField(max_length=32, validators=[validate_phone])
    # The customer's preferred window (stored in UTC, entered and shown in the tenant's zone).
    preferred_start = models.DateTimeField(null=True, blank=True)
    preferred_end = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=16, choices=CallbackReason.choices)
    source = models.CharField(
        max_length=20, choices=CallbackSource.choices, default=CallbackSource.MANUAL
    )
    notes = capped_text_field(NOTES_MAX_LENGTH, blank=True)

    status = models.CharField(
        max_length=16, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    # Calls made: each no-answer, completion or failure logged counts one.
    attempts = models.PositiveIntegerField(default=0, editable=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_callbacks",
    )
    assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    scheduled_for = models.DateTimeField(null=True, blank=True, editable=False)
    resolution = capped_text_field(NOTES_MAX_LENGTH, blank=True, editable=False)
    outcome = models.CharField(
        max_length=16, choices=CallbackOutcome.choices, blank=True, editable=False
    )
    # Why a request failed or was cancelled.
    close_reason = capped_text_field(NOTES_MAX_LENGTH, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Stored, not computed at read time, because the SLA is a promise made when the request
    # arrives: it must not move when the customer's value or the tenant's settings change later
    # (the priority, which may move, is never stored). The services set both in the transaction
    # that inserts the row, from the priority category the saved request has on arrival (waiting
    # 0, computed by the one priority expression in SQL) and the tenant's business calendar; the
    # `due_before` and `breached` filters read it through an index.
    sla_category = models.CharField(
        max_length=8, choices=PriorityCategory.choices, blank=True, editable=False
    )
    sla_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(lead__isnull=False),
                name="callback_customer_or_lead",
                violation_error_message="Give a customer or a lead.",
            ),
            models.CheckConstraint(
                condition=Q(preferred_start__isnull=True, preferred_end__isnull=True)
                | Q(preferred_end__gt=F("preferred_start")),
                name="callback_window_ends_after_start",
                violation_error_message="The preferred window must end after it starts.",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="callback_tenant_status"),
            models.Index(
                fields=["tenant", "assigned_to", "status"], name="callback_tenant_assignee"
            ),
            models.Index(fields=["tenant", "sla_due_at"], name="callback_tenant_due"),
            models.Index(fields=["tenant", "closed_at"], name="callback_tenant_closed"),
        ]

    def __str__(self) -> str:
        return f"Callback #{self.pk} for {self.contact_name}"

    def get_absolute_url(self) -> str:
        return reverse("callbacks:callback-detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as exc:
                errors["phone"] = exc.messages
        if self.customer_id is None and self.lead_id is None:
            errors["customer"] = ["Give a customer or a lead."]
        if self.customer_id and self.customer.tenant_id != self.tenant_id:
            errors["customer"] = [f"Unknown customer {self.customer_id}."]
        if self.lead_id and self.lead.tenant_id != self.tenant_id:
            errors["lead"] = [f"Unknown lead {self.lead_id}."]
        elif (
            self.lead_id
            and self.customer_id
            and self.lead.customer_id not in (None, self.customer_id)
        ):
            errors["lead"] = ["This lead belongs to another customer."]
        if (self.preferred_start is None) != (self.preferred_end is None):
            errors["preferred_end"] = ["Give both ends of the preferred window, or neither."]
        elif self.preferred_start and self.preferred_end <= self.preferred_start:
            errors["preferred_end"] = ["The preferred window must end after it starts."]
        if errors:
            raise ValidationError(errors)

    @property
    def contact_name(self) -> str:
        contact = self.customer or self.lead
        return contact.full_name if contact else "—"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CALLBACK_STATUSES

    @property
    def sla_start(self):
        """The SLA clock starts when the request arrives, or when the customer's preferred
        window opens if that is later."""
        if self.preferred_start and self.preferred_start > self.created_at:
            return self.preferred_start
        return self.created_at


class CallbackActivity(TenantOwned):
    """One entry of a callback's log: who did what, when, with their note."""

    callback = models.ForeignKey(
        CallbackRequest, on_delete=models.CASCADE, related_name="activities"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=CallbackActivityKind.choices)
    message = capped_text_field(ACTIVITY_MESSAGE_MAX_LENGTH)
    note = capped_text_field(NOTES_MAX_LENGTH, blank=True)
    from_status = models.CharField(max_length=16, choices=CallbackStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=CallbackStatus.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "callback", "created_at"], name="callbackactivity_cb")
        ]
        verbose_name_plural = "callback activities"

    def __str__(self) -> str:
        return self.message
