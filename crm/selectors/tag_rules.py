"""Reads for smart-tag rules: which the member sees (every member sees the tenant's rules;
admins and managers write them), the one access selector, the active rules' compiled
conditions, and which customers applying a rule would tag and untag."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..conditions import Compiler, ConditionProblem, compile_condition
from ..models import Customer, CustomerTag, SmartTagRule


def tag_rules_visible_to(*, tenant: Tenant, membership: Membership) -> QuerySet[SmartTagRule]:
    return SmartTagRule.objects.for_tenant(tenant).select_related("tag")


def tag_rule_for(
    *,
    tenant: Tenant,
    membership: Membership,
    pk: object,
    queryset: QuerySet[SmartTagRule] | None = None,
) -> SmartTagRule:
    """The rule `pk`, or Http404 (the same for a missing rule and another tenant's)."""
    visible = tag_rules_visible_to(tenant=tenant, membership=membership)
    return one_or_404(visible if queryset is None else queryset & visible, pk, what="rule")


def active_tag_rules(tenant: Tenant) -> QuerySet[SmartTagRule]:
    return SmartTagRule.objects.for_tenant(tenant).filter(is_active=True).select_related("tag")


def compiled_tag_rules(
    tenant: Tenant,
    rules: Iterable[SmartTagRule],
    *,
    touching: Iterable[str] | None = None,
    fields: Iterable[str] | None = None,
) -> dict[SmartTagRule, Q]:
    """Each rule's condition as a Q, the tenant's custom fields read once for all of them. A
    rule whose condition no longer compiles (its custom field was deleted since) is left out:
    it matches no one, and untags no one, until it is fixed.

    `touching`: only tags of these names changed (a bulk tag edit). Then only the rules that
    can answer differently are kept: those reading one of the names, the rules
    reading the tags those set, and so on; with each kept rule every other rule of its tag
    (untagging weighs them all). A rule reading neither gives the same answer as before.
    `fields`: only these fields changed; the rules reading one of them are kept, then the same
    closure over the tags they set. A rule reading the clock is not moved by a change it does
    not read (the clock's own moves are the hourly refresh's: tag_rules_refresh_timed)."""
    compiler = Compiler(tenant)
    compiled: dict[SmartTagRule, Q] = {}
    reads: dict[SmartTagRule, set[str]] = {}
    reads_fields: dict[SmartTagRule, set[str]] = {}
    for rule in rules:
        try:
            compiled[rule], _ = compiler.compile_one(rule.condition)
        except ConditionProblem:
            continue
        reads[rule] = compiler.tags_read
        reads_fields[rule] = compiler.fields_read
    if touching is None and fields is None:
        return compiled
    changed = set() if touching is None else {name.strip().lower() for name in touching}
    changed_fields = set(fields or ())
    kept_tags: set[int] = set()
    while True:
        more = {
            rule.tag_id
            for rule in compiled
            if rule.tag_id not in kept_tags
            and (reads[rule] & changed or reads_fields[rule] & changed_fields)
        }
        if not more:
            break
        kept_tags |= more
        changed |= {rule.tag.name for rule in compiled if rule.tag_id in more}
    return {rule: q for rule, q in compiled.items() if rule.tag_id in kept_tags}


def tag_rule_changes(
    rule: SmartTagRule,
) -> tuple[QuerySet[Customer], QuerySet[Customer] | None]:
    """The customers applying `rule` now would tag (matching, without the tag) and, when it
    untags, untag (with the tag, matching neither it nor another active rule of the tag).
    A ValidationError {"condition": …} when its condition no longer compiles."""
    tenant = rule.tenant
    customers = Customer.objects.for_tenant(tenant)
    holders = CustomerTag.objects.filter(tenant=tenant, tag=rule.tag_id).values("customer_id")
    matches = compile_condition(rule.condition, tenant=tenant, field="condition")
    to_tag = customers.filter(matches).exclude(pk__in=holders)
    if not rule.untag_when_unmatched:
        return to_tag, None
    keep = matches
    for other, q in compiled_tag_rules(
        tenant, active_tag_rules(tenant).filter(tag=rule.tag_id)
    ).items():
        if other.pk != rule.pk:
            keep |= q
    return to_tag, customers.filter(pk__in=holders).exclude(pk__in=customers.filter(keep))
