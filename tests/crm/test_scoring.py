"""The CRM score: its parts against hand-computed figures (docs/metrics.md "CRM score"), kept
current by the services, refreshed set-based by the service, the task and the command, and
read-only everywhere it is shown."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Customer
from crm.selectors.scoring import customer_score
from crm.services.customers import customer_create, customer_update
from crm.services.scoring import (
    InteractionKind,
    customer_record_interaction,
    scores_refresh,
)
from crm.tasks import refresh_scores
from customfields.services.definitions import definition_set_active
from tenancy.actors import OPERATOR
from tests.crm.customers import define
from tests.factories import make_tenant, with_crm_score

# 10:00 on 10 March 2025 in Auckland (UTC+13): 21:00 on 9 March in UTC.
NOW = datetime(2025, 3, 9, 21, 0, tzinfo=UTC)


@pytest.fixture
def auckland(db):
    return make_tenant("kiwi", timezone="Pacific/Auckland")


def fields(tenant):
    """Four active fields and one inactive one (never counted)."""
    made = [
        define(tenant, "tier", "Tier", "select", select_options=["Gold", "Silver"]),
        define(tenant, "points", "Points", "number"),
        define(tenant, "vip", "VIP", "boolean"),
        define(tenant, "nickname", "Nickname", "text"),
        define(tenant, "old", "Old field", "text"),
    ]
    definition_set_active(definition=made[-1], by=OPERATOR, active=False)
    return made


def interact(tenant, customer, at, times=1, kind=InteractionKind.CALL):
    for _ in range(times):
        customer_record_interaction(tenant=tenant, customer=customer, kind=kind, at=at, by=OPERATOR)


def local(tenant, *args):
    return datetime(*args, tzinfo=tenant.tzinfo)


def test_the_documented_example(auckland):
    """docs/metrics.md: 7 interactions, last contact 5 local days ago, 3 purchases, 3 of the 4
    active fields filled (false is a value) → 14 + 25 + 15 + 7 = 61."""
    fields(auckland)
    ada = customer_create(
        tenant=auckland,
        by=OPERATOR,
        data={"first_name": "Ada", "total_purchases": 3},
        custom_fields={"tier": "Gold", "points": 0, "vip": False},
    )
    interact(auckland, ada, local(auckland, 2025, 3, 5, 23, 30), times=7)
    expected = {"engagement": 14, "recency": 25, "purchases": 15, "completeness": 7}
    assert customer_score(customer=ada, now=NOW) == {"score": 61, "parts": expected}


@pytest.mark.parametrize(
    "interactions, purchases, engagement, purchase_points",
    [(0, 0, 0, 0), (1, 1, 2, 5), (19, 3, 38, 15), (20, 4, 40, 20), (500, 90, 40, 20)],
)
def test_engagement_and_purchases_are_capped(
    auckland, interactions, purchases, engagement, purchase_points
):
    customer = customer_create(
        tenant=auckland, by=OPERATOR, data={"first_name": "C", "total_purchases": purchases}
    )
    Customer.objects.filter(pk=customer.pk).update(total_interactions=interactions)
    parts = customer_score(customer=customer, now=NOW)["parts"]
    assert (parts["engagement"], parts["purchases"]) == (engagement, purchase_points)


@pytest.mark.parametrize(
    "contacted, recency",
    [
        (None, 0),  # never contacted
        ((2025, 3, 10, 0, 0), 30),  # today, from local midnight
        ((2025, 3, 10, 23, 59), 30),  # later today (a stamp after now counts as today)
        ((2025, 3, 9, 23, 59), 29),  # yesterday: in UTC this is still today (10:59 on 9 March)
        ((2025, 2, 9, 0, 0), 1),  # 29 days ago
        ((2025, 2, 8, 23, 59), 0),  # 30 days ago
        ((2024, 1, 1, 12, 0), 0),
    ],
)
def test_recency_counts_days_in_the_tenants_time_zone(auckland, contacted, recency):
    customer = customer_create(tenant=auckland, by=OPERATOR, data={"first_name": "R"})
    at = local(auckland, *contacted) if contacted else None
    Customer.objects.filter(pk=customer.pk).update(last_contacted_at=at)
    assert customer_score(customer=customer, now=NOW)["parts"]["recency"] == recency


@pytest.mark.parametrize(
    "values, completeness",
    [
        ({}, 0),
        ({"nickname": "Ada"}, 2),  # ⌊10 × 1/4⌋ = 2
        ({"tier": "Gold", "nickname": "Ada"}, 5),
        ({"tier": "Gold", "points": 1, "vip": True, "nickname": "A"}, 10),
    ],
)
def test_completeness_is_the_floor_of_the_filled_share(auckland, values, completeness):
    fields(auckland)
    customer = customer_create(
        tenant=auckland, by=OPERATOR, data={"first_name": "F"}, custom_fields=values
    )
    assert customer_score(customer=customer, now=NOW)["parts"]["completeness"] == completeness
    assert customer.crm_score == completeness  # nothing else scores: the stored score agrees


def test_no_active_fields_is_no_completeness(auckland):
    customer = customer_create(tenant=auckland, by=OPERATOR, data={"first_name": "N"})
    assert customer_score(customer=customer, now=NOW)["parts"]["completeness"] == 0


def test_the_services_keep_the_stored_score_current(tenant_a, manager_a):
    define(tenant_a, "nickname", "Nickname", "text")
    customer = customer_create(
        tenant=tenant_a, by=manager_a, data={"first_name": "K", "total_purchases": 1}
    )
    assert customer.crm_score == 5
    customer_update(customer=customer, by=manager_a, data={"total_purchases": 2})
    assert Customer.objects.get(pk=customer.pk).crm_score == 10
    customer_update(customer=customer, by=manager_a, data={}, custom_fields={"nickname": "Kay"})
    assert Customer.objects.get(pk=customer.pk).crm_score == 20  # 10 + completeness 10
    interact(tenant_a, customer, datetime.now(UTC))
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.total_interactions, stored.crm_score) == (1, 20 + 2 + 30)


def test_an_interaction_counts_and_never_moves_the_last_contact_back(tenant_a, manager_a):
    customer = customer_create(tenant=tenant_a, by=manager_a, data={"first_name": "I"})
    late, early = datetime(2025, 5, 2, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)
    interact(tenant_a, customer, late)
    interact(tenant_a, customer, early, kind=InteractionKind.REPLY)
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.total_interactions, stored.last_contacted_at) == (2, late)


def test_an_interaction_is_checked(tenant_a, tenant_b, manager_a, admin_b):
    customer = customer_create(tenant=tenant_a, by=manager_a, data={"first_name": "V"})
    now = datetime.now(UTC)

    def record(**kwargs):
        args = {"tenant": tenant_a, "customer": customer, "kind": "call", "at": now}
        customer_record_interaction(**{**args, "by": manager_a, **kwargs})

    with pytest.raises(ValidationError, match="kind"):
        record(kind="email")
    with pytest.raises(ValidationError, match="time zone"):
        record(at=datetime(2025, 1, 1))
    with pytest.raises(ValidationError, match="Unknown customer"):
        record(tenant=tenant_b, by=admin_b)
    with pytest.raises(PermissionDenied):
        record(by=admin_b)
    assert Customer.objects.get(pk=customer.pk).total_interactions == 0


def test_refresh_is_set_based_per_batch_and_writes_only_what_changed(auckland, tenant_b):
    today = local(auckland, 2025, 3, 10, 9, 0)
    people = [
        customer_create(tenant=auckland, by=OPERATOR, data={"first_name": f"P{i}"})
        for i in range(5)
    ]
    for person in people[:3]:
        Customer.objects.filter(pk=person.pk).update(last_contacted_at=today)
    other = with_crm_score(
        customer_create(tenant=tenant_b, by=OPERATOR, data={"first_name": "B"}), 3
    )
    span = people[-1].pk - people[0].pk + 1
    with CaptureQueriesContext(connection) as queries:
        assert scores_refresh(tenant=auckland, now=NOW, batch_size=1) == 3
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # The fields and the id bounds, then one UPDATE per batch (in its own savepoint here).
    assert statements.count("SELECT") == 2 and statements.count("UPDATE") == span
    assert [Customer.objects.get(pk=p.pk).crm_score for p in people] == [30, 30, 30, 0, 0]
    assert scores_refresh(tenant=auckland, now=NOW) == 0  # nothing moved
    tomorrow = NOW + timedelta(days=1)
    assert scores_refresh(tenant=auckland, now=tomorrow) == 3
    assert Customer.objects.get(pk=people[0].pk).crm_score == 29
    assert Customer.objects.get(pk=other.pk).crm_score == 3  # another tenant's: untouched


def test_the_command_refreshes_all_tenants_or_one(tenant_a, tenant_b):
    a = with_crm_score(customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "A"}), 9)
    b = with_crm_score(customer_create(tenant=tenant_b, by=OPERATOR, data={"first_name": "B"}), 9)
    out = StringIO()
    call_command("refresh_scores", "--tenant", "alpha", stdout=out)
    assert "alpha: 1 scores changed" in out.getvalue()
    assert (Customer.objects.get(pk=a.pk).crm_score, Customer.objects.get(pk=b.pk).crm_score) == (
        0,
        9,
    )
    call_command("refresh_scores", stdout=StringIO())
    assert Customer.objects.get(pk=b.pk).crm_score == 0
    with pytest.raises(CommandError, match="No tenant 'nope'"):
        call_command("refresh_scores", "--tenant", "nope")


def test_the_beat_task_refreshes_every_tenant_in_process(tenant_a, tenant_b, settings):
    assert settings.CELERY_BEAT_SCHEDULE["crm-refresh-scores"]["task"] == "crm.refresh_scores"
    a = with_crm_score(customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "A"}), 7)
    b = with_crm_score(customer_create(tenant=tenant_b, by=OPERATOR, data={"first_name": "B"}), 7)
    refresh_scores.delay()  # no broker in tests: eager
    assert {Customer.objects.get(pk=c.pk).crm_score for c in (a, b)} == {0}


def test_a_field_deactivated_changes_every_completeness(
    tenant_a, django_capture_on_commit_callbacks
):
    nickname = define(tenant_a, "nickname", "Nickname", "text")
    define(tenant_a, "tier", "Tier", "select", select_options=["Gold"])
    customer = customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "D"}, custom_fields={"tier": "Gold"}
    )
    assert customer.crm_score == 5
    with django_capture_on_commit_callbacks(execute=True):
        definition_set_active(definition=nickname, by=OPERATOR, active=False)
    assert Customer.objects.get(pk=customer.pk).crm_score == 10


def test_the_api_shows_the_score_and_ignores_writes_to_computed_fields(manager, tenant_a):
    customer = customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Api", "total_purchases": 2}
    )
    url = reverse("customer-score", args=[customer.pk])
    body = manager.get(url).json()
    assert body == {
        "score": 10,
        "parts": {"engagement": 0, "recency": 0, "purchases": 10, "completeness": 0},
    }
    detail = reverse("customer-detail", args=[customer.pk])
    response = manager.patch(
        detail,
        {"crm_score": 99, "total_interactions": 50, "last_contacted_at": "2025-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["crm_score"], data["total_interactions"], data["last_contacted_at"]) == (
        10,
        0,
        None,
    )
    ordered = manager.get(reverse("customer-list"), {"ordering": "-crm_score"}).json()
    assert ordered["results"][0]["crm_score"] == 10


def test_the_edit_page_has_no_inputs_for_computed_fields(login, manager_a, tenant_a):
    customer = customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "Page"})
    content = login(manager_a).get(reverse("crm:customer-edit", args=[customer.pk])).content
    for name in ("crm_score", "total_interactions", "last_contacted_at"):
        assert f'name="{name}"'.encode() not in content
    assert b'name="total_purchases"' in content


def test_the_score_filters_and_sorts_the_customers_api_and_cannot_be_written(
    api, tenant_a, manager_a
):
    low = with_crm_score(customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "L"}), 5)
    high = with_crm_score(
        customer_create(tenant=tenant_a, by=OPERATOR, data={"first_name": "H"}), 60
    )
    client = api(manager_a)
    listed = client.get(reverse("customer-list"), {"crm_score_min": 10, "ordering": "-crm_score"})
    assert [row["id"] for row in listed.json()["results"]] == [high.pk]
    listed = client.get(reverse("customer-list"), {"crm_score_max": 10})
    assert [row["id"] for row in listed.json()["results"]] == [low.pk]
    assert client.get(reverse("customer-list"), {"crm_score_min": 101}).status_code == 400
    client.patch(reverse("customer-detail", args=[low.pk]), {"crm_score": 99}, format="json")
    low.refresh_from_db()
    assert low.crm_score == 5
