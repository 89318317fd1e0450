"""Time-based events (crm.services.time_events): `date_reached` on a date field's day in the
tenant's time zone (yearly; 29 February on 28 February in other years; not before the date),
`inactive` once per spell after N days without activity; a second run on the same day emits
nothing new; another tenant's customers are never touched; the hourly task, the command and its
errors; and a trigger on date_reached with a condition firing once the outbox is drained."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from campaigns.automation.services import trigger_create
from campaigns.models import TriggerRun
from crm.models import Customer
from crm.services.time_events import time_events_emit
from crm.tasks import emit_time_events
from customfields.models import FieldDefinition
from tenancy.actors import OPERATOR
from tenancy.models import OutboxEvent
from tests.campaigns.triggers import drain_outbox, running_campaign
from tests.crm.customers import customer, define

pytestmark = pytest.mark.django_db

# 12:00 UTC on 3 March 2026 is already 01:00 on 4 March in Auckland (UTC+13 in summer).
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def auckland(tenant_a):
    tenant_a.timezone = "Pacific/Auckland"
    tenant_a.save()
    return tenant_a


@pytest.fixture
def thresholds(settings):
    settings.INACTIVE_THRESHOLDS_DAYS = (30, 90)
    settings.TIME_EVENTS_CATCHUP_DAYS = 3


def events(tenant, event_type="date_reached"):
    return list(
        OutboxEvent.objects.filter(tenant=tenant, event_type=event_type)
        .order_by("customer_id", "event_id")
        .values("customer_id", "data", "event_id")
    )


def born(tenant, name, birthday, key="birthday"):
    return customer(tenant, name, **{key: birthday})


@pytest.fixture
def birthday_a(auckland):
    return define(auckland, "birthday", "Birthday", "date")


def test_a_birthday_is_reached_on_the_tenants_day_not_utcs(
    auckland, tenant_b, birthday_a, thresholds
):
    ada = born(auckland, "Ada", date(1990, 3, 4))
    born(auckland, "Bea", date(1990, 3, 3))  # today in UTC, yesterday in Auckland
    define(tenant_b, "birthday", "Birthday", "date")  # tenant B is in UTC
    born(tenant_b, "Cy", date(1990, 3, 4))

    assert time_events_emit(tenant=auckland, now=NOW)["date_reached"] == 1
    assert events(auckland) == [
        {
            "customer_id": ada.pk,
            "data": {"field": "birthday", "date": "1990-03-04", "years": 36},
            "event_id": f"date_reached:birthday:{ada.pk}:2026-03-04",
        }
    ]
    # Tenant A's run never reaches tenant B's customers; B's own day is 3 March.
    assert events(tenant_b) == []
    assert time_events_emit(tenant=tenant_b, now=NOW)["date_reached"] == 0


def test_running_twice_a_day_emits_once(auckland, birthday_a, thresholds):
    born(auckland, "Ada", date(1990, 3, 4))
    assert time_events_emit(tenant=auckland, now=NOW) == {"date_reached": 1, "inactive": 0}
    assert time_events_emit(tenant=auckland, now=NOW) == {"date_reached": 0, "inactive": 0}
    later = NOW + timedelta(hours=9)  # 10:00 the same day in Auckland
    assert time_events_emit(tenant=auckland, now=later)["date_reached"] == 0
    assert len(events(auckland)) == 1
    # The next year's birthday is a new event.
    next_year = datetime(2027, 3, 3, 12, 0, tzinfo=UTC)
    assert time_events_emit(tenant=auckland, now=next_year)["date_reached"] == 1


@pytest.mark.parametrize(
    ("today", "fires"),
    [
        (date(2027, 2, 28), True),  # no 29 February in 2027: the 28th stands in
        (date(2027, 3, 1), False),
        (date(2028, 2, 28), False),  # 2028 has its own 29 February
        (date(2028, 2, 29), True),
    ],
)
def test_a_29_february_birthday(tenant_a, thresholds, today, fires):
    define(tenant_a, "birthday", "Birthday", "date")
    leapling = born(tenant_a, "Lea", date(2000, 2, 29))
    now = datetime(today.year, today.month, today.day, 12, 0, tzinfo=UTC)
    assert time_events_emit(tenant=tenant_a, now=now)["date_reached"] == int(fires)
    if fires:
        [event] = events(tenant_a)
        assert event["event_id"] == f"date_reached:birthday:{leapling.pk}:{today.isoformat()}"
        assert event["data"] == {
            "field": "birthday",
            "date": "2000-02-29",
            "years": today.year - 2000,
        }


def test_a_date_is_reached_on_its_day_and_anniversaries_not_before(tenant_a, thresholds):
    define(tenant_a, "renewal", "Renewal", "date")
    today = born(tenant_a, "Today", date(2026, 3, 3), key="renewal")
    born(tenant_a, "Future", date(2027, 3, 3), key="renewal")
    time_events_emit(tenant=tenant_a, now=NOW)
    [event] = events(tenant_a)
    assert event["customer_id"] == today.pk
    assert event["data"] == {"field": "renewal", "date": "2026-03-03", "years": 0}


def test_inactive_and_deactivated_fields_and_other_types_are_left_alone(tenant_a, thresholds):
    birthday = define(tenant_a, "birthday", "Birthday", "date")
    define(tenant_a, "nickname", "Nickname", "text")
    customer(tenant_a, "Ada", birthday=date(1990, 3, 3), nickname="2026-03-03")
    FieldDefinition.objects.filter(pk=birthday.pk).update(is_active=False)
    assert time_events_emit(tenant=tenant_a, now=NOW)["date_reached"] == 0


def test_an_overflow_date_field_is_read_from_the_extra_values(tenant_a, thresholds):
    for n in range(10):  # every date slot taken: the next date field overflows
        define(tenant_a, f"date_{n}", f"Date {n}", "date")
    anniversary = define(tenant_a, "anniversary", "Anniversary", "date")
    assert anniversary.mapped_field_name is None
    ada = born(tenant_a, "Ada", date(2016, 3, 3), key="anniversary")
    born(tenant_a, "Bob", date(2016, 3, 4), key="anniversary")
    assert time_events_emit(tenant=tenant_a, now=NOW)["date_reached"] == 1
    assert events(tenant_a) == [
        {
            "customer_id": ada.pk,
            "data": {"field": "anniversary", "date": "2016-03-03", "years": 10},
            "event_id": f"date_reached:anniversary:{ada.pk}:2026-03-03",
        }
    ]


def contacted(person, at):
    Customer.objects.filter(pk=person.pk).update(last_contacted_at=at)


def created(person, at):
    Customer.objects.filter(pk=person.pk).update(created_at=at)


def test_inactive_fires_once_per_spell(tenant_a, tenant_b, thresholds):
    ada, bob, cy, dee, eve = (
        customer(tenant_a, name) for name in ("Ada", "Bob", "Cy", "Dee", "Eve")
    )
    contacted(ada, NOW - timedelta(days=30))  # 30 days ago: inactive:30
    contacted(bob, NOW - timedelta(days=29))  # not yet
    contacted(cy, NOW - timedelta(days=32))  # a day the task missed: caught up
    contacted(dee, NOW - timedelta(days=40))  # long gone before the feature: left alone
    created(eve, NOW - timedelta(days=90))  # never contacted, created 90 days ago: inactive:90
    foreign = customer(tenant_b, "Foreign")
    contacted(foreign, NOW - timedelta(days=30))

    assert time_events_emit(tenant=tenant_a, now=NOW)["inactive"] == 3
    assert time_events_emit(tenant=tenant_a, now=NOW + timedelta(hours=5))["inactive"] == 0
    got = {(e["customer_id"], e["event_id"]): e["data"] for e in events(tenant_a, "inactive")}
    assert got == {
        (ada.pk, f"inactive:30:{ada.pk}:2026-02-01"): {"days": 30, "last_activity": "2026-02-01"},
        (cy.pk, f"inactive:30:{cy.pk}:2026-01-30"): {"days": 30, "last_activity": "2026-01-30"},
        (eve.pk, f"inactive:90:{eve.pk}:2025-12-03"): {"days": 90, "last_activity": "2025-12-03"},
    }
    assert events(tenant_b, "inactive") == []

    # Two days on, Bob's 30 days have come; Ada's spell adds nothing; a new contact starts a
    # new spell.
    assert time_events_emit(tenant=tenant_a, now=NOW + timedelta(days=2))["inactive"] == 1
    contacted(ada, NOW + timedelta(days=2))
    assert time_events_emit(tenant=tenant_a, now=NOW + timedelta(days=32))["inactive"] == 1
    assert len([e for e in events(tenant_a, "inactive") if e["customer_id"] == ada.pk]) == 2


def test_inactive_counts_days_in_the_tenants_zone(auckland, thresholds, settings):
    settings.TIME_EVENTS_CATCHUP_DAYS = 0
    ada = customer(auckland, "Ada")
    # 11:30 UTC on 1 February is 00:30 on 2 February in Auckland: 30 Auckland days before
    # 4 March (31 in UTC, which would not fire today without a catch-up).
    contacted(ada, datetime(2026, 2, 1, 11, 30, tzinfo=UTC))
    time_events_emit(tenant=auckland, now=NOW)
    [event] = events(auckland, "inactive")
    assert event["data"] == {"days": 30, "last_activity": "2026-02-02"}


def test_a_rolled_back_run_emits_nothing(auckland, birthday_a, thresholds):
    born(auckland, "Ada", date(1990, 3, 4))

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        assert time_events_emit(tenant=auckland, now=NOW)["date_reached"] == 1
        raise Undo
    assert events(auckland) == []
    assert time_events_emit(tenant=auckland, now=NOW)["date_reached"] == 1


def test_the_hourly_task_covers_every_active_tenant_in_its_own_zone(
    auckland, tenant_b, birthday_a, thresholds, monkeypatch, settings
):
    beat = settings.CELERY_BEAT_SCHEDULE["crm-emit-time-events"]
    assert (beat["task"], beat["schedule"]) == ("crm.emit_time_events", 3600.0)
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    ada = born(auckland, "Ada", date(1990, 3, 4))
    define(tenant_b, "birthday", "Birthday", "date")
    bob = born(tenant_b, "Bob", date(1990, 3, 3))
    assert emit_time_events.delay().get() == 2  # no broker in tests: eager
    emit_time_events.delay()
    assert [e["customer_id"] for e in events(auckland)] == [ada.pk]
    assert [e["customer_id"] for e in events(tenant_b)] == [bob.pk]


def test_the_command_emits_and_reports(auckland, birthday_a, thresholds):
    ada = born(auckland, "Ada", date(1990, 3, 4))
    out = StringIO()
    call_command("emit_time_events", auckland.slug, "--date", "2026-03-04", stdout=out)
    assert f"{auckland.slug}: 1 date_reached, 0 inactive" in out.getvalue()
    assert [e["event_id"] for e in events(auckland)] == [
        f"date_reached:birthday:{ada.pk}:2026-03-04"
    ]
    call_command("emit_time_events", auckland.slug, "--date", "2026-03-04", stdout=out)
    assert len(events(auckland)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-tenant"], "No tenant 'no-such-tenant'."),
        (["--date", "2026-13-01"], "--date '2026-13-01' is not a date; give YYYY-MM-DD."),
        (["--date", "yesterday"], "--date 'yesterday' is not a date; give YYYY-MM-DD."),
        (["--date", "2999-01-01"], "is after"),
    ],
)
def test_the_commands_errors(tenant_a, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        call_command("emit_time_events", *args, stdout=StringIO())
    assert not OutboxEvent.objects.exists()


def test_a_trigger_on_date_reached_with_a_condition_fires_after_the_drain(
    auckland, birthday_a, thresholds, django_capture_on_commit_callbacks
):
    adult = born(auckland, "Ada", date(1990, 3, 4))
    child = born(auckland, "Kit", date(2016, 3, 4))
    define(auckland, "loyalty_points", "Loyalty points", "number")  # the campaign's content
    campaign = running_campaign(auckland)
    trigger = trigger_create(
        tenant=auckland,
        by=OPERATOR,
        data={
            "name": "Grown-up birthdays",
            "campaign": campaign,
            "event_type": "date_reached",
            "conditions": {
                "all": [
                    {"field": "event.field", "op": "eq", "value": "birthday"},
                    {"field": "event.years", "op": "gte", "value": 18},
                ]
            },
            "actions": [{"type": "add_tag", "tag": "birthday-greeted"}],
        },
    )
    time_events_emit(tenant=auckland, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        drain_outbox()
    runs = {run.customer_id: run.outcome for run in TriggerRun.objects.filter(trigger=trigger)}
    assert runs.get(adult.pk) == "fired"
    assert runs.get(child.pk) != "fired"
    assert Customer.objects.get(pk=adult.pk).tag_names() == ["birthday-greeted"]
    assert Customer.objects.get(pk=child.pk).tag_names() == []
