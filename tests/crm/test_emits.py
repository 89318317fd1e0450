"""Built-in events (crm.services.emits): each of crm's services that changes something a trigger
may react to records its event in the outbox in the transaction of the change — the type, the
customer and the data — and a rolled-back change leaves none; the set-based writers emit with
one statement, not one per customer; and a trigger on `tag_added` fires from a tag set on a
customer once the outbox is processed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from campaigns.automation.services import trigger_create
from campaigns.models import TriggerRun
from crm.models import Customer, CustomerTag, Lead, LeadStatus, Tag
from crm.services.bulk import customers_bulk_update
from crm.services.customers import (
    customer_capture_field,
    customer_create,
    customer_update,
    lead_convert,
)
from crm.services.leads import lead_bulk_status, lead_create, lead_update
from crm.services.merge import customer_merge
from crm.services.segments import segment_create, segment_rebuild
from crm.services.tag_rules import tag_rule_apply, tag_rule_create
from crm.services.tags import set_customer_tags, tag_delete, tag_merge
from tenancy.actors import OPERATOR
from tenancy.models import OutboxEvent
from tests.campaigns.triggers import drain_outbox, running_campaign
from tests.crm.customers import customer, define
from tests.crm.imports import run_import
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def events(tenant, *types) -> list[tuple]:
    """(type, customer id, data) of the tenant's events, oldest first; of `types` if given."""
    rows = OutboxEvent.objects.filter(tenant=tenant).order_by("pk")
    if types:
        rows = rows.filter(event_type__in=types)
    return list(rows.values_list("event_type", "customer_id", "data"))


def outbox_inserts(queries) -> list[str]:
    table = OutboxEvent._meta.db_table
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("INSERT", "COPY"))
        and table in q["sql"].split("(")[0]
        or q["sql"].startswith("WITH")
        and f"INSERT INTO {connection.ops.quote_name(table)}" in q["sql"]
    ]


def forget(tenant) -> None:
    """Start from an empty outbox (what the fixtures emitted is not the test's)."""
    OutboxEvent.objects.filter(tenant=tenant).delete()


@pytest.fixture
def tier(tenant_a):
    return define(tenant_a, "tier", "Membership tier", "select", select_options=["Gold", "Silver"])


# ---------------------------------------------------------------------------------------------
# Customers


def test_a_new_customer_is_customer_created_and_a_tag_added_per_tag(tenant_a, tenant_b):
    ann = customer(tenant_a, "Ann", tags=["vip", "north"])
    assert events(tenant_a) == [
        ("customer_created", ann.pk, {}),
        ("tag_added", ann.pk, {"tag": "north"}),
        ("tag_added", ann.pk, {"tag": "vip"}),
    ]
    assert events(tenant_b) == []


def test_an_update_is_customer_updated_and_field_changed_per_field(tenant_a, tier):
    ann = customer(tenant_a, "Ann", tier="Silver")
    forget(tenant_a)
    customer_update(
        customer=ann, by=OPERATOR, data={"company": "Acme"}, custom_fields={"tier": "Gold"}
    )
    assert events(tenant_a) == [
        ("customer_updated", ann.pk, {"fields": ["company", "tier"]}),
        ("field_changed", ann.pk, {"field": "tier", "old": "Silver", "new": "Gold"}),
        ("field_changed", ann.pk, {"field": "company", "old": None, "new": "Acme"}),
    ]


def test_an_update_that_changes_nothing_emits_nothing(tenant_a, tier):
    ann = customer(tenant_a, "Ann", tier="Gold")
    forget(tenant_a)
    customer_update(customer=ann, by=OPERATOR, data={"first_name": "Ann"}, custom_fields={})
    assert events(tenant_a) == []


def test_a_tag_only_edit_is_tag_events_and_no_customer_updated(tenant_a):
    ann = customer(tenant_a, "Ann", tags=["cold"])
    forget(tenant_a)
    customer_update(customer=ann, by=OPERATOR, data={}, tags=["vip"])
    assert events(tenant_a) == [
        ("tag_removed", ann.pk, {"tag": "cold"}),
        ("tag_added", ann.pk, {"tag": "vip"}),
    ]


