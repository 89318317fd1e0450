"""crm.services.bulk: tags and custom values on many customers at once, and deleting many — all
or nothing, each change in the timeline and the field history, the score and the rules and
segments kept current."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import Customer, CustomerTag, CustomerTagChange, Lead, Tag
from crm.services import bulk
from crm.services.bulk import customers_bulk_delete, customers_bulk_update
from crm.timeline.page import customer_timeline
from customfields.models import FieldHistory
from tests.crm.customers import customer, define
from tests.factories import CustomerFactory, LeadFactory


def tags_of(*customers) -> list[list[str]]:
    return [Customer.objects.get(pk=c.pk).tag_names() for c in customers]


def written() -> tuple:
    """Everything a bulk edit could write."""
    return (
        CustomerTag.objects.count(),
        CustomerTagChange.objects.count(),
        FieldHistory.objects.count(),
        Tag.objects.count(),
        tuple(Customer.objects.order_by("pk").values_list("custom_text_1", "custom_number_1")),
    )


@pytest.fixture
def three(tenant_a):
    return [customer(tenant_a, name) for name in ("Ann", "Bob", "Cy")]


def test_tags_are_added_and_removed_with_a_timeline_entry_per_real_change(tenant_a, agent_a, three):
    ann, bob, cy = three
    customer(tenant_a, "Dee")  # not selected: untouched
    bulk_update = customers_bulk_update
    bulk_update(tenant=tenant_a, by=agent_a, customer_ids=[ann.pk], add_tags=["old"])
    CustomerTagChange.objects.all().delete()

    updated = bulk_update(
        tenant=tenant_a,
        by=agent_a,
        customer_ids=[ann.pk, bob.pk, cy.pk, ann.pk],
        add_tags=[" VIP ", "renewal"],
        remove_tags=["old"],
    )

    assert updated == 3
    assert tags_of(ann, bob, cy) == [["renewal", "vip"]] * 3
    changes = CustomerTagChange.objects.filter(changed_by=agent_a.user)
    assert sorted(changes.values_list("customer__first_name", "tag_name", "added")) == [
        ("Ann", "old", False),
        ("Ann", "renewal", True),
        ("Ann", "vip", True),
        ("Bob", "renewal", True),
        ("Bob", "vip", True),
        ("Cy", "renewal", True),
        ("Cy", "vip", True),
    ]
    kinds = [e.kind for e in customer_timeline(tenant=tenant_a, customer=ann).entries]
    assert sorted(kinds) == ["tag_added", "tag_added", "tag_removed"]

    # Again: nothing changes, nothing is recorded.
    again = bulk_update(tenant=tenant_a, by=agent_a, customer_ids=[bob.pk], add_tags=["vip"])
    assert again == 0
    assert CustomerTagChange.objects.count() == 7


def test_a_custom_value_is_set_with_history_and_the_score_follows(
    tenant_a, manager_a, three, tier, points
):
    ann, bob, cy = three
    customer_update_points = customers_bulk_update(
        tenant=tenant_a, by=manager_a, customer_ids=[ann.pk], custom_fields={"points": 5}
    )
    assert customer_update_points == 1
    FieldHistory.objects.all().delete()
    before = Customer.objects.get(pk=bob.pk).crm_score

    updated = customers_bulk_update(
        tenant=tenant_a,
        by=manager_a,
        customer_ids=[ann.pk, bob.pk],
        custom_fields={"tier": "gold", "points": "5"},
    )

    assert updated == 2
    ann, bob, cy = (Customer.objects.get(pk=c.pk) for c in three)
    tier_col, points_col = tier.mapped_field_name, points.mapped_field_name
    assert [getattr(c, tier_col) for c in (ann, bob, cy)] == ["Gold", "Gold", None]
    assert [getattr(c, points_col) for c in (ann, bob, cy)] == [Decimal("5.00")] * 2 + [None]
    history = FieldHistory.objects.order_by("customer_id", "field_key")
    assert list(history.values_list("customer_id", "field_key", "old_value", "new_value")) == [
        (ann.pk, "tier", None, "Gold"),
        (bob.pk, "points", None, "5.00"),
        (bob.pk, "tier", None, "Gold"),
    ]
    assert set(history.values_list("changed_by", "reason")) == {(manager_a.user_id, "bulk edit")}
    assert bob.crm_score == before + 10  # completeness: both active fields filled
    kinds = [e.kind for e in customer_timeline(tenant=tenant_a, customer=bob).entries]
    assert kinds.count("field_change") == 2


def test_an_overflow_field_is_set_in_its_json(tenant_a, admin_a, three):
    for n in range(1, 16):
        define(tenant_a, f"n{n}", f"Number {n}", "number")
    extra = define(tenant_a, "n16", "Number 16", "number")
    assert not extra.in_slot
    ann, bob, _ = three
    customers_bulk_update(
        tenant=tenant_a, by=admin_a, customer_ids=[ann.pk], custom_fields={"n16": 1}
    )
    updated = customers_bulk_update(
        tenant=tenant_a, by=admin_a, customer_ids=[ann.pk, bob.pk], custom_fields={"n16": "2.5"}
    )
    assert updated == 2
    values = Customer.objects.filter(pk__in=[ann.pk, bob.pk]).order_by("pk")
    assert list(values.values_list("custom_fields_extra", flat=True)) == [{"n16": 2.5}] * 2
    history = FieldHistory.objects.filter(field_key="n16").order_by("customer_id", "pk")
    assert list(history.values_list("customer_id", "old_value", "new_value")) == [
        (ann.pk, None, "1.00"),
        (ann.pk, "1.00", "2.50"),
        (bob.pk, None, "2.50"),
    ]


def test_one_bad_value_writes_nothing_and_every_problem_is_named_at_once(
    tenant_a, agent_a, three, tier, points
):
    before = written()
    with pytest.raises(ValidationError) as caught:
        customers_bulk_update(
            tenant=tenant_a,
            by=agent_a,
            customer_ids=[c.pk for c in three],
            add_tags=["vip", "x" * 51],
            custom_fields={"tier": "Platinum", "points": -1, "nope": 1},
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "add_tags",
        "custom_fields.tier",
        "custom_fields.points",
        "custom_fields.nope",
    }
    assert written() == before


def test_another_tenants_customer_refuses_all_and_names_at_most_five(
    tenant_a, tenant_b, agent_a, three
):
    foreign = [CustomerFactory(tenant=tenant_b) for _ in range(7)]
    before = written()
    with pytest.raises(ValidationError) as caught:
        customers_bulk_update(
            tenant=tenant_a,
            by=agent_a,
            customer_ids=[three[0].pk, *(c.pk for c in foreign)],
            add_tags=["vip"],
        )
    (message,) = caught.value.message_dict["customer_ids"]
    listed = ", ".join(str(c.pk) for c in foreign[:5])
    assert message == f"Unknown customers: {listed} and 2 more."
    assert written() == before


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({}, "detail", "Choose something to change"),
        ({"add_tags": ["vip"], "remove_tags": ["VIP"]}, "remove_tags", "added and removed"),
        ({"add_tags": [f"t{n}" for n in range(21)]}, "add_tags", "At most 20 tags"),
    ],
)
def test_refusals(tenant_a, agent_a, three, given, field, words):
    with pytest.raises(ValidationError) as caught:
        customers_bulk_update(tenant=tenant_a, by=agent_a, customer_ids=[three[0].pk], **given)
    assert words in " ".join(caught.value.message_dict[field])


def test_no_ids_and_too_many_ids_are_refused(tenant_a, agent_a, monkeypatch):
    with pytest.raises(ValidationError, match="Select at least one customer"):
        customers_bulk_update(tenant=tenant_a, by=agent_a, customer_ids=[], add_tags=["a"])
    monkeypatch.setattr(bulk, "BULK_MAX", 2)
    with pytest.raises(ValidationError, match="At most 2 customers at once; 3 given"):
        customers_bulk_update(tenant=tenant_a, by=agent_a, customer_ids=[1, 2, 3], add_tags=["a"])


def test_a_customer_is_not_taken_past_the_tag_limit(tenant_a, agent_a):
    full = customer(tenant_a, "Full", tags=[f"t{n}" for n in range(20)])
    room = customer(tenant_a, "Room", tags=[f"t{n}" for n in range(19)])
    with pytest.raises(ValidationError) as caught:
        customers_bulk_update(
            tenant=tenant_a, by=agent_a, customer_ids=[full.pk, room.pk], add_tags=["new"]
        )
    assert f"would have more: {full.pk}." in caught.value.message_dict["add_tags"][0]
    # Swapping one tag for another keeps it at 20.
    customers_bulk_update(
        tenant=tenant_a,
        by=agent_a,
        customer_ids=[full.pk, room.pk],
        add_tags=["new"],
        remove_tags=["t0"],
    )
    assert len(Customer.objects.get(pk=full.pk).tag_names()) == 20


def test_chunks_cover_every_customer(tenant_a, agent_a, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 2)
    customers = [customer(tenant_a, f"C{n}") for n in range(5)]
    updated = customers_bulk_update(
        tenant=tenant_a, by=agent_a, customer_ids=[c.pk for c in customers], add_tags=["vip"]
    )
    assert updated == 5
    assert CustomerTagChange.objects.count() == 5
    assert tags_of(*customers) == [["vip"]] * 5


def test_delete_removes_the_customers_and_keeps_their_leads(tenant_a, manager_a, three):
    ann, bob, cy = three
    lead = LeadFactory(tenant=tenant_a, customer=ann)
    assert customers_bulk_delete(tenant=tenant_a, by=manager_a, customer_ids=[ann.pk, bob.pk]) == 2
    assert list(Customer.objects.values_list("pk", flat=True)) == [cy.pk]
    assert Lead.objects.get(pk=lead.pk).customer_id is None


def test_delete_is_refused_whole_for_an_unknown_id(tenant_a, tenant_b, admin_a, three):
    foreign = CustomerFactory(tenant=tenant_b)
    with pytest.raises(ValidationError):
        customers_bulk_delete(tenant=tenant_a, by=admin_a, customer_ids=[three[0].pk, foreign.pk])
    assert Customer.objects.count() == 4


def test_roles(tenant_a, agent_a, admin_b, three):
    ids = [c.pk for c in three]
    with pytest.raises(PermissionDenied, match="Only managers and admins"):
        customers_bulk_delete(tenant=tenant_a, by=agent_a, customer_ids=ids)
    with pytest.raises(PermissionDenied):
        customers_bulk_update(tenant=tenant_a, by=admin_b, customer_ids=ids, add_tags=["x"])
    with pytest.raises(PermissionDenied):
        customers_bulk_delete(tenant=tenant_a, by=admin_b, customer_ids=ids)
    assert Customer.objects.count() == 3 and not CustomerTag.objects.exists()
