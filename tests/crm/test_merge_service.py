"""crm.services.merge.customer_merge: values chosen field by field (core and custom), everything
attached to the duplicates moved to the kept customer (leads, notes, tasks, callbacks, campaign
executions and responses, opt-outs, field history, tags, tag changes, segment memberships and
history, earlier merges), the duplicates gone, all in one transaction; roles and tenancy."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from callbacks.models import CallbackRequest
from callbacks.services.requests import callback_create
from campaigns.models import CampaignExecution, CampaignResponse, ResponseKind, Unsubscribe
from crm.models import (
    Customer,
    CustomerMerge,
    CustomerNote,
    CustomerTagChange,
    ImportRecord,
    Lead,
    SegmentChange,
    SegmentMembership,
)
from crm.services import merge as merge_services
from crm.services.customers import customer_create, customer_update
from crm.services.imports import import_undo
from crm.services.merge import (
    MergeMover,
    customer_merge,
    customer_relations,
    merge_counts,
    movers,
    on_customer_merge,
    relation_label,
)
from crm.services.notes import note_create
from crm.services.segments import segment_create, segment_rebuild
from crm.timeline.merges import merge_summary
from customfields.models import FieldHistory
from customfields.services.values import active_definitions, read_values
from tenancy.actors import OPERATOR
from tests.campaigns.conftest import channel
from tests.campaigns.factories import CampaignFactory
from tests.crm.customers import define
from tests.crm.imports import run_import
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(tenant_a):
    define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])
    define(tenant_a, "points", "Loyalty points", "number")


def person(tenant, first, last, *, tags=(), custom=None, **data):
    return customer_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": first, "last_name": last, **data},
        tags=tags,
        custom_fields=custom or {},
    )


@pytest.fixture
def pair(tenant_a, fields):
    keep = person(
        tenant_a,
        "Ann",
        "Lee",
        email="ann@old.example",
        company="Acme",
        total_purchases=2,
        total_spent=Decimal("100.00"),
        tags=["gold"],
        custom={"tier": "Gold", "points": None},
    )
    dup = person(
        tenant_a,
        "Ann",
        "Lee",
        email="ann@new.example",
        phone="+4420 7946 0000",
        total_purchases=3,
        total_spent=Decimal("50.50"),
        tags=["vip", "gold"],
        custom={"tier": "Silver", "points": 40},
    )
    return keep, dup


def campaign(tenant, name):
    email = channel(tenant, "EMAIL")
    return CampaignFactory(
        tenant=tenant,
        name=name,
        channels=[email],
        contents=[{"channel": email, "subject": "Hi", "body": "<p>Hello</p>"}],
    )


def execution(campaign_, customer, **fields):
    return CampaignExecution.objects.create(
        tenant=campaign_.tenant,
        campaign=campaign_,
        customer=customer,
        channel=channel(campaign_.tenant, "EMAIL"),
        **fields,
    )


def attach_everything(tenant, manager, keep, dup):
    """One of every kind of row on the duplicate (and a clashing execution on the kept one)."""
    rows = {}
    rows["lead"] = LeadFactory(tenant=tenant, customer=dup)
    rows["note"] = note_create(tenant=tenant, by=manager, data={"customer": dup, "note": "Hi"})
    rows["task"] = note_create(
        tenant=tenant,
        by=manager,
        data={"customer": dup, "note": "Call", "is_task": True, "due_date": "2030-01-01"},
    )
    rows["callback"] = callback_create(
        tenant=tenant, by=manager, data={"customer": dup, "reason": "support"}
    )
    spring, autumn = campaign(tenant, "Spring"), campaign(tenant, "Autumn")
    early = timezone.now() - timezone.timedelta(days=3)
    rows["kept_spring"] = execution(spring, keep)
    rows["dup_spring"] = execution(spring, dup, opened_at=early)
    CampaignExecution.objects.filter(pk=rows["dup_spring"].pk).update(created_at=early)
    rows["dup_autumn"] = execution(autumn, dup)
    rows["response"] = CampaignResponse.objects.create(
        tenant=tenant,
        campaign=spring,
        execution=rows["dup_spring"],
        customer=dup,
        kind=ResponseKind.OPEN,
        occurred_at=early,
    )
    rows["opt_out"] = Unsubscribe.objects.create(
        tenant=tenant, customer=dup, channel=channel(tenant, "EMAIL")
    )
    rows["segment"] = segment_create(
        tenant=tenant,
        by=OPERATOR,
        data={"name": "VIPs", "conditions": {"field": "tags", "op": "has", "value": "vip"}},
    )
    segment_rebuild(segment_id=rows["segment"].pk)  # the duplicate enters it
    customer_update(customer=dup, by=OPERATOR, data={"description": "Seen twice"})
    return rows


def test_merge_moves_everything_and_takes_the_chosen_values(tenant_a, manager_a, pair):
    keep, dup = pair
    rows = attach_everything(tenant_a, manager_a, keep, dup)
    assert SegmentMembership.objects.filter(customer=dup).count() == 1
    dup_history = FieldHistory.objects.filter(customer=dup).count()
    dup_tag_changes = CustomerTagChange.objects.filter(customer=dup).count()
    dup_segment_changes = SegmentChange.objects.filter(customer=dup).count()
    assert merge_counts(tenant=tenant_a, duplicate_ids=[dup.pk]) == {
        "leads": 1,
        "notes": 1,
        "tasks": 1,
        "tags": 2,
        "history": dup_history + dup_tag_changes + dup_segment_changes,
        "callbacks": 1,
        "campaign_messages": 2,
        "campaign_responses": 1,
        "opt_outs": 1,
    }

    merged = customer_merge(
        tenant=tenant_a,
        by=manager_a,
        keep=keep,
        duplicates=[dup.pk],
        values={"email": dup.pk, "custom.tier": dup.pk, "phone": dup.pk},
    )

    assert merged.pk == keep.pk
    assert not Customer.objects.filter(pk=dup.pk).exists()
    # Values: chosen ones from the duplicate, the kept one's otherwise, the non-empty one where
    # the kept one had none, purchases added up.
    assert (merged.email, merged.phone, merged.company) == (
        "ann@new.example",
        "+442079460000",
        "Acme",
    )
    assert read_values(merged, active_definitions(tenant_a).values()) == {
        "tier": "Silver",
        "points": Decimal("40.00"),
    }
    assert (merged.total_purchases, merged.total_spent) == (5, Decimal("150.50"))
    assert merged.description == "Seen twice"
    # Everything moved.
    assert Lead.objects.get(pk=rows["lead"].pk).customer_id == keep.pk
    assert set(CustomerNote.objects.filter(customer=keep).values_list("pk", flat=True)) == {
        rows["note"].pk,
        rows["task"].pk,
    }
    assert CallbackRequest.objects.get(pk=rows["callback"].pk).customer_id == keep.pk
    # The clashing Spring executions: the earlier (the duplicate's) stays, with its response.
    spring = CampaignExecution.objects.filter(campaign=rows["dup_spring"].campaign)
    assert list(spring.values_list("pk", "customer_id")) == [(rows["dup_spring"].pk, keep.pk)]
    assert spring.get().opened_at is not None
    assert CampaignExecution.objects.get(pk=rows["dup_autumn"].pk).customer_id == keep.pk
    response = CampaignResponse.objects.get(pk=rows["response"].pk)
    assert (response.customer_id, response.execution_id) == (keep.pk, rows["dup_spring"].pk)
    assert Unsubscribe.objects.get(pk=rows["opt_out"].pk).customer_id == keep.pk
    assert merged.tag_names() == ["gold", "vip"]
    assert CustomerTagChange.objects.filter(customer=keep, tag_name="vip", added=True).count() == 2
    assert FieldHistory.objects.filter(customer=keep, reason="merge").exists()
    assert FieldHistory.objects.filter(customer=keep).count() > dup_history
    # Segment membership recomputed for the kept one (it has "vip" now); history kept.
    assert list(SegmentMembership.objects.values_list("customer_id", flat=True)) == [keep.pk]
    assert SegmentChange.objects.filter(customer=keep, entered=True).count() == (
        dup_segment_changes + 1
    )
    # Nothing points at the duplicate any more.
    for model, name in customer_relations():
        assert not model._default_manager.filter(**{name: dup.pk}).exists(), (model, name)
    # The record, and the timeline's words.
    record = CustomerMerge.objects.get(customer=keep)
    assert record.merged == [{"id": dup.pk, "name": "Ann Lee"}]
    assert record.merged_by == manager_a.user
    assert record.values["email"] == {"label": "Email", "from": dup.pk}
    assert record.values["custom.tier"] == {"label": "Membership tier", "from": dup.pk}
    assert record.values["custom.points"] == {"label": "Loyalty points", "from": dup.pk}
    assert record.values["total_purchases"]["from"] == "sum"
    assert "first_name" not in record.values  # the same on both
    assert record.moved["callbacks"] == 1 and record.moved["leads"] == 1
    summary = merge_summary(record.merged, record.values)
    assert summary.startswith(f"Merged Ann Lee (#{dup.pk}) into this customer: ")
    assert f"email from #{dup.pk}" in summary and "purchases added up" in summary


def test_a_value_chosen_from_the_kept_one_wins_over_a_non_empty_duplicate(tenant_a, pair):
    keep, dup = pair
    merged = customer_merge(
        tenant=tenant_a,
        by=OPERATOR,
        keep=keep,
        duplicates=[dup],
        values={"points": keep.pk, "total_purchases": keep.pk},
    )
    assert read_values(merged, active_definitions(tenant_a).values())["points"] is None
    assert merged.total_purchases == 2 and merged.total_spent == Decimal("150.50")
    assert merged.email == "ann@old.example"  # not chosen: the kept one's


def test_undoing_an_import_after_a_merge_leaves_the_kept_customer_whole(tenant_a, manager_a):
    """An import created a customer and a second one updated it; it is then merged into
    another. The imports' records follow it into the kept customer's timeline, but undoing them
    neither deletes the kept customer nor rolls it back to the duplicate's old values."""
    keep = person(tenant_a, "Bo", "Li", email="bo@old.example", company="Old")
    created = run_import(tenant_a, manager_a, "first_name,email,company\nBo,bo@x.example,Acme\n")
    dup = Customer.objects.get(tenant=tenant_a, email="bo@x.example")
    updated = run_import(
        tenant_a, manager_a, "email,company\nbo@x.example,Dup Co\n", on_duplicate="update"
    )
    assert Customer.objects.get(pk=dup.pk).company == "Dup Co"
    customer_merge(tenant=tenant_a, by=manager_a, keep=keep, duplicates=[dup], values={})
    assert ImportRecord.objects.filter(customer=keep).count() == 2
    import_undo(job=updated, by=manager_a)
    import_undo(job=created, by=manager_a)
    kept = Customer.objects.get(pk=keep.pk)  # still there, as the merge left it
    assert (kept.company, kept.email) == ("Old", "bo@old.example")


