"""The condition language's growth for segments: relative dates, activity through the registry,
`{"segment": id}` inlined with cycles refused, and which conditions read the clock."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.conditions import compile_condition, uses_time
from crm.models import Customer, Segment
from crm.services.notes import note_create
from tenancy.actors import OPERATOR
from tests.crm.customers import customer, define
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def matched(tenant, condition, **kwargs) -> set[str]:
    q = compile_condition(condition, tenant=tenant, **kwargs)
    return set(Customer.objects.for_tenant(tenant).filter(q).values_list("first_name", flat=True))


def refused(tenant, condition, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        compile_condition(condition, tenant=tenant, **kwargs)
    return " ".join(caught.value.message_dict["audience"])


def test_relative_dates_on_a_core_date_time(tenant_a):
    now = timezone.now()
    CustomerFactory(tenant=tenant_a, first_name="Old", last_contacted_at=now - timedelta(days=120))
    CustomerFactory(tenant=tenant_a, first_name="Recent", last_contacted_at=now - timedelta(days=3))
    CustomerFactory(tenant=tenant_a, first_name="Never", last_contacted_at=None)
    CustomerFactory(tenant=tenant_a, first_name="Future", last_contacted_at=now + timedelta(days=3))
    field = "last_contacted_at"
    old = {"field": field, "op": "more_than_days_ago", "value": 90}
    assert matched(tenant_a, old) == {"Old"}  # never contacted is not "more than 90 days ago"
    assert matched(tenant_a, {"any": [old, {"field": field, "op": "is_empty"}]}) == {
        "Old",
        "Never",
    }
    assert matched(tenant_a, {"field": field, "op": "within_last_days", "value": 7}) == {"Recent"}
    assert matched(tenant_a, {"field": field, "op": "within_last_days", "value": "7"}) == {"Recent"}


def test_relative_dates_on_a_custom_date(tenant_a):
    define(tenant_a, "renewal", "Renewal", "date")
    today = timezone.localdate()
    customer(tenant_a, "Soon", renewal=(today - timedelta(days=5)).isoformat())
    customer(tenant_a, "Long", renewal=(today - timedelta(days=400)).isoformat())
    customer(tenant_a, "Blank")
    rule = {"field": "custom.renewal", "op": "within_last_days", "value": 30}
    assert matched(tenant_a, rule) == {"Soon"}
    assert matched(tenant_a, {**rule, "op": "more_than_days_ago"}) == {"Long"}


@pytest.mark.parametrize("value", [-1, 36501, 1.5, True, "ten", None, "²"])
def test_days_are_whole_numbers_in_range(tenant_a, value):
    rule = {"field": "last_contacted_at", "op": "within_last_days", "value": value}
    assert "whole number of days from 0 to 36500" in refused(tenant_a, rule)


def test_relative_ops_only_on_dates(tenant_a):
    define(tenant_a, "points", "Points", "number")
    assert "does not apply to company" in refused(
        tenant_a, {"field": "company", "op": "within_last_days", "value": 3}
    )
    assert "Custom fields take" in refused(
        tenant_a, {"field": "custom.points", "op": "more_than_days_ago", "value": 3}
    )


def test_activity_conditions_come_from_the_registry(tenant_a, tenant_b):
    ada = CustomerFactory(tenant=tenant_a, first_name="Ada")
    CustomerFactory(tenant=tenant_a, first_name="Bob")
    note_create(tenant=tenant_a, by=OPERATOR, data={"customer": ada, "note": "Hello"})
    rule = {"field": "activity.note_added", "op": "within_last_days", "value": 30}
    assert matched(tenant_a, rule) == {"Ada"}
    assert matched(tenant_a, {"not": rule}) == {"Bob"}
    assert matched(tenant_a, {"field": "activity.note_added", "op": "is_empty"}) == {"Bob"}
    assert "Unknown activity 'dancing'" in refused(
        tenant_a, {"field": "activity.dancing", "op": "is_set"}
    )
    assert "Activities take" in refused(
        tenant_a, {"field": "activity.note_added", "op": "eq", "value": 1}
    )
    # campaigns registers its own at app ready; crm never imports it
    assert (
        matched(
            tenant_a, {"field": "activity.campaign_opened", "op": "within_last_days", "value": 30}
        )
        == set()
    )


def test_a_segment_reference_inlines_its_condition(tenant_a, tenant_b):
    CustomerFactory(tenant=tenant_a, first_name="Ada", company="Acme")
    CustomerFactory(tenant=tenant_a, first_name="Bob", company="Globex")
    acme = Segment.objects.create(
        tenant=tenant_a, name="Acme", conditions={"field": "company", "op": "eq", "value": "Acme"}
    )
    everyone = Segment.objects.create(tenant=tenant_a, name="All", conditions={})
    assert matched(tenant_a, {"segment": acme.pk}) == {"Ada"}
    assert matched(tenant_a, {"not": {"segment": acme.pk}}) == {"Bob"}
    assert matched(tenant_a, {"segment": everyone.pk}) == {"Ada", "Bob"}
    foreign = Segment.objects.create(tenant=tenant_b, name="B", conditions={})
    assert f"Unknown segment {foreign.pk}" in refused(tenant_a, {"segment": foreign.pk})
    assert "segment's id" in refused(tenant_a, {"segment": "1"})


def test_cycles_are_refused_with_the_way_round(tenant_a):
    first = Segment.objects.create(tenant=tenant_a, name="First", conditions={})
    second = Segment.objects.create(
        tenant=tenant_a, name="Second", conditions={"segment": first.pk}
    )
    # First would now refer to Second, which refers back to First.
    message = refused(tenant_a, {"segment": second.pk}, segment_id=first.pk)
    assert f"Segment {first.pk} refers back to itself through {second.pk}." in message
    assert f"Segment {first.pk} refers to itself." in refused(
        tenant_a, {"all": [{"segment": first.pk}]}, segment_id=first.pk
    )


def test_inlined_segments_count_toward_the_limits(tenant_a):
    deep: dict = {"field": "company", "op": "is_set"}
    for _ in range(5):
        deep = {"not": deep}
    inner = Segment.objects.create(tenant=tenant_a, name="Deep", conditions=deep)
    compile_condition({"segment": inner.pk}, tenant=tenant_a)  # 6 deep: fine
    assert "nest at most 6 deep" in refused(tenant_a, {"not": {"segment": inner.pk}})


def test_which_conditions_read_the_clock(tenant_a):
    plain = Segment.objects.create(
        tenant=tenant_a, name="Plain", conditions={"field": "company", "op": "is_set"}
    )
    timed = Segment.objects.create(
        tenant=tenant_a, name="Timed", conditions={"field": "crm_score", "op": "gte", "value": 5}
    )
    assert not uses_time({"segment": plain.pk}, tenant=tenant_a)
    assert uses_time({"any": [{"segment": plain.pk}, {"segment": timed.pk}]}, tenant=tenant_a)
    assert uses_time(
        {"field": "last_contacted_at", "op": "within_last_days", "value": 1}, tenant=tenant_a
    )
    assert uses_time(
        {"field": "activity.note_added", "op": "within_last_days", "value": 1}, tenant=tenant_a
    )
    assert not uses_time({"field": "activity.note_added", "op": "is_set"}, tenant=tenant_a)
    assert not uses_time({}, tenant=tenant_a)
