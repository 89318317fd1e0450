"""A tenant's callback settings (priority weights, category thresholds, SLA hours, attempts and
business hours) and its holidays."""

import math
from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tenancy.models.tenants import TenantOwned

from .choices import CallbackReason

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
    def waiting_category_cap(self) -> int:
        """The most points waiting adds toward the category: the width of the narrower middle
        band (urgent − high, high − normal), so waiting lifts a request by one category at most.
        The score, which orders the queue, counts all of the waiting."""
        return max(
            min(
                self.urgent_threshold - self.high_threshold,
                self.high_threshold - self.normal_threshold,
            ),
            0,
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
