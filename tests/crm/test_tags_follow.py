"""Conditions name tags: renaming or merging a tag rewrites the segments, smart-tag rules and
campaign audiences that name it, and a merge rebuilds the segments (who matches can change)."""

import pytest

from campaigns.services.campaigns import campaign_create
from crm.models import Segment, SmartTagRule, Tag
from crm.services.segments import segment_create
from crm.services.tag_rules import tag_rule_create
from crm.services.tags import tag_merge, tag_update
from tenancy.actors import OPERATOR
from tests.crm.customers import customer

pytestmark = pytest.mark.django_db(transaction=True)  # segment rebuilds run after the commit


def has(name):
    return {"field": "tags", "op": "has", "value": name}


def members(segment: Segment) -> set[str]:
    return set(segment.memberships.values_list("customer__first_name", flat=True))


def test_rename_rewrites_segments_rules_and_audiences(tenant_a, manager_a):
    customer(tenant_a, "Ada", tags=["vip"])
    segment = segment_create(
        tenant=tenant_a, by=manager_a, data={"name": "V", "conditions": has("vip")}
    )
    rule = tag_rule_create(
        tenant=tenant_a, by=manager_a, data={"tag": "loyal", "condition": {"any": [has("vip")]}}
    )
    campaign = campaign_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"name": "C", "audience": {"field": "tags", "op": "has_any", "value": ["vip", "x"]}},
    )
    tag_update(
        tag=Tag.objects.get(tenant=tenant_a, name="vip"), by=manager_a, data={"name": "gold"}
    )

    segment.refresh_from_db()
    rule.refresh_from_db()
    campaign.refresh_from_db()
    assert segment.conditions == has("gold") and members(segment) == {"Ada"}
    assert rule.condition == {"any": [has("gold")]}
    assert campaign.audience["value"] == ["gold", "x"]


def test_merge_rebuilds_segments_and_keeps_the_rules_of_the_merged_tag(tenant_a, manager_a):
    customer(tenant_a, "Ada", tags=["vip"])
    customer(tenant_a, "Ben", tags=["gold"])
    segment = segment_create(
        tenant=tenant_a, by=manager_a, data={"name": "V", "conditions": has("vip")}
    )
    rule = tag_rule_create(
        tenant=tenant_a,
        by=manager_a,
        data={"tag": "vip", "condition": {"field": "first_name", "op": "eq", "value": "Cy"}},
    )
    assert members(segment) == {"Ada"}
    vip, gold = (Tag.objects.get(tenant=tenant_a, name=n) for n in ("vip", "gold"))

    tag_merge(source=vip, into=gold, by=manager_a)

    segment.refresh_from_db()
    assert segment.conditions == has("gold")
    assert members(segment) == {"Ada", "Ben"}  # Ben had only the kept tag
    assert SmartTagRule.objects.get(pk=rule.pk).tag == gold
