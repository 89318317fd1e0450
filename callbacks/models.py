"""Callback requests (seed 003): a customer or lead asks to be called back, and agents work the
requests from a priority queue with an SLA. Each tenant tunes the priority weights, category
thresholds, SLA times, attempts and business hours in its CallbackSettings, and lists its
holidays as BusinessHoliday rows.

The priority itself is never stored: it is computed at read time (crm.selectors.callbacks) from
the request, its customer and lead, the tenant's settings and the clock. What is stored is the
SLA promise made when the request arrived (`sla_category`, `sla_due_at`), see CallbackRequest.
"""

import math
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
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


class CallbackStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_CALLBACK_STATUSES = (
    CallbackStatus.PENDING,
    CallbackStatus.SCHEDULED,
    CallbackStatus.IN_PROGRESS,
)
CLOSED_CALLBACK_STATUSES = (
    CallbackStatus.COMPLETED,
    CallbackStatus.FAILED,
    CallbackStatus.CANCELLED,
)


class CallbackReason(models.TextChoices):
    SALES_INQUIRY = "sales_inquiry", "Sales inquiry"
    SUPPORT = "support", "Support"
    BILLING = "billing", "Billing"
    COMPLAINT = "complaint", "Complaint"
    OTHER = "other", "Other"


class CallbackSource(models.TextChoices):
    CAMPAIGN_RESPONSE = "campaign_response", "Campaign response"
    WEB_FORM = "web_form", "Web form"
    API = "api", "API"
    MANUAL = "manual", "Manual"


class CallbackOutcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    SALE = "sale", "Sale made"
    FOLLOW_UP = "follow_up", "Follow-up needed"
    NOT_INTERESTED = "not_interested", "Not interested"
    ESCALATED = "escalated", "Escalated"


class PriorityCategory(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NINE, FIVE = time(9, 0), time(17, 0)


def _hours_field(default: time | None) -> models.TimeField:
    return models.TimeField(null=True, blank=True, default=default)


def _points(default: int, help_text: str = "") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        default=default, validators=[MaxValueValidator(1000)], help_text=help_text
    )


class CallbackSettings(TenantOwned):
    """One row per tenant, created with these defaults on the tenant's first callback (or by its
    admin). Changing the weights re-orders the queue at once (the priority is computed at read
    time); changing SLA hours, business hours or holidays applies to requests that arrive (or
    whose reason, customer, lead or window change) afterwards — an SLA is a promise made once."""

    # Priority parts, in points (docs/metrics.md "Callbacks").
    customer_value_points = _points(
        30, "Most points for customer value: half from total spent, half from the CRM score."
    )
    value_spend_cap = models.PositiveIntegerField(
        default=10_000,
        validators=[MinValueValidator(1)],
        help_text="Total spent (tenant currency) that earns the full spending half.",
    )
    lead_score_points = _points(20, "Points for a lead score of 100 (proportional).")
    vip_points = _points(20, "Points when the customer carries the VIP tag.")
    vip_tag = models.CharField(max_length=50, default="vip", help_text="The VIP tag's name.")
    sales_inquiry_points = _points(20)
    support_points = _points(10)
    billing_points = _points(15)
    complaint_points = _points(25)
    other_points = _points(0)
    aging_points_per_hour = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Points a request gains per hour of waiting, without limit.",
    )

    # Categories: a score at least the threshold (and below the next one up).
    urgent_threshold = models.PositiveIntegerField(default=80)
    high_threshold = models.PositiveIntegerField(default=60)
    normal_threshold = models.PositiveIntegerField(default=30)

    # SLA per category, in business hours.
    urgent_sla_hours = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)]
    )
    high_sla_hours = models.PositiveSmallIntegerField(default=4, validators=[MinValueValidator(1)])
    normal_sla_hours = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1)]
    )
    low_sla_hours = models.PositiveSmallIntegerField(default=72, validators=[MinValueValidator(1)])

    max_attempts = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Unanswered calls before a request fails.",
    )

    # Business hours per weekday in the tenant's time zone; both empty means closed that day.
    monday_open = _hours_field(NINE)
    monday_close = _hours_field(FIVE)
    tuesday_open = _hours_field(NINE)
    tuesday_close = _hours_field(FIVE)
    wednesday_open = _hours_field(NINE)
    wednesday_close = _hours_field(FIVE)
    thursday_open = _hours_field(NINE)
    thursday_close = _hours_field(FIVE)
    friday_open = _hours_field(NINE)
    friday_close = _hours_field(FIVE)
    saturday_open = _hours_field(None)
    saturday_close = _hours_field(None)
    sunday_open = _hours_field(None)
    sunday_close = _hours_field(None)

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                name="callbacksettings_one_per_tenant",
                violation_error_message="This tenant has its callback settings already.",
            )
        ]
        verbose_name = "callback settings"
        verbose_name_plural = "callback settings"

    def __str__(self) -> str:
        return "Callback settings"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not self.urgent_threshold > self.high_threshold > self.normal_threshold:
            errors["high_threshold"] = [
                "Thresholds must fall: urgent above high, high above normal."
            ]
        open_days = 0
        for day in WEEKDAYS:
            opens, closes = getattr(self, f"{day}_open"), getattr(self, f"{day}_close")
            if (opens is None) != (closes is None):
                errors[f"{day}_close"] = ["Give both the opening and closing time, or neither."]
            elif opens is not None and closes <= opens:
                errors[f"{day}_close"] = ["Closing time must be after opening time."]
            elif opens is not None:
                open_days += 1
        if open_days == 0 and not errors:
            errors["monday_open"] = ["Open on at least one weekday."]
        self.vip_tag = self.vip_tag.strip().lower()
        if errors:
            raise ValidationError(errors)

    def reason_points(self) -> dict[str, int]:
        return {reason: getattr(self, f"{reason}_points") for reason in CallbackReason.values}

    def business_hours(self) -> dict[int, tuple[time, time]]:
        """{weekday (0 = Monday): (open, close)} for the days the tenant is open."""
        return {
            number: (getattr(self, f"{day}_open"), getattr(self, f"{day}_close"))
            for number, day in enumerate(WEEKDAYS)
            if getattr(self, f"{day}_open") is not None
        }

    def sla_hours(self, category: str) -> int:
        return getattr(self, f"{category}_sla_hours")

    @property
    def highest_static_score(self) -> int:
        return (
            self.customer_value_points
            + self.lead_score_points
            + self.vip_points
            + max(self.reason_points().values())
        )

    @property
    def overtake_hours(self) -> float:
        """Waiting time after which a request outranks every request that arrived later,
        whatever their other parts (the spread of the static parts over the aging rate)."""
        spread = self.highest_static_score - min(self.reason_points().values())
        if self.aging_points_per_hour <= 0:  # an unsaved, invalid form input: no aging at all
            return math.inf
        return spread / self.aging_points_per_hour


class BusinessHoliday(TenantOwned):
    """A day the tenant is closed: SLA clocks do not run on it."""

    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "date"],
                name="businessholiday_unique_date",
                violation_error_message="This date is a holiday already.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date.isoformat()})"


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


class CallbackActivityKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    ASSIGNED = "assigned", "Assigned"
    CLAIMED = "claimed", "Claimed"
    STATUS = "status", "Status changed"
    NO_ANSWER = "no_answer", "No answer"
    NOTE = "note", "Note"


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