def test_three_into_one_and_earlier_merges_follow(tenant_a, pair):
    keep, dup = pair
    third = person(tenant_a, "Ann", "Lee", email="ann3@x.example")
    fourth = person(tenant_a, "Ann", "Lee", email="ann4@x.example")
    customer_merge(tenant=tenant_a, by=OPERATOR, keep=fourth, duplicates=[third])
    customer_merge(tenant=tenant_a, by=OPERATOR, keep=keep, duplicates=[dup, fourth])
    assert Customer.objects.filter(tenant=tenant_a).count() == 1
    assert CustomerMerge.objects.filter(customer=keep).count() == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"duplicates": []}, "Choose at least one customer to merge."),
        ({"duplicates": "keep"}, "The customer kept cannot also be merged into itself."),
        ({"duplicates": [10**9]}, "Unknown customers: 1000000000."),
        ({"duplicates": list(range(1, 13))}, "At most 10 customers at once."),
        ({"values": {"nope": "dup"}}, "Unknown field “nope”."),
        ({"values": {"email": 10**9}}, "Email: the value must come from one of the customers"),
        ({"values": {"email": "x"}}, "Email: the value must come from one of the customers"),
        ({"values": ["email"]}, "Send an object {field: customer id}."),
    ],
)
def test_refusals_write_nothing(tenant_a, pair, change, message):
    keep, dup = pair
    kwargs = {"duplicates": [dup.pk], "values": {}, **change}
    if kwargs["duplicates"] == "keep":
        kwargs["duplicates"] = [keep.pk]
    if kwargs["values"] == {"nope": "dup"}:
        kwargs["values"] = {"nope": dup.pk}
    before = Customer.objects.count()
    with pytest.raises(ValidationError) as refused:
        customer_merge(tenant=tenant_a, by=OPERATOR, keep=keep, **kwargs)
    assert message in str(refused.value)
    assert Customer.objects.count() == before
    assert not CustomerMerge.objects.exists()