def test_a_captured_answer_is_field_changed(tenant_a, tier):
    ann = customer(tenant_a, "Ann")
    forget(tenant_a)
    customer_capture_field(customer=ann, by=OPERATOR, field_key="tier", text="gold")
    assert events(tenant_a, "field_changed") == [
        ("field_changed", ann.pk, {"field": "tier", "old": None, "new": "Gold"})
    ]


def test_a_converted_lead_is_customer_created_naming_the_lead(tenant_a):
    lead = lead_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"first_name": "Lia", "email": "lia@example.com"},
        tags=["warm"],
    )
    forget(tenant_a)
    made = lead_convert(lead=lead, by=OPERATOR)
    assert events(tenant_a) == [
        ("customer_created", made.pk, {"lead": lead.pk}),
        ("tag_added", made.pk, {"tag": "warm"}),
    ]


# ---------------------------------------------------------------------------------------------
# Leads


def test_a_new_lead_is_lead_created_without_a_customer(tenant_a):
    lead = lead_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Lia", "email": "lia@example.com"}
    )
    assert events(tenant_a) == [("lead_created", None, {"lead": lead.pk, "status": "NEW"})]


def test_a_status_change_is_lead_status_changed_with_the_leads_customer(tenant_a):
    lead = lead_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Lia", "email": "lia@example.com"}
    )
    made = lead_convert(lead=lead, by=OPERATOR)
    lead.refresh_from_db()
    forget(tenant_a)
    lead_update(lead=lead, by=OPERATOR, data={"status": LeadStatus.CONTACTED})
    lead_update(lead=lead, by=OPERATOR, data={"company": "Acme"})  # no status change: nothing
    assert events(tenant_a) == [
        ("lead_status_changed", made.pk, {"from": "NEW", "to": "CONTACTED", "lead": lead.pk})
    ]


def test_bulk_status_emits_for_the_leads_that_changed_in_one_insert(tenant_a):
    leads = [
        lead_create(
            tenant=tenant_a, by=OPERATOR, data={"first_name": f"L{i}", "email": f"l{i}@example.com"}
        )
        for i in range(4)
    ]
    lead_update(lead=leads[0], by=OPERATOR, data={"status": LeadStatus.QUALIFIED})
    forget(tenant_a)
    with CaptureQueriesContext(connection) as queries:
        lead_bulk_status(
            tenant=tenant_a,
            by=OPERATOR,
            lead_ids=[lead.pk for lead in leads],
            status=LeadStatus.QUALIFIED,
        )
    assert len(outbox_inserts(queries)) == 1
    assert events(tenant_a) == [
        ("lead_status_changed", None, {"from": "NEW", "to": "QUALIFIED", "lead": lead.pk})
        for lead in leads[1:]
    ]


# ---------------------------------------------------------------------------------------------
# Tags


def test_set_customer_tags_emits_added_and_removed(tenant_a):
    ann = customer(tenant_a, "Ann", tags=["a", "b"])
    forget(tenant_a)
    set_customer_tags(customer=ann, by=OPERATOR, names=["b", "c"])
    assert events(tenant_a) == [
        ("tag_removed", ann.pk, {"tag": "a"}),
        ("tag_added", ann.pk, {"tag": "c"}),
    ]


def test_a_merged_tag_is_removed_and_the_other_added_where_missing(tenant_a):
    ann = customer(tenant_a, "Ann", tags=["old"])
    bob = customer(tenant_a, "Bob", tags=["old", "new"])
    forget(tenant_a)
    tag_merge(
        source=Tag.objects.get(tenant=tenant_a, name="old"),
        into=Tag.objects.get(tenant=tenant_a, name="new"),
        by=OPERATOR,
    )
    assert sorted(events(tenant_a)) == [
        ("tag_added", ann.pk, {"tag": "new"}),
        ("tag_removed", ann.pk, {"tag": "old"}),
        ("tag_removed", bob.pk, {"tag": "old"}),
    ]


def test_a_deleted_tag_is_removed_from_each_customer(tenant_a):
    ann = customer(tenant_a, "Ann", tags=["gone"])
    bob = customer(tenant_a, "Bob", tags=["gone", "kept"])
    forget(tenant_a)
    tag_delete(tag=Tag.objects.get(tenant=tenant_a, name="gone"), by=OPERATOR)
    assert sorted(events(tenant_a)) == [
        ("tag_removed", ann.pk, {"tag": "gone"}),
        ("tag_removed", bob.pk, {"tag": "gone"}),
    ]


