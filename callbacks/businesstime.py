"""Business-time arithmetic: the moment that lies N working hours after another, counted in a
tenant's time zone and skipping nights, closed weekdays and holidays.

Plain values in, plain values out (no database), so the SLA rules can be checked on their own.
Hours are counted on the wall clock of the tenant's zone: a 09:00–17:00 day is eight business
hours, also on the days the clocks change.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class BusinessCalendar:
    tz: tzinfo
    # weekday (0 = Monday) -> (opening, closing) time; a missing weekday is closed
    hours: Mapping[int, tuple[time, time]]
    holidays: Collection[date] = frozenset()

    def __post_init__(self):
        if not self.hours:
            raise ValueError("A business calendar needs at least one open weekday.")
        for opens, closes in self.hours.values():
            if closes <= opens:
                raise ValueError("Closing time must be after opening time.")

    def opening_hours(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's open period as local wall-clock times, or None on a closed day."""
        if day in self.holidays or day.weekday() not in self.hours:
            return None
        opens, closes = self.hours[day.weekday()]
        return datetime.combine(day, opens), datetime.combine(day, closes)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of open time after the aware datetime `start`, as an aware
        datetime in the calendar's zone. Time outside opening hours does not count, so a start
        after closing counts from the next opening; the result can be a closing time exactly."""
        if duration < timedelta(0):
            raise ValueError("Business time only runs forwards.")
        cursor = start.astimezone(self.tz).replace(tzinfo=None)
        remaining = duration
        day = cursor.date()
        while True:  # ends: some weekday is open and holidays are finitely many
            period = self.opening_hours(day)
            if period is not None:
                begin = max(cursor, period[0])
                if begin <= period[1]:
                    available = period[1] - begin
                    if remaining <= available:
                        return (begin + remaining).replace(tzinfo=self.tz)
                    remaining -= available
            day += timedelta(days=1)
            cursor = datetime.combine(day, time.min)