def test_another_tenants_customer_is_unknown(tenant_a, tenant_b, pair):
    keep, _ = pair
    theirs = person(tenant_b, "Ann", "Lee")
    with pytest.raises(ValidationError, match=f"Unknown customers: {theirs.pk}"):
        customer_merge(tenant=tenant_a, by=OPERATOR, keep=keep, duplicates=[theirs.pk])
    with pytest.raises(ValidationError, match="Unknown customer"):
        customer_merge(tenant=tenant_b, by=OPERATOR, keep=keep, duplicates=[theirs.pk])
    assert Customer.objects.filter(pk=theirs.pk).exists()


def test_managers_and_admins_may_agents_may_not(tenant_a, admin_a, agent_a, admin_b, pair):
    keep, dup = pair
    for refused in (agent_a, admin_b):
        with pytest.raises(PermissionDenied):
            customer_merge(tenant=tenant_a, by=refused, keep=keep, duplicates=[dup.pk])
    assert Customer.objects.filter(pk=dup.pk).exists()
    customer_merge(tenant=tenant_a, by=admin_a, keep=keep, duplicates=[dup.pk])
    assert not Customer.objects.filter(pk=dup.pk).exists()


def test_a_failing_step_rolls_everything_back(tenant_a, manager_a, pair):
    keep, dup = pair
    rows = attach_everything(tenant_a, manager_a, keep, dup)

    def fail(move):
        raise RuntimeError("the disk is full")

    def snapshot():
        return {
            relation_label(model, name): sorted(
                model._default_manager.filter(**{f"{name}__in": [keep.pk, dup.pk]}).values_list(
                    "pk", name
                )
            )
            for model, name in customer_relations()
        } | {
            "customers": sorted(Customer.objects.values_list("pk", "email", "total_purchases")),
            "tags": sorted(Customer.objects.get(pk=keep.pk).tag_names()),
        }

    before = snapshot()
    on_customer_merge(MergeMover("zz-failing", (), {}, lambda t, ids: {}, fail, order=999))
    try:
        with pytest.raises(RuntimeError, match="the disk is full"):
            customer_merge(tenant=tenant_a, by=manager_a, keep=keep, duplicates=[dup.pk])
    finally:
        merge_services._movers.pop("zz-failing")
    assert snapshot() == before
    assert Lead.objects.get(pk=rows["lead"].pk).customer_id == dup.pk