def test_a_bulk_tag_edit_of_n_customers_is_n_events_in_one_statement(tenant_a, tenant_b):
    people = CustomerFactory.create_batch(30, tenant=tenant_a)
    CustomerFactory(tenant=tenant_b)
    ids = [c.pk for c in people]
    with CaptureQueriesContext(connection) as queries:
        changed = customers_bulk_update(
            tenant=tenant_a, by=OPERATOR, customer_ids=ids, add_tags=["vip"]
        )
    assert changed == 30
    inserts = outbox_inserts(queries)
    assert len(inserts) == 1 and "SELECT" in inserts[0], inserts
    assert sorted(events(tenant_a)) == [("tag_added", pk, {"tag": "vip"}) for pk in sorted(ids)]
    assert events(tenant_b) == []
    # Removing it again: one statement, N tag_removed, still no customer_updated.
    with CaptureQueriesContext(connection) as queries:
        customers_bulk_update(tenant=tenant_a, by=OPERATOR, customer_ids=ids, remove_tags=["vip"])
    assert len(outbox_inserts(queries)) == 1
    assert len(events(tenant_a, "tag_removed")) == 30
    assert events(tenant_a, "customer_updated") == []


def test_a_bulk_tag_edit_emits_only_for_customers_whose_tags_changed(tenant_a):
    had = customer(tenant_a, "Had", tags=["vip"])
    new = customer(tenant_a, "New")
    forget(tenant_a)
    customers_bulk_update(
        tenant=tenant_a, by=OPERATOR, customer_ids=[had.pk, new.pk], add_tags=["vip"]
    )
    assert events(tenant_a) == [("tag_added", new.pk, {"tag": "vip"})]


def test_a_bulk_set_field_is_field_changed_with_each_old_value(tenant_a, tier):
    gold = customer(tenant_a, "Gold", tier="Gold")
    silver = customer(tenant_a, "Silver", tier="Silver")
    none = customer(tenant_a, "None")
    forget(tenant_a)
    with CaptureQueriesContext(connection) as queries:
        customers_bulk_update(
            tenant=tenant_a,
            by=OPERATOR,
            customer_ids=[gold.pk, silver.pk, none.pk],
            custom_fields={"tier": "Gold"},
        )
    assert len(outbox_inserts(queries)) == 2  # field_changed, customer_updated: set-based
    assert sorted(events(tenant_a, "field_changed")) == [
        ("field_changed", silver.pk, {"field": "tier", "old": "Silver", "new": "Gold"}),
        ("field_changed", none.pk, {"field": "tier", "old": None, "new": "Gold"}),
    ]
    assert sorted(events(tenant_a, "customer_updated")) == [
        ("customer_updated", silver.pk, {"fields": ["tier"]}),
        ("customer_updated", none.pk, {"fields": ["tier"]}),
    ]


def test_a_smart_tag_rule_emits_the_tags_it_sets(tenant_a):
    tag_rule_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "tag": "acme",
            "condition": {"field": "company", "op": "eq", "value": "Acme"},
            "untag_when_unmatched": True,
        },
    )
    ann = customer(tenant_a, "Ann")
    forget(tenant_a)
    customer_update(customer=ann, by=OPERATOR, data={"company": "Acme"})
    assert events(tenant_a, "tag_added") == [("tag_added", ann.pk, {"tag": "acme"})]
    customer_update(customer=ann, by=OPERATOR, data={"company": "Globex"})
    assert events(tenant_a, "tag_removed") == [("tag_removed", ann.pk, {"tag": "acme"})]


def test_applying_a_rule_over_every_customer_emits_in_one_insert(tenant_a):
    people = CustomerFactory.create_batch(5, tenant=tenant_a, company="Acme")
    rule = tag_rule_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"tag": "acme", "condition": {"field": "company", "op": "eq", "value": "Acme"}},
    )
    # Creating the rule applied it; take the tag away behind its back and apply again.
    CustomerTag.objects.filter(tenant=tenant_a).delete()
    forget(tenant_a)
    with CaptureQueriesContext(connection) as queries:
        tag_rule_apply(rule=rule, by=OPERATOR)
    assert len(outbox_inserts(queries)) == 1
    assert sorted(events(tenant_a)) == sorted(("tag_added", c.pk, {"tag": "acme"}) for c in people)


# ---------------------------------------------------------------------------------------------
# Segments


