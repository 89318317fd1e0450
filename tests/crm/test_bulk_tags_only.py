"""A bulk edit of tags alone re-evaluates only the smart-tag rules and segments that read those
tags (or the tags rules set from them, or the clock): stored membership and the rules' tags
still equal evaluating every condition, after a random sequence of bulk tag edits."""

import random

import pytest
from django.core.exceptions import ValidationError

from crm.models import Customer, CustomerTag, Segment
from crm.selectors.tag_rules import active_tag_rules, compiled_tag_rules
from crm.services.bulk import customers_bulk_update
from crm.services.customers import customer_create
from crm.services.segments import segment_create
from crm.services.tag_rules import tag_rule_create
from tenancy.actors import OPERATOR
from tests.crm.test_segments_membership import evaluated, random_condition, stored

pytestmark = pytest.mark.django_db

TAGS = ["vip", "cold", "new", "other"]


def test_only_rules_reading_the_changed_tags_run_with_all_of_their_tag(tenant_a):
    rules = {
        "from-vip": {"field": "tags", "op": "has", "value": "vip"},
        # Reads the clock, which a tag change does not move (the hourly refresh does).
        "from-score": {"field": "crm_score", "op": "gte", "value": 500},
        "from-company": {"field": "company", "op": "eq", "value": "Acme"},
        "chained": {"field": "tags", "op": "has", "value": "from-vip"},
    }
    made = {tag: tag_rule_create(tenant=tenant_a, by=OPERATOR, data={"tag": tag, "condition": c})
            for tag, c in rules.items()}  # fmt: skip
    # A second rule of the same tag as an unaffected one is kept with it.
    tag_rule_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"tag": "from-company", "condition": {"field": "tags", "op": "has", "value": "new"}},
    )
    kept = compiled_tag_rules(tenant_a, active_tag_rules(tenant_a), touching=["VIP"])
    assert {r.tag.name for r in kept} == {"from-vip", "chained"}
    assert made["from-company"] not in kept
    kept = compiled_tag_rules(tenant_a, active_tag_rules(tenant_a), touching=["new"])
    assert sorted(r.tag.name for r in kept) == ["from-company", "from-company"]
    kept = compiled_tag_rules(tenant_a, active_tag_rules(tenant_a), fields={"crm_score"})
    assert [r.tag.name for r in kept] == ["from-score"]


@pytest.mark.parametrize("seed", [1, 2])
def test_membership_and_rule_tags_equal_the_conditions_after_random_bulk_tag_edits(
    seed, tenant_a, django_capture_on_commit_callbacks
):
    rng = random.Random(seed)
    customers = [
        customer_create(
            tenant=tenant_a,
            by=OPERATOR,
            data={"first_name": f"C{i}", "company": rng.choice(["", "Acme", "Globex"])},
            tags=rng.sample(TAGS, rng.randint(0, 2)),
        )
        for i in range(25)
    ]
    # A chain: vip -> "auto" (untagging) -> segments reading "auto" must follow.
    tag_rule_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "tag": "auto",
            "condition": {"field": "tags", "op": "has_any", "value": ["vip", "new"]},
            "untag_when_unmatched": True,
        },
    )
    conditions = [
        {"field": "tags", "op": "has", "value": "auto"},
        {"not": {"field": "tags", "op": "has", "value": "auto"}},
    ]
    segments: list[Segment] = []
    while len(segments) < 8:
        condition = (
            conditions[len(segments)]
            if len(segments) < len(conditions)
            else random_condition(rng, [s.pk for s in segments])
        )
        try:
            with django_capture_on_commit_callbacks(execute=True):
                segments.append(
                    segment_create(
                        tenant=tenant_a,
                        by=OPERATOR,
                        data={"name": f"S{len(segments)}", "conditions": condition},
                    )
                )
        except ValidationError:
            continue
    for _ in range(25):
        picked = rng.sample(customers, rng.randint(1, 10))
        tag = rng.choice(TAGS)
        key = rng.choice(["add_tags", "remove_tags"])
        customers_bulk_update(
            tenant=tenant_a, by=OPERATOR, customer_ids=[c.pk for c in picked], **{key: [tag]}
        )
        for segment in segments:
            segment.refresh_from_db()
            assert stored(segment) == evaluated(segment), segment.conditions
        auto = set(
            CustomerTag.objects.filter(tag__name="auto").values_list("customer_id", flat=True)
        )
        wanted = set(
            Customer.objects.filter(tags__name__in=["vip", "new"]).values_list("pk", flat=True)
        )
        assert auto == wanted
