"""The bench tenant's manager, its 20 smart-tag rules and 50 segments, made through the services
and only when missing (a re-run reuses them), and a check that the stored membership of every
segment equals evaluating its condition live."""

import time

from .conditions import rule_conditions, segment_conditions
from .data import TENANT_SLUG

MANAGER = f"{TENANT_SLUG}-manager"
PASSWORD = "bench-pass-123"


def ensure_manager(tenant):
    from tenancy.actors import OPERATOR
    from tenancy.models import Membership, Role
    from tenancy.services.members import member_add

    membership = Membership.objects.filter(tenant=tenant, user__username=MANAGER).first()
    if membership is None:
        membership = member_add(
            tenant=tenant, username=MANAGER, role=Role.MANAGER, by=OPERATOR, password=PASSWORD
        )
    return membership


def ensure_rules(tenant, by) -> list:
    """The 20 rules, created (and so applied over the 200,000 customers) when missing. Made
    before the segments, so the segments' first build sees the rules' tags."""
    from crm.models import SmartTagRule
    from crm.services.tag_rules import tag_rule_create

    have = {r.tag.name: r for r in SmartTagRule.objects.for_tenant(tenant).select_related("tag")}
    for tag, condition in rule_conditions():
        if tag not in have:
            started = time.perf_counter()
            have[tag] = tag_rule_create(
                tenant=tenant,
                by=by,
                data={"tag": tag, "condition": condition, "untag_when_unmatched": True},
            )
            print(f"rule {tag}: created and applied in {time.perf_counter() - started:.1f} s")
    return [have[tag] for tag, _ in rule_conditions()]


def ensure_segments(tenant, by) -> list:
    """The 50 segments; a new one is built by its rebuild after the commit (in this process
    without a broker), which `segment_create` starts."""
    from crm.models import Segment
    from crm.services.segments import segment_create

    have = {s.name: s for s in Segment.objects.for_tenant(tenant)}
    for order, (name, condition) in enumerate(segment_conditions()):
        if name not in have:
            started = time.perf_counter()
            have[name] = segment_create(
                tenant=tenant, by=by, data={"name": name, "conditions": condition, "order": order}
            )
            print(f"segment {name}: created and built in {time.perf_counter() - started:.1f} s")
    from crm.models import RebuildStatus
    from crm.services.segments import segment_rebuild

    # A build interrupted (or failed) earlier is done again here, so the figures start from
    # stored memberships equal to the conditions.
    for segment in Segment.objects.for_tenant(tenant).exclude(status=RebuildStatus.IDLE):
        started = time.perf_counter()
        segment_rebuild(segment_id=segment.pk)
        print(f"segment {segment.name}: rebuilt in {time.perf_counter() - started:.1f} s")
    return [Segment.objects.get(pk=have[name].pk) for name, _ in segment_conditions()]


def set_active(tenant, active: bool) -> None:
    """Every bench rule and segment on or off, without the services' re-application: the
    'none' side of the update scenario. Customers changed while off are re-evaluated by
    `catch_up` when they are back on."""
    from crm.models import Segment, SmartTagRule

    SmartTagRule.objects.for_tenant(tenant).update(is_active=active)
    Segment.objects.for_tenant(tenant).update(is_active=active)


def catch_up(tenant, ids, by) -> None:
    from django.db import transaction

    from crm.services.reactions import customers_changed

    with transaction.atomic():
        customers_changed(tenant=tenant, customer_ids=ids, by=by)


def check_memberships(tenant, segments) -> list[str]:
    """The segments whose stored members differ from their condition evaluated now."""
    from crm.conditions import Compiler
    from crm.models import Customer, SegmentMembership

    compiler = Compiler(tenant)
    wrong = []
    for segment in segments:
        q = compiler.compile_one(segment.conditions, segment_id=segment.pk)[0]
        live = set(Customer.objects.for_tenant(tenant).filter(q).values_list("pk", flat=True))
        stored = set(
            SegmentMembership.objects.filter(tenant=tenant, segment=segment).values_list(
                "customer_id", flat=True
            )
        )
        if live != stored:
            extra, missing = len(stored - live), len(live - stored)
            wrong.append(f"{segment.name}: {extra} extra, {missing} missing")
    return wrong
