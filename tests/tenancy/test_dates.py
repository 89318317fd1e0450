"""The one reading of periods: `days` (a whole number within bounds) and start/end dates. Bad
input is a ValidationError on the parameter (a 400 in the API), never a 500 and never a query."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tenancy.api.parsers import NUL_MESSAGE
from tenancy.dates import (
    DEFAULT_DAYS,
    MAX_DAYS,
    DateRange,
    last_days,
    parse_date_range,
    parse_days,
    tenant_today,
)
from tests.factories import make_tenant

BAD_DAYS = [
    "",
    "abc",
    "0",
    "-1",
    "+5",
    " 5",
    "5 ",
    "1.5",
    "1e3",
    "367",
    "99999999999999999999",
    "9" * 5000,  # past int()'s digit limit
    "\x00",
    "3\x00",
    "²",  # a digit to str.isdigit, not to int()
    "٣",  # Arabic-Indic three
]
DAYS_MESSAGE = f"Give a whole number of days from 1 to {MAX_DAYS}."


@pytest.mark.parametrize("raw", BAD_DAYS)
def test_bad_days_are_a_validation_error_on_days(raw):
    with pytest.raises(ValidationError) as caught:
        parse_days(raw)
    assert caught.value.message_dict == {"days": [DAYS_MESSAGE]}


@pytest.mark.parametrize(
    "raw, expected", [(None, DEFAULT_DAYS), ("1", 1), ("007", 7), ("366", 366), (30, 30)]
)
def test_good_days(raw, expected):
    assert parse_days(raw) == expected


def test_days_follow_the_default_and_maximum_given():
    assert parse_days(None, default=7, maximum=10) == 7
    assert parse_days("10", default=7, maximum=10) == 10
    with pytest.raises(ValidationError) as caught:
        parse_days("11", default=7, maximum=10)
    assert caught.value.message_dict == {"days": ["Give a whole number of days from 1 to 10."]}
    with pytest.raises(ValidationError):
        parse_days(0)


def test_a_date_range_has_its_days_and_the_tenants_bounds():
    period = DateRange(date(2026, 3, 30), date(2026, 4, 1))
    assert period.dates() == [date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1)]

    class Tokyo:
        tzinfo = ZoneInfo("Asia/Tokyo")

    start, end = period.bounds(Tokyo)
    assert start == datetime(2026, 3, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert end == datetime(2026, 4, 2, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert DateRange.ending(date(2026, 4, 1), days=3) == period
    with pytest.raises(ValidationError):
        DateRange.ending(date(2026, 4, 1), days=MAX_DAYS + 1)


@pytest.mark.django_db
def test_today_and_the_last_days_are_in_the_tenants_zone():
    tenant = make_tenant("zone")
    tenant.timezone = "Pacific/Kiritimati"  # UTC+14
    now = datetime(2026, 3, 1, 12, tzinfo=ZoneInfo("UTC"))
    assert tenant_today(tenant, now) == date(2026, 3, 2)
    assert last_days(tenant=tenant, days=2, now=now) == DateRange(
        date(2026, 3, 1), date(2026, 3, 2)
    )


@pytest.mark.django_db
def test_date_ranges():
    tenant = make_tenant("ranges")
    today = tenant_today(tenant)
    default = parse_date_range(tenant=tenant, start_date=None, end_date="")
    assert default == DateRange(today - timedelta(days=DEFAULT_DAYS - 1), today)
    given = parse_date_range(tenant=tenant, start_date="2024-05-01", end_date="2024-05-10")
    assert given == DateRange(date(2024, 5, 1), date(2024, 5, 10))
    assert parse_date_range(
        tenant=tenant, start_date=None, end_date="2024-05-10", default_days=10
    ) == DateRange(date(2024, 5, 1), date(2024, 5, 10))


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["May", "2024-13-01", "\x00", "9" * 5000, "2024-05-01\x00"])
def test_bad_dates_name_both_fields_at_once(raw):
    tenant = make_tenant("bad-dates")
    with pytest.raises(ValidationError) as caught:
        parse_date_range(tenant=tenant, start_date=raw, end_date=raw)
    assert caught.value.message_dict == {
        "start_date": ["Use a date in YYYY-MM-DD form."],
        "end_date": ["Use a date in YYYY-MM-DD form."],
    }


@pytest.mark.django_db
def test_a_start_after_the_end_is_refused():
    tenant = make_tenant("backwards")
    with pytest.raises(ValidationError) as caught:
        parse_date_range(tenant=tenant, start_date="2024-05-10", end_date="2024-05-01")
    assert caught.value.message_dict == {"start_date": ["The start date is after the end date."]}


# --- every API that reads `days` or a date range answers bad input with the same 400 --------

DAYS_ROUTES = [
    "/api/v1/customization/lead-sources/trends/",
    "/api/v1/customization/milestones/analytics/trends/",
    "campaign-trends",
]
RANGE_ROUTES = [
    "/api/v1/customization/lead-sources/WEBSITE/performance/",
    ("campaign-channel-performance", "FACEBOOK"),
]


def route(name):
    if isinstance(name, tuple):
        return reverse(name[0], args=name[1:])
    return name if name.startswith("/") else reverse(name)


@pytest.mark.parametrize("path", DAYS_ROUTES)
@pytest.mark.parametrize("raw", ["abc", "0", "-1", "99999999999999999999", "\x00", "367"])
def test_the_apis_answer_bad_days_with_a_400(api, manager_a, path, raw):
    response = api(manager_a).get(route(path), {"days": raw})
    assert response.status_code == 400
    # A NUL byte is refused before any parameter is read, in every API view.
    assert response.json() == {"days": [NUL_MESSAGE if raw == "\x00" else DAYS_MESSAGE]}


@pytest.mark.parametrize("path", DAYS_ROUTES)
def test_the_apis_default_to_30_days(api, manager_a, path):
    assert api(manager_a).get(route(path)).status_code == 200


@pytest.mark.parametrize("path", RANGE_ROUTES)
@pytest.mark.parametrize("raw", ["abc", "\x00", "99999999999999999999", "2024-02-30"])
def test_the_apis_answer_bad_dates_with_a_400(api, manager_a, path, raw):
    response = api(manager_a).get(route(path), {"start_date": raw})
    assert response.status_code == 400
    message = NUL_MESSAGE if raw == "\x00" else "Use a date in YYYY-MM-DD form."
    assert response.json() == {"start_date": [message]}


@pytest.mark.parametrize("path", RANGE_ROUTES)
def test_the_apis_refuse_a_backwards_range(api, manager_a, path):
    response = api(manager_a).get(
        route(path), {"start_date": "2024-05-10", "end_date": "2024-05-01"}
    )
    assert response.status_code == 400
    assert response.json() == {"start_date": ["The start date is after the end date."]}
