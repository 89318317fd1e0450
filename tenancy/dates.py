"""Periods of days, read the same way by the API, the pages and the selectors.

A report's period is a range of whole days in the tenant's time zone: either `start_date` and
`end_date` (inclusive, YYYY-MM-DD, the last 30 days by default) or the last `days` days up to
today (a whole number from 1 to a maximum, 366 unless said otherwise). Bad input is a
ValidationError on the parameter's name with one wording per mistake, which the API answers as a
400 and the pages show on their forms; nothing reaches the database unparsed.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import Tenant
from .validators import validate_filter_date

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class DateRange:
    """Whole days from `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def ending(cls, end: date, *, days: int, maximum: int = MAX_DAYS) -> "DateRange":
        """The `days` days up to and including `end`; days outside 1..maximum are refused."""
        days = parse_days(days, maximum=maximum)
        return cls(end - timedelta(days=days - 1), end)

    def dates(self) -> list[date]:
        """Every day of the range, in order."""
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def bounds(self, tenant: Tenant) -> tuple[datetime, datetime]:
        """[start 00:00, day after end 00:00) in the tenant's time zone."""
        tz = tenant.tzinfo
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )


def tenant_today(tenant: Tenant, now: datetime | None = None) -> date:
    """Today (or `now`'s day) in the tenant's time zone."""
    return timezone.localtime(now or timezone.now(), tenant.tzinfo).date()


def days_message(maximum: int) -> str:
    return f"Give a whole number of days from 1 to {maximum}."


def parse_days(
    raw: str | int | None, *, default: int = DEFAULT_DAYS, maximum: int = MAX_DAYS
) -> int:
    """A `days` parameter: absent (None) is `default`; otherwise digits only (no sign, blank or
    space) making a number from 1 to `maximum`. Anything else is a ValidationError on "days"."""
    if raw is None:
        return default
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit():
        digits = raw.lstrip("0") or "0"
        # A number too long to be in range is refused before int() reads it.
        value = int(digits) if len(digits) <= len(str(maximum)) else None
    else:
        value = None
    if value is None or not 1 <= value <= maximum:
        raise ValidationError({"days": [days_message(maximum)]})
    return value


def last_days(*, tenant: Tenant, days: int, maximum: int = MAX_DAYS, now=None) -> DateRange:
    """The last `days` days up to today in the tenant's time zone (today included)."""
    return DateRange.ending(tenant_today(tenant, now), days=days, maximum=maximum)


def parse_date(raw: str | None, *, field: str) -> date | None:
    """A YYYY-MM-DD parameter; None or blank is None."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ValidationError({field: ["Use a date in YYYY-MM-DD form."]}) from None
    try:
        validate_filter_date(day)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return day


def parse_date_range(
    *,
    tenant: Tenant,
    start_date: str | None,
    end_date: str | None,
    default_days: int = DEFAULT_DAYS,
) -> DateRange:
    """Inclusive dates in the tenant's time zone; by default the last `default_days` days. Both
    dates are read before either error is raised, so a form shows every mistake at once."""
    errors = {}
    parsed = {}
    for name, raw in (("start_date", start_date), ("end_date", end_date)):
        try:
            parsed[name] = parse_date(raw, field=name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    end = parsed["end_date"] or tenant_today(tenant)
    start = parsed["start_date"] or end - timedelta(days=default_days - 1)
    if start > end:
        raise ValidationError({"start_date": ["The start date is after the end date."]})
    return DateRange(start, end)
