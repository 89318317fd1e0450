"""Smart-tag rules (crm.services.tag_rules): a rule tags the customers matching its condition
when they change and once over the existing ones, untags only when it says so, never loops, and
only admins and managers write rules."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm.models import Customer, CustomerTag, CustomerTagChange, SmartTagRule
from crm.services.customers import customer_update
from crm.services.scoring import InteractionKind, customer_record_interaction
from crm.services.tag_rules import (
    condition_tag_names,
    rules_reapply,
    tag_rule_apply,
    tag_rule_create,
    tag_rule_delete,
    tag_rule_update,
)
from crm.services.tags import set_customer_tags
from crm.timeline.page import customer_timeline
from tenancy.actors import OPERATOR
from tests.crm.customers import customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BIG = {"field": "total_spent", "op": "gte", "value": 1000}
HAS_VIP = {"field": "tags", "op": "has", "value": "vip"}


def tags_of(person: Customer) -> list[str]:
    return sorted(CustomerTag.objects.filter(customer=person).values_list("tag__name", flat=True))


def rule(tenant, tag, condition, by=OPERATOR, **extra) -> SmartTagRule:
    return tag_rule_create(tenant=tenant, by=by, data={"tag": tag, "condition": condition, **extra})


def spend(person: Customer, amount, by=OPERATOR) -> Customer:
    return customer_update(customer=person, by=by, data={"total_spent": Decimal(amount)})


# -- applied when a customer changes -------------------------------------------------------------


def test_a_customer_update_that_comes_to_match_gets_the_tag(tenant_a, manager_a):
    rule(tenant_a, "Big Spender", BIG)
    ann = customer(tenant_a, "Ann")
    assert tags_of(ann) == []
    spend(ann, "1500", by=manager_a)
    assert tags_of(ann) == ["big spender"]
    change = CustomerTagChange.objects.get(customer=ann)
    assert (change.tag_name, change.added, change.changed_by) == (
        "big spender",
        True,
        manager_a.user,
    )
    assert change.rule.tag.name == "big spender"


def test_a_new_customer_that_matches_is_tagged_on_creation(tenant_a):
    rule(tenant_a, "engaged", {"field": "first_name", "op": "eq", "value": "Ann"})
    assert tags_of(customer(tenant_a, "Ann")) == ["engaged"]
    assert tags_of(customer(tenant_a, "Bob")) == []


def test_a_custom_value_change_applies_the_rules(tenant_a, points):
    rule(tenant_a, "loyal", {"field": "custom.points", "op": "gte", "value": 100})
    ann = customer(tenant_a, "Ann", points=5)
    assert tags_of(ann) == []
    customer_update(customer=ann, by=OPERATOR, data={}, custom_fields={"points": 150})
    assert tags_of(ann) == ["loyal"]


def test_a_tag_change_applies_the_rules_that_read_tags(tenant_a):
    rule(tenant_a, "priority", HAS_VIP)
    ann = customer(tenant_a, "Ann")
    customer_update(customer=ann, by=OPERATOR, data={}, tags=["vip"])
    assert tags_of(ann) == ["priority", "vip"]


def test_an_interaction_applies_the_rules(tenant_a):
    rule(tenant_a, "engaged", {"field": "total_interactions", "op": "gte", "value": 2})
    ann = customer(tenant_a, "Ann")
    for _ in range(2):
        customer_record_interaction(
            tenant=tenant_a, customer=ann, kind=InteractionKind.CALL, at=timezone.now(), by=OPERATOR
        )
    assert tags_of(ann) == ["engaged"]


# -- untagging -----------------------------------------------------------------------------------


def test_a_customer_that_stops_matching_keeps_the_tag_unless_the_rule_untags(tenant_a):
    rule(tenant_a, "keeps", BIG)
    rule(tenant_a, "follows", BIG, untag_when_unmatched=True)
    ann = spend(customer(tenant_a, "Ann"), "2000")
    assert tags_of(ann) == ["follows", "keeps"]
    spend(ann, "10")
    assert tags_of(ann) == ["keeps"]
    removal = CustomerTagChange.objects.get(customer=ann, added=False)
    assert removal.tag_name == "follows"


def test_an_untagging_rule_leaves_the_tag_where_another_rule_of_the_tag_matches(tenant_a):
    rule(tenant_a, "valued", BIG, untag_when_unmatched=True)
    rule(tenant_a, "valued", {"field": "company", "op": "eq", "value": "Acme"})
    ann = customer_update(customer=customer(tenant_a, "Ann"), by=OPERATOR, data={"company": "Acme"})
    assert tags_of(ann) == ["valued"]
    spend(ann, "5")
    assert tags_of(ann) == ["valued"]


def test_a_hand_set_tag_that_a_rule_untags_is_removed_when_the_customer_changes(tenant_a):
    rule(tenant_a, "vip", BIG, untag_when_unmatched=True)
    ann = customer(tenant_a, "Ann", tags=["vip"])
    assert tags_of(ann) == []


# -- chains between rules ------------------------------------------------------------------------


def test_a_tag_set_by_one_rule_triggers_the_rules_reading_it(tenant_a):
    rule(tenant_a, "vip", BIG)
    rule(tenant_a, "priority", HAS_VIP)
    rule(tenant_a, "escalate", {"field": "tags", "op": "has_all", "value": ["priority", "vip"]})
    ann = spend(customer(tenant_a, "Ann"), "1000")
    assert tags_of(ann) == ["escalate", "priority", "vip"]


# -- backfill ------------------------------------------------------------------------------------


def test_creating_a_rule_tags_the_existing_customers_that_match(tenant_a, tenant_b):
    rich = [CustomerFactory(tenant=tenant_a, total_spent=Decimal(2000)) for _ in range(3)]
    poor = CustomerFactory(tenant=tenant_a, total_spent=Decimal(10))
    foreign = CustomerFactory(tenant=tenant_b, total_spent=Decimal(5000))
    created = rule(tenant_a, "big spender", BIG)
    assert [tags_of(c) for c in rich] == [["big spender"]] * 3
    assert tags_of(poor) == [] and tags_of(foreign) == []
    changes = CustomerTagChange.objects.filter(rule=created)
    assert sorted(changes.values_list("customer_id", flat=True)) == sorted(c.pk for c in rich)


def test_apply_backfills_in_chunks_and_counts_who_it_tagged(tenant_a, monkeypatch):
    monkeypatch.setattr("crm.services.tag_rules.APPLY_CHUNK", 2)
    created = rule(tenant_a, "big spender", BIG, is_active=False)
    rich = [CustomerFactory(tenant=tenant_a, total_spent=Decimal(2000)) for _ in range(5)]
    CustomerFactory(tenant=tenant_a, total_spent=Decimal(10))
    assert all(tags_of(c) == [] for c in rich)
    tag_rule_update(rule=created, by=OPERATOR, data={"is_active": True})
    assert all(tags_of(c) == ["big spender"] for c in rich)
    assert tag_rule_apply(rule=created, by=OPERATOR) == 0  # nothing left to tag


def test_apply_untags_the_customers_that_no_longer_match_if_the_rule_says_so(tenant_a):
    ann = CustomerFactory(tenant=tenant_a, total_spent=Decimal(10))
    bob = CustomerFactory(tenant=tenant_a, total_spent=Decimal(10))
    set_customer_tags(customer=ann, by=OPERATOR, names=["vip"])
    set_customer_tags(customer=bob, by=OPERATOR, names=["vip"])
    keeping = rule(tenant_a, "vip", BIG)
    assert tags_of(ann) == ["vip"]
    tag_rule_update(rule=keeping, by=OPERATOR, data={"untag_when_unmatched": True})
    assert tags_of(ann) == [] and tags_of(bob) == []
    assert CustomerTagChange.objects.filter(rule=keeping, added=False).count() == 2


def test_apply_chains_to_rules_that_read_the_tag(tenant_a):
    ann = CustomerFactory(tenant=tenant_a, total_spent=Decimal(5000))
    rule(tenant_a, "priority", HAS_VIP)
    rule(tenant_a, "vip", BIG)
    assert tags_of(ann) == ["priority", "vip"]


def test_changing_the_condition_applies_the_rule_again(tenant_a):
    ann = CustomerFactory(tenant=tenant_a, company="Acme")
    created = rule(tenant_a, "acme", {"field": "company", "op": "eq", "value": "Globex"})
    assert tags_of(ann) == []
    tag_rule_update(
        rule=created,
        by=OPERATOR,
        data={"condition": {"field": "company", "op": "eq", "value": "Acme"}},
    )
    assert tags_of(ann) == ["acme"]


def test_renaming_a_rule_does_not_apply_it_again(tenant_a):
    created = rule(tenant_a, "big", BIG)
    CustomerFactory(tenant=tenant_a, total_spent=Decimal(5000))
    tag_rule_update(rule=created, by=OPERATOR, data={"name": "Big spenders"})
    assert CustomerTag.objects.count() == 0


# -- inactive rules ------------------------------------------------------------------------------


def test_inactive_rules_do_nothing(tenant_a):
    ann = CustomerFactory(tenant=tenant_a, total_spent=Decimal(5000))
    off = rule(tenant_a, "big", BIG, is_active=False, untag_when_unmatched=True)
    assert tags_of(ann) == []
    spend(ann, "6000")
    assert tags_of(ann) == []
    with pytest.raises(ValidationError) as refused:
        tag_rule_apply(rule=off, by=OPERATOR)
    assert "inactive" in str(refused.value)


def test_turning_a_rule_off_leaves_its_tags(tenant_a):
    ann = CustomerFactory(tenant=tenant_a, total_spent=Decimal(5000))
    created = rule(tenant_a, "big", BIG, untag_when_unmatched=True)
    tag_rule_update(rule=created, by=OPERATOR, data={"is_active": False})
    spend(ann, "1")
    assert tags_of(ann) == ["big"]


def test_deleting_a_rule_leaves_its_tags(tenant_a):
    ann = CustomerFactory(tenant=tenant_a, total_spent=Decimal(5000))
    created = rule(tenant_a, "big", BIG, untag_when_unmatched=True)
    tag_rule_delete(rule=created, by=OPERATOR)
    spend(ann, "1")
    assert tags_of(ann) == ["big"]
    assert CustomerTagChange.objects.get(customer=ann).rule is None


# -- loops ---------------------------------------------------------------------------------------


def test_a_rule_reading_its_own_tag_is_refused(tenant_a):
    with pytest.raises(ValidationError) as refused:
        rule(tenant_a, "VIP", {"not": HAS_VIP}, untag_when_unmatched=True)
    assert "reads the tag it sets" in refused.value.message_dict["condition"][0]
    assert not SmartTagRule.objects.exists()


def test_rules_forming_a_chain_back_are_refused_naming_them(tenant_a):
    rule(tenant_a, "x", {"field": "tags", "op": "has", "value": "y"}, name="A")
    rule(tenant_a, "z", {"field": "tags", "op": "has_any", "value": ["x"]}, name="B")
    with pytest.raises(ValidationError) as refused:
        rule(tenant_a, "y", {"field": "tags", "op": "has_all", "value": ["z"]}, name="C")
    message = refused.value.message_dict["condition"][0]
    assert "“C” tags “y”, which “A” reads" in message
    assert "“A” tags “x”, which “B” reads" in message
    assert "“B” tags “z”, which “C” reads" in message
    assert SmartTagRule.objects.count() == 2


def test_a_loop_through_has_none_is_refused(tenant_a):
    rule(tenant_a, "x", {"field": "tags", "op": "has_none", "value": ["y"]}, name="A")
    with pytest.raises(ValidationError):
        rule(tenant_a, "y", {"field": "tags", "op": "has", "value": "x"}, name="B")


def test_a_loop_through_an_inactive_rule_is_allowed_until_it_is_activated(tenant_a):
    first = rule(tenant_a, "x", {"field": "tags", "op": "has", "value": "y"}, is_active=False)
    rule(tenant_a, "y", {"field": "tags", "op": "has", "value": "x"})
    with pytest.raises(ValidationError):
        tag_rule_update(rule=first, by=OPERATOR, data={"is_active": True})
    first.refresh_from_db()
    assert first.is_active is False


def test_an_update_that_would_loop_is_refused(tenant_a):
    rule(tenant_a, "x", {"field": "tags", "op": "has", "value": "y"})
    second = rule(tenant_a, "y", BIG)
    with pytest.raises(ValidationError):
        tag_rule_update(
            rule=second,
            by=OPERATOR,
            data={"condition": {"field": "tags", "op": "has", "value": "X "}},
        )
    second.refresh_from_db()
    assert second.condition == BIG


def test_condition_tag_names_walks_groups_and_segments(tenant_a, manager_a):
    from crm.services.segments import segment_create

    inner = segment_create(
        tenant=tenant_a,
        by=manager_a,
        data={"name": "Deep", "conditions": HAS_VIP | {"value": "deep"}},
    )
    outer = segment_create(
        tenant=tenant_a, by=manager_a, data={"name": "Outer", "conditions": {"segment": inner.pk}}
    )
    condition = {
        "all": [
            {"any": [HAS_VIP, {"field": "tags", "op": "has_any", "value": [" Gold", "x"]}]},
            {"not": {"field": "tags", "op": "has_none", "value": ["cold"]}},
            {"field": "first_name", "op": "eq", "value": "tags"},
            {"segment": outer.pk},
        ]
    }
    assert condition_tag_names(condition, tenant=tenant_a) == {"vip", "gold", "x", "cold", "deep"}


def test_a_rule_reading_a_segment_that_reads_its_tag_is_a_loop(tenant_a, manager_a):
    from crm.services.segments import segment_create

    deep = segment_create(
        tenant=tenant_a,
        by=manager_a,
        data={"name": "Deep", "conditions": HAS_VIP | {"value": "deep"}},
    )
    with pytest.raises(ValidationError) as refused:
        rule(tenant_a, "deep", {"segment": deep.pk}, by=manager_a)
    assert "condition" in refused.value.message_dict


# -- validation and roles ------------------------------------------------------------------------


def test_every_problem_is_reported_at_once(tenant_a):
    with pytest.raises(ValidationError) as refused:
        tag_rule_create(
            tenant=tenant_a,
            by=OPERATOR,
            data={
                "tag": "x" * 60,
                "name": "n" * 101,
                "condition": {"field": "password", "op": "eq"},
            },
        )
    errors = refused.value.message_dict
    assert set(errors) == {"tag", "name", "condition"}
    assert "Unknown field 'password'" in errors["condition"][0]


def test_an_empty_condition_is_refused(tenant_a):
    with pytest.raises(ValidationError) as refused:
        rule(tenant_a, "everyone", {})
    assert "bulk edit" in refused.value.message_dict["condition"][0]


def test_the_tag_is_created_on_first_use_and_reused(tenant_a):
    first = rule(tenant_a, " Gold ", BIG)
    second = rule(tenant_a, "gold", {"field": "company", "op": "eq", "value": "Acme"})
    assert first.tag == second.tag and first.tag.name == "gold"


@pytest.mark.parametrize("role", ["admin_a", "manager_a"])
def test_admins_and_managers_write_rules(request, tenant_a, role):
    member = request.getfixturevalue(role)
    created = rule(tenant_a, "big", BIG, by=member)
    assert created.created_by == member.user
    tag_rule_update(rule=created, by=member, data={"name": "Big"})
    assert tag_rule_apply(rule=created, by=member) == 0
    tag_rule_delete(rule=created, by=member)


def test_agents_and_other_tenants_may_not_write_rules(tenant_a, agent_a, admin_b):
    created = rule(tenant_a, "big", BIG)
    for who in (agent_a, admin_b):
        with pytest.raises(PermissionDenied):
            rule(tenant_a, "x", BIG, by=who)
        with pytest.raises(PermissionDenied):
            tag_rule_update(rule=created, by=who, data={"name": "x"})
        with pytest.raises(PermissionDenied):
            tag_rule_apply(rule=created, by=who)
        with pytest.raises(PermissionDenied):
            tag_rule_delete(rule=created, by=who)


# -- reapply -------------------------------------------------------------------------------------


def test_rules_of_another_tenant_never_touch_a_customer(tenant_a, tenant_b):
    rule(tenant_b, "big", BIG)
    ann = spend(customer(tenant_a, "Ann"), "5000")
    assert tags_of(ann) == []


def test_a_rule_whose_custom_field_is_gone_is_skipped_not_fatal(tenant_a, points):
    from customfields.services.definitions import definition_delete

    rule(
        tenant_a,
        "loyal",
        {"field": "custom.points", "op": "gte", "value": 1},
        untag_when_unmatched=True,
    )
    ann = customer(tenant_a, "Ann", points=5)
    assert tags_of(ann) == ["loyal"]
    definition_delete(definition=points, by=OPERATOR)
    spend(ann, "3")
    assert tags_of(ann) == ["loyal"]


def test_reapply_over_many_customers_in_one_call(tenant_a, monkeypatch):
    monkeypatch.setattr("crm.services.tag_rules.REAPPLY_CHUNK", 3)
    rule(tenant_a, "vip", BIG, untag_when_unmatched=True)
    rule(tenant_a, "priority", HAS_VIP, untag_when_unmatched=True)
    people = [CustomerFactory(tenant=tenant_a, total_spent=Decimal(i * 300)) for i in range(8)]
    Customer.objects.filter(pk__in=[p.pk for p in people]).update(total_spent=Decimal(1000))
    rules_reapply(tenant=tenant_a, customer_ids=[p.pk for p in people], by=OPERATOR)
    assert all(tags_of(p) == ["priority", "vip"] for p in people)
    Customer.objects.update(total_spent=0)
    rules_reapply(tenant=tenant_a, customer_ids=[p.pk for p in people], by=OPERATOR)
    assert all(tags_of(p) == [] for p in people)


def test_one_customer_update_with_twenty_rules_costs_a_few_queries(
    tenant_a, django_assert_max_num_queries
):
    for i in range(20):
        rule(tenant_a, f"t{i}", {"field": "total_spent", "op": "gte", "value": i * 100})
    ann = customer(tenant_a, "Ann")
    assert tags_of(ann) == ["t0"]
    # the rules, the custom fields, which rules match, which of their tags the customer has
    with django_assert_max_num_queries(4):
        rules_reapply(tenant=tenant_a, customer_ids=[ann.pk], by=OPERATOR)


def test_the_timeline_says_which_rule_tagged_the_customer(tenant_a):
    created = rule(tenant_a, "big", BIG, name="Big spenders")
    ann = spend(customer(tenant_a, "Ann"), "5000")
    entries = customer_timeline(tenant=tenant_a, customer=ann).entries
    (entry,) = [e for e in entries if e.kind == "tag_added"]
    assert entry.summary == "Tag “big” added by the rule “Big spenders”"
    assert entry.data == {"tag": "big", "rule": created.pk}


def test_rules_reading_the_clock_follow_it_in_the_hourly_refresh(tenant_a, manager_a):
    from datetime import timedelta

    from crm.services.tag_rules import tag_rules_refresh_timed

    quiet = {"field": "last_contacted_at", "op": "more_than_days_ago", "value": 30}
    person = CustomerFactory(tenant=tenant_a, last_contacted_at=timezone.now())
    timed = rule(tenant_a, "quiet", quiet, by=manager_a, untag_when_unmatched=True)
    rule(tenant_a, "named", {"field": "first_name", "op": "is_set"}, by=manager_a)  # not timed
    assert "quiet" not in tags_of(person)
    # A month passes without a word: nothing about the customer changed but the clock.
    Customer.objects.filter(pk=person.pk).update(
        last_contacted_at=timezone.now() - timedelta(days=31)
    )
    assert tag_rules_refresh_timed(tenant=tenant_a) == [timed.pk]
    assert "quiet" in tags_of(person)
    assert CustomerTagChange.objects.filter(customer=person, tag_name="quiet", added=True).exists()