def test_entering_and_leaving_a_segment_on_a_change(tenant_a):
    segment = segment_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"name": "Acme", "conditions": {"field": "company", "op": "eq", "value": "Acme"}},
    )
    ann = customer(tenant_a, "Ann")
    forget(tenant_a)
    customer_update(customer=ann, by=OPERATOR, data={"company": "Acme"})
    data = {"segment": segment.pk, "name": "Acme"}
    assert events(tenant_a, "segment_entered", "segment_left") == [
        ("segment_entered", ann.pk, data)
    ]
    customer_update(customer=ann, by=OPERATOR, data={"company": "Globex"})
    assert events(tenant_a, "segment_entered", "segment_left") == [
        ("segment_entered", ann.pk, data),
        ("segment_left", ann.pk, data),
    ]


def test_a_rebuild_emits_the_moves_but_not_a_first_build(tenant_a):
    stays, joins = CustomerFactory.create_batch(2, tenant=tenant_a, company="Acme")
    leaves = CustomerFactory(tenant=tenant_a, company="Acme")
    segment = segment_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"name": "Acme", "conditions": {"field": "company", "op": "eq", "value": "Acme"}},
    )
    Customer.objects.filter(pk=joins.pk).update(company="Globex")
    segment_rebuild(segment_id=segment.pk)  # the first build: the segment began, no one moved
    assert events(tenant_a, "segment_entered", "segment_left") == []
    Customer.objects.filter(pk=joins.pk).update(company="Acme")
    Customer.objects.filter(pk=leaves.pk).update(company="Globex")
    with CaptureQueriesContext(connection) as queries:
        segment_rebuild(segment_id=segment.pk)
    assert len(outbox_inserts(queries)) == 2  # one per direction, whatever the number
    data = {"segment": segment.pk, "name": "Acme"}
    assert sorted(events(tenant_a, "segment_entered", "segment_left")) == [
        ("segment_entered", joins.pk, data),
        ("segment_left", leaves.pk, data),
    ]
    assert stays.pk not in {pk for _, pk, _ in events(tenant_a)}


# ---------------------------------------------------------------------------------------------
# Imports and merges


def test_an_import_emits_created_updated_and_tags(tenant_a, manager_a, tier):
    old = customer(tenant_a, "Old", tier="Silver")
    Customer.objects.filter(pk=old.pk).update(email="old@example.com")
    forget(tenant_a)
    job = run_import(
        tenant_a,
        manager_a,
        "First name,Email,Membership tier,tags\n"
        "Ann,ann@example.com,Gold,vip\n"
        "Old,old@example.com,Gold,vip\n",
        on_duplicate="update",
    )
    assert job.status == "done", job.failure
    ann = Customer.objects.get(first_name="Ann")
    assert events(tenant_a, "customer_created") == [
        ("customer_created", ann.pk, {"import": job.pk})
    ]
    assert sorted(events(tenant_a, "tag_added")) == sorted(
        [("tag_added", ann.pk, {"tag": "vip"}), ("tag_added", old.pk, {"tag": "vip"})]
    )
    assert events(tenant_a, "customer_updated") == [
        ("customer_updated", old.pk, {"fields": ["tier"]})
    ]
    assert events(tenant_a, "field_changed") == [
        ("field_changed", old.pk, {"field": "tier", "old": "Silver", "new": "Gold"})
    ]


def test_a_merge_adds_the_duplicates_tags_to_the_kept_customer(tenant_a):
    keep = customer(tenant_a, "Ann", tags=["a"])
    dup = customer(tenant_a, "Ann", tags=["a", "b"])
    forget(tenant_a)
    customer_merge(tenant=tenant_a, by=OPERATOR, keep=keep, duplicates=[dup.pk])
    assert events(tenant_a, "tag_added") == [("tag_added", keep.pk, {"tag": "b"})]


# ---------------------------------------------------------------------------------------------
# Rolled back: nothing stays