def test_every_relation_to_customer_is_moved_by_a_mover():
    """The guard: a new model with a foreign key to Customer fails here until a mover
    (crm.services.merge.on_customer_merge) names it — and the merge itself refuses to run
    while a row would be left behind."""
    handled = {relation for mover in movers() for relation in mover.relations}
    existing = {relation_label(model, name) for model, name in customer_relations()}
    assert existing - handled == set(), "Register a merge mover for these relations"
    assert handled - existing == set(), "A mover names a relation that does not exist"


def test_a_relation_no_mover_handles_refuses_the_merge(tenant_a, manager_a, pair):
    keep, dup = pair
    attach_everything(tenant_a, manager_a, keep, dup)
    crm_mover = merge_services._movers["callbacks"]
    merge_services._movers.pop("callbacks")
    try:
        with pytest.raises(RuntimeError, match="callbacks.CallbackRequest.customer"):
            customer_merge(tenant=tenant_a, by=manager_a, keep=keep, duplicates=[dup.pk])
    finally:
        on_customer_merge(crm_mover)
    assert Customer.objects.filter(pk=dup.pk).exists()
    assert CallbackRequest.objects.filter(customer=dup).count() == 1


def test_clashing_executions_and_opt_outs_keep_the_earliest(tenant_a, pair):
    keep, dup = pair
    spring = campaign(tenant_a, "Spring")
    opened = timezone.now() - timezone.timedelta(hours=1)
    kept = execution(spring, keep)  # the earlier
    later = execution(spring, dup, opened_at=opened, clicked_at=opened)
    reply = CampaignResponse.objects.create(
        tenant=tenant_a,
        campaign=spring,
        execution=later,
        customer=dup,
        kind=ResponseKind.CLICK,
        occurred_at=opened,
    )
    email = channel(tenant_a, "EMAIL")
    first_out = Unsubscribe.objects.create(tenant=tenant_a, customer=keep, channel=email)
    Unsubscribe.objects.create(tenant=tenant_a, customer=dup, channel=email)
    customer_merge(tenant=tenant_a, by=OPERATOR, keep=keep, duplicates=[dup.pk])
    [left] = CampaignExecution.objects.filter(campaign=spring)
    assert (left.pk, left.customer_id) == (kept.pk, keep.pk)
    assert left.opened_at == opened and left.clicked_at == opened  # the union of what happened
    reply.refresh_from_db()
    assert (reply.execution_id, reply.customer_id) == (kept.pk, keep.pk)
    assert list(Unsubscribe.objects.values_list("pk", "customer_id")) == [(first_out.pk, keep.pk)]
