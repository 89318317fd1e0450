"""Business-time arithmetic on its own: nights, weekends, holidays, time zones and clock
changes (callbacks.businesstime)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from callbacks.businesstime import BusinessCalendar

NINE_TO_FIVE = {day: (time(9), time(17)) for day in range(5)}  # Monday to Friday
BERLIN = ZoneInfo("Europe/Berlin")


def calendar(tz=UTC, hours=None, holidays=()):
    return BusinessCalendar(tz=tz, hours=hours or NINE_TO_FIVE, holidays=frozenset(holidays))


def hours(n):
    return timedelta(hours=n)


def test_within_the_same_day():
    start = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday
    assert calendar().add(start, hours(4)) == datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


def test_ending_exactly_at_closing_time_stays_that_day():
    start = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
    assert calendar().add(start, hours(4)) == datetime(2026, 3, 4, 17, 0, tzinfo=UTC)


def test_over_a_night():
    start = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)  # Wednesday 16:00
    assert calendar().add(start, hours(4)) == datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def test_friday_afternoon_over_the_weekend():
    # 30 minutes on Friday, 3 h 30 on Monday.
    start = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)  # Friday
    assert calendar().add(start, hours(4)) == datetime(2026, 3, 9, 12, 30, tzinfo=UTC)


def test_friday_afternoon_with_nine_to_six_hours():
    # 1 h 30 on Friday (16:30–18:00), 2 h 30 on Monday.
    long_days = {day: (time(9), time(18)) for day in range(5)}
    start = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
    assert calendar(hours=long_days).add(start, hours(4)) == datetime(
        2026, 3, 9, 11, 30, tzinfo=UTC
    )


def test_a_holiday_monday_moves_the_due_time_to_tuesday():
    start = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
    due = calendar(holidays=[date(2026, 3, 9)]).add(start, hours(4))
    assert due == datetime(2026, 3, 10, 12, 30, tzinfo=UTC)


def test_consecutive_holidays_and_a_weekend():
    start = datetime(2026, 12, 23, 15, 0, tzinfo=UTC)  # Wednesday
    holidays = [date(2026, 12, 24), date(2026, 12, 25)]
    # 2 h on Wednesday; Thursday and Friday are holidays; the weekend is closed; 2 h on Monday.
    assert calendar(holidays=holidays).add(start, hours(4)) == datetime(
        2026, 12, 28, 11, 0, tzinfo=UTC
    )


def test_a_start_before_opening_counts_from_opening():
    start = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    assert calendar().add(start, hours(1)) == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def test_a_start_after_closing_counts_from_the_next_opening():
    start = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)
    assert calendar().add(start, hours(1)) == datetime(2026, 3, 5, 10, 0, tzinfo=UTC)


def test_a_saturday_start_counts_from_monday():
    start = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
    assert calendar().add(start, hours(1)) == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def test_many_days():
    start = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday
    # 7 h on that Wednesday, 8 h on each of the next eight working days (71 h by Monday 16th
    # at 17:00), and the last hour on Tuesday 17th.
    assert calendar().add(start, hours(72)) == datetime(2026, 3, 17, 10, 0, tzinfo=UTC)


def test_counted_in_the_calendars_time_zone():
    # 15:30 UTC on Friday is 16:30 in Berlin (UTC+1 in winter).
    start = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)
    due = calendar(tz=BERLIN).add(start, hours(4))
    assert due == datetime(2026, 3, 9, 12, 30, tzinfo=BERLIN)
    assert due.astimezone(UTC) == datetime(2026, 3, 9, 11, 30, tzinfo=UTC)


def test_a_tokyo_day_is_a_utc_night():
    tokyo = ZoneInfo("Asia/Tokyo")  # UTC+9
    start = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)  # 16:00 in Tokyo
    due = calendar(tz=tokyo).add(start, hours(2))
    assert due.astimezone(UTC) == datetime(2026, 3, 5, 1, 0, tzinfo=UTC)  # 10:00 next day


def test_hours_are_wall_clock_hours_across_a_clock_change():
    # Europe/Berlin moves to summer time on Sunday 2026-03-29; Friday 16:00 + 2 h is Monday
    # 10:00 local, which is UTC+2 by then.
    start = datetime(2026, 3, 27, 16, 0, tzinfo=BERLIN)
    due = calendar(tz=BERLIN).add(start, hours(2))
    assert due.replace(tzinfo=None) == datetime(2026, 3, 30, 10, 0)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_zero_hours_outside_opening_is_the_next_opening():
    start = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)  # Saturday
    assert calendar().add(start, timedelta(0)) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def test_weekend_opening_hours_count_when_set():
    every_day = {day: (time(10), time(14)) for day in range(7)}
    start = datetime(2026, 3, 6, 13, 0, tzinfo=UTC)  # Friday
    assert calendar(hours=every_day).add(start, hours(3)) == datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


def test_a_calendar_needs_an_open_day_and_sensible_hours():
    with pytest.raises(ValueError):
        BusinessCalendar(tz=UTC, hours={})
    with pytest.raises(ValueError):
        BusinessCalendar(tz=UTC, hours={0: (time(17), time(9))})
    with pytest.raises(ValueError):
        calendar().add(datetime(2026, 3, 4, tzinfo=UTC), timedelta(hours=-1))