def _change_everything(tenant, tier):
    segment = segment_create(
        tenant=tenant,
        by=OPERATOR,
        data={"name": "Acme", "conditions": {"field": "company", "op": "eq", "value": "Acme"}},
    )
    segment_rebuild(segment_id=segment.pk)
    ann = customer(tenant, "Ann", tags=["x"], tier="Silver")
    customer_update(customer=ann, by=OPERATOR, data={"company": "Acme"}, custom_fields={})
    set_customer_tags(customer=ann, by=OPERATOR, names=["y"])
    customers_bulk_update(
        tenant=tenant, by=OPERATOR, customer_ids=[ann.pk], add_tags=["z"], custom_fields={}
    )
    customers_bulk_update(
        tenant=tenant, by=OPERATOR, customer_ids=[ann.pk], custom_fields={"tier": "Gold"}
    )
    lead = lead_create(
        tenant=tenant, by=OPERATOR, data={"first_name": "Lia", "email": "lia@example.com"}
    )
    lead_update(lead=lead, by=OPERATOR, data={"status": LeadStatus.CONTACTED})
    lead_bulk_status(tenant=tenant, by=OPERATOR, lead_ids=[lead.pk], status=LeadStatus.WON)
    lead_convert(lead=lead, by=OPERATOR)
    Customer.objects.filter(pk=ann.pk).update(company="Globex")
    segment_rebuild(segment_id=segment.pk)
    tag_delete(tag=Tag.objects.get(tenant=tenant, name="y"), by=OPERATOR)


def test_a_rolled_back_change_leaves_no_event(tenant_a, tier):
    with pytest.raises(RuntimeError), transaction.atomic():
        _change_everything(tenant_a, tier)
        emitted = {t for t, _, _ in events(tenant_a)}
        raise RuntimeError("the change fails")
    # Every built-in type crm emits was there before the rollback …
    assert emitted == {
        "customer_created",
        "customer_updated",
        "field_changed",
        "tag_added",
        "tag_removed",
        "segment_entered",
        "segment_left",
        "lead_created",
        "lead_status_changed",
    }
    # … and none stayed.
    assert not OutboxEvent.objects.exists()


def test_a_refused_change_emits_nothing(tenant_a, tier):
    ann = customer(tenant_a, "Ann")
    forget(tenant_a)
    with pytest.raises(ValidationError):
        customer_update(
            customer=ann, by=OPERATOR, data={"company": "Acme"}, custom_fields={"tier": "Bronze"}
        )
    assert events(tenant_a) == []


# ---------------------------------------------------------------------------------------------
# End to end: a trigger on tag_added


def test_a_trigger_on_tag_added_fires_from_a_tag_set_on_a_customer(
    tenant_a, smtp_server, django_capture_on_commit_callbacks
):
    define(tenant_a, "loyalty_points", "Loyalty points", "number")  # the content names it
    campaign = running_campaign(tenant_a)
    trigger = trigger_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "name": "On VIP",
            "campaign": campaign,
            "event_type": "tag_added",
            "conditions": {"field": "event.tag", "op": "eq", "value": "vip"},
            "actions": [{"type": "send"}],
        },
    )
    ann = customer_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Ann", "email": "ann@example.org"}
    )
    drain_outbox()
    set_customer_tags(customer=ann, by=OPERATOR, names=["cold"])
    set_customer_tags(customer=ann, by=OPERATOR, names=["cold", "vip"])
    with django_capture_on_commit_callbacks(execute=True):
        assert drain_outbox() == 2
    runs = TriggerRun.objects.filter(trigger=trigger).order_by("pk")
    assert [(r.customer_id, r.outcome, r.reason) for r in runs] == [
        (ann.pk, "skipped", "condition_not_met"),
        (ann.pk, "fired", ""),
    ]
    assert [m.rcpt_tos[0] for m in smtp_server.messages] == ["ann@example.org"]


def test_a_lead_import_emits_lead_created_and_status_changes(tenant_a, manager_a):
    old = lead_create(
        tenant=tenant_a, by=OPERATOR, data={"first_name": "Old", "email": "old@example.com"}
    )
    forget(tenant_a)
    job = run_import(
        tenant_a,
        manager_a,
        "first_name,email,status\nAnn,ann@example.com,NEW\nOld,old@example.com,CONTACTED\n",
        kind="leads",
        filename="leads.csv",
        on_duplicate="update",
    )
    assert job.status == "done", job.failure
    ann = Lead.objects.get(first_name="Ann")
    assert events(tenant_a) == [
        ("lead_created", None, {"lead": ann.pk, "status": "NEW"}),
        ("lead_status_changed", None, {"from": "NEW", "to": "CONTACTED", "lead": old.pk}),
    ]
