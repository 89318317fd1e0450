"""Writes for smart-tag rules, and the rules' work: a rule gives its tag to every customer that
matches its condition and, with `untag_when_unmatched`, takes it from every customer that does
not.

Who may do what: admins and managers create, change, delete and apply rules (a rule edits the
tags of every customer, like a bulk edit); every member sees them. Each service checks it for
its actor `by`.

When rules run:
- over every existing customer (`tag_rule_apply`): when a rule is created, activated, or its
  tag, condition or untagging changes, and on demand (`POST tag-rules/{id}/apply/`);
- for the customers a change touched (`rules_reapply`, the first step of
  crm.services.reactions.customers_changed), in the transaction of that change.

A rule may not loop on the tags it sets: a rule reading its own tag, or active rules forming a
chain back to it (A tags x when a customer has y, B tags y when it has x), is refused at save."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tenancy.actors import OPERATOR, Actor, actor_user, require_role
from tenancy.models import Role, Tenant
from tenancy.services.common import assign_fields, save_validated

from ..conditions import TAG_OPS, compile_condition, rename_tag, uses_time
from ..models import CustomerTag, CustomerTagChange, Segment, SmartTagRule, Tag
from ..selectors.matching import matching
from ..selectors.tag_rules import active_tag_rules, compiled_tag_rules, tag_rule_changes
from . import emits, reactions
from .tags import clean_tag_names

TAG_RULE_WRITE_ROLES = (Role.ADMIN, Role.MANAGER)
# What clients set on a rule, in display order (the API, the admin and the pages use it).
TAG_RULE_FIELDS = ("tag", "name", "condition", "is_active", "untag_when_unmatched")
# Changing one of these re-applies an active rule over every customer.
DEFINITION_FIELDS = {"tag", "condition", "is_active", "untag_when_unmatched"}

# Customers per statement when a rule is applied over all of them (one INSERT or DELETE of
# links, one INSERT of timeline rows, one announcement of the changed customers per chunk).
APPLY_CHUNK = 2000
# Customers re-evaluated per statement after a change (a bulk edit may announce thousands).
REAPPLY_CHUNK = 1000


def condition_tag_names(condition: Any, *, tenant: Tenant) -> set[str]:
    """The tag names a condition reads (fields `tags`, and those of the segments it refers to:
    a rule reading a segment that reads the rule's own tag is a loop as well)."""
    found: set[str] = set()
    seen: set[int] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, Mapping):
            return
        for group in ("all", "any", "not"):
            if group in node:
                walk(node[group])
        if node.get("field") == "tags" and node.get("op") in TAG_OPS:
            value = node.get("value")
            names = [value] if isinstance(value, str) else value
            if isinstance(names, list):
                found.update(n.strip().lower() for n in names if isinstance(n, str))
        segment_id = node.get("segment")
        if isinstance(segment_id, int) and segment_id not in seen:
            seen.add(segment_id)
            segment = Segment.objects.for_tenant(tenant).filter(pk=segment_id)
            walk(segment.values_list("conditions", flat=True).first())

    walk(condition)
    return found


def follow_tag_rename(tenant: Tenant, old: str, new: str) -> None:
    """A renamed or merged tag (crm.services.tags.on_tag_renamed): rules whose condition names
    it name the new one (the customers they tag are the same; after a merge the customers whose
    tags moved are re-evaluated by the merge itself)."""
    for rule in SmartTagRule.objects.for_tenant(tenant):
        condition, changed = rename_tag(rule.condition, old, new)
        if changed:
            SmartTagRule.objects.filter(pk=rule.pk).update(condition=condition)


# ---------------------------------------------------------------------------------------------
# Create, update, delete


def _tag_named(tenant: Tenant, name: Any) -> Tag:
    """The tenant's tag `name`, created on first use."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError({"tag": ["Name the tag the rule sets."]})
    if "\x00" in name:
        raise ValidationError({"tag": ["Null characters are not allowed."]})
    try:
        (cleaned,) = clean_tag_names([name])
    except ValidationError as exc:
        raise ValidationError({"tag": exc.message_dict["tags"]}) from None
    tag, _ = Tag.objects.get_or_create(tenant=tenant, name=cleaned)
    return tag


def _validate(rule: SmartTagRule, tag_name: Any | None) -> None:
    """Every problem at once: the tag, the condition (it compiles for the tenant, and is not
    empty), the label; then, for an active rule, that it does not loop."""
    errors: dict[str, list[str]] = {}
    if tag_name is not None:
        try:
            rule.tag = _tag_named(rule.tenant, tag_name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if rule.condition in (None, {}, []):
        errors["condition"] = [
            "Give a condition: a rule that tags every customer is a bulk edit, not a rule."
        ]
    else:
        try:
            compile_condition(rule.condition, tenant=rule.tenant, field="condition")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if isinstance(rule.name, str) and "\x00" in rule.name:
        errors["name"] = ["Null characters are not allowed."]
    try:
        rule.full_clean(exclude=["tag", "condition", *errors])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if rule.is_active:
        _refuse_loop(rule)


def _refuse_loop(rule: SmartTagRule) -> None:
    """Refuse `rule` when the tag it sets leads back to it through the active rules: it reads
    its own tag, or the rules reading its tag set tags that … it reads. (The other active
    rules never loop, as each was checked when saved, so a new loop passes through `rule`.)"""
    tenant = rule.tenant
    others = (
        SmartTagRule.objects.for_tenant(tenant)
        .filter(is_active=True)
        .exclude(pk=rule.pk)
        .select_related("tag")
    )
    own_reads = condition_tag_names(rule.condition, tenant=tenant)
    readers: dict[str, list[SmartTagRule]] = {}
    for other in others:
        for name in condition_tag_names(other.condition, tenant=tenant):
            readers.setdefault(name, []).append(other)
    # Breadth first over tags from the rule's own, remembering the chain of rules that led there.
    chains: dict[str, list[SmartTagRule]] = {rule.tag.name: []}
    queue = [rule.tag.name]
    while queue:
        name = queue.pop(0)
        if name in own_reads:
            raise ValidationError({"condition": [_loop_message(rule, chains[name], name)]})
        for reader in readers.get(name, []):
            if reader.tag.name not in chains:
                chains[reader.tag.name] = [*chains[name], reader]
                queue.append(reader.tag.name)


def _loop_message(rule: SmartTagRule, chain: list[SmartTagRule], last: str) -> str:
    if not chain:
        return (
            f"This rule reads the tag it sets (“{last}”): it would tag and untag customers "
            "by itself. Read other tags."
        )
    steps = [rule, *chain]
    parts = [
        f"“{step.label}” tags “{step.tag.name}”, which “{steps[(i + 1) % len(steps)].label}” reads"
        for i, step in enumerate(steps)
    ]
    return f"These rules would loop: {'; '.join(parts)}. Change one so the chain ends."


@transaction.atomic
def tag_rule_create(*, tenant: Tenant, by: Actor, data: Mapping[str, Any]) -> SmartTagRule:
    """Create a rule (`tag` a name, created on first use) and, when it is active, apply it
    over the existing customers."""
    require_role(by, tenant=tenant, roles=TAG_RULE_WRITE_ROLES)
    data = dict(data)
    tag_name = data.pop("tag", "")
    rule = SmartTagRule(tenant=tenant, created_by=actor_user(by))
    assign_fields(rule, data, allowed=set(TAG_RULE_FIELDS) - {"tag"})
    _validate(rule, tag_name)
    save_validated(rule)
    if rule.is_active:
        _apply(rule, by=by)
    return rule


@transaction.atomic
def tag_rule_update(*, rule: SmartTagRule, by: Actor, data: Mapping[str, Any]) -> SmartTagRule:
    """Change a rule; an active rule whose tag, condition, untagging or activation changed is
    applied again over every customer. A rule turned off leaves the tags where they are."""
    require_role(by, tenant=rule.tenant, roles=TAG_RULE_WRITE_ROLES)
    data = dict(data)
    tag_name = data.pop("tag", None)
    old_tag_id = rule.tag_id
    changes = assign_fields(rule, data, allowed=set(TAG_RULE_FIELDS) - {"tag"})
    try:
        _validate(rule, tag_name)
    except ValidationError:
        rule.refresh_from_db()
        raise
    if rule.tag_id != old_tag_id:
        changes["tag"] = (old_tag_id, rule.tag_id)
    save_validated(rule)
    if rule.is_active and DEFINITION_FIELDS.intersection(changes):
        _apply(rule, by=by)
    return rule


@transaction.atomic
def tag_rule_delete(*, rule: SmartTagRule, by: Actor) -> None:
    """Delete the rule; the tags it gave stay with the customers (remove them as any tag)."""
    require_role(by, tenant=rule.tenant, roles=TAG_RULE_WRITE_ROLES)
    rule.delete()


# ---------------------------------------------------------------------------------------------
# Applying a rule over every customer


@transaction.atomic
def tag_rule_apply(*, rule: SmartTagRule, by: Actor) -> int:
    """Apply an active rule over every existing customer; returns how many it tagged."""
    require_role(by, tenant=rule.tenant, roles=TAG_RULE_WRITE_ROLES)
    if not rule.is_active:
        raise ValidationError({"detail": ["This rule is inactive; activate it to apply it."]})
    return _apply(rule, by=by)


def _apply(rule: SmartTagRule, *, by: Actor) -> int:
    """Tag the matching customers that lack the tag and, with untagging, untag the others
    (unless another active rule of the same tag matches them), chunk by chunk in customer
    order; each chunk's changed customers are announced, so other rules and segments follow."""
    tenant, tag = rule.tenant, rule.tag
    to_tag, to_untag = tag_rule_changes(rule)
    tagged = 0
    for ids in _chunks(to_tag.values_list("pk", flat=True)):
        _write(tenant, by=by, added={(pk, tag.pk): rule for pk in ids}, removed={})
        reactions.customers_changed(tenant=tenant, customer_ids=ids, by=by)
        tagged += len(ids)
    if to_untag is not None:
        for ids in _chunks(to_untag.values_list("pk", flat=True)):
            _write(tenant, by=by, added={}, removed={(pk, tag.pk): rule for pk in ids})
            reactions.customers_changed(tenant=tenant, customer_ids=ids, by=by)
    return tagged


def tag_rules_refresh_timed(*, tenant: Tenant) -> list[int]:
    """Apply again every active rule of the tenant whose condition reads the clock (relative
    dates, activity windows, crm_score), as the system: a customer can come to match one, or stop
    matching, without changing. Returns their ids. Hourly, after the score refresh and before
    the timed segments (which may read the tags these rules set)."""
    timed = []
    for rule in active_tag_rules(tenant):
        try:
            if uses_time(rule.condition, tenant=tenant):
                timed.append(rule)
        except ValidationError:
            continue  # a rule whose custom field was deleted matches no one until it is fixed
    for rule in timed:
        _apply(rule, by=OPERATOR)
    return [rule.pk for rule in timed]


def _chunks(ids) -> Iterable[list[int]]:
    """The ids of a queryset in order, APPLY_CHUNK at a time (keyset: each chunk reads on from
    the last id, so rows changed by earlier chunks do not shift the later ones)."""
    last = 0
    while True:
        chunk = list(ids.filter(pk__gt=last).order_by("pk")[:APPLY_CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


# ---------------------------------------------------------------------------------------------
# Re-applying every rule after a change


def rules_reapply(
    *,
    tenant: Tenant,
    customer_ids: Iterable[int],
    by: Actor,
    tags_only: Iterable[str] | None = None,
    fields: Iterable[str] | None = None,
) -> set[str]:
    """Bring the tags of the tenant's active rules up to date for `customer_ids`: which
    customers match which rule is one statement (crm.selectors.matching), links are added and
    removed in bulk with their timeline rows. A pass repeats for the customers whose tags
    changed while another rule reads a changed tag (rules do not loop, so the chain ends; the
    passes are capped all the same). A helper of crm.services.reactions.customers_changed,
    which the writing services call after checking `by`; it does not announce the changes
    again (the customers are already announced). `tags_only`: only tags of these names
    changed, so only the rules that can answer differently run (compiled_tag_rules). Returns
    the names of the tags it added or removed. `fields`: only these fields changed (likewise)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return set()
    compiled = compiled_tag_rules(
        tenant, active_tag_rules(tenant), touching=tags_only, fields=fields
    )
    if not compiled:
        return set()
    changed: set[str] = set()
    for start in range(0, len(ids), REAPPLY_CHUNK):
        changed |= _reapply_chunk(tenant, compiled, ids[start : start + REAPPLY_CHUNK], by=by)
    return changed


def _reapply_chunk(
    tenant: Tenant, compiled: dict[SmartTagRule, Q], ids: list[int], *, by: Actor
) -> set[str]:
    by_tag: dict[int, list[SmartTagRule]] = {}
    for rule in compiled:
        by_tag.setdefault(rule.tag_id, []).append(rule)
    reads: dict[SmartTagRule, set[str]] | None = None
    pending = ids
    written: set[str] = set()
    for _ in range(len(compiled) + 1):
        matched = matching(
            tenant=tenant, conditions={r.pk: q for r, q in compiled.items()}, customer_ids=pending
        )
        have = set(
            CustomerTag.objects.filter(
                tenant=tenant, customer_id__in=pending, tag_id__in=by_tag
            ).values_list("customer_id", "tag_id")
        )
        added: dict[tuple[int, int], SmartTagRule] = {}
        removed: dict[tuple[int, int], SmartTagRule] = {}
        for tag_id, rules in by_tag.items():
            wanted: set[int] = set()
            for rule in rules:
                wanted |= matched[rule.pk]
                for pk in matched[rule.pk]:
                    if (pk, tag_id) not in have:
                        added.setdefault((pk, tag_id), rule)
            untagging = next((r for r in rules if r.untag_when_unmatched), None)
            if untagging is not None:
                for pk in pending:
                    if pk not in wanted and (pk, tag_id) in have:
                        removed[(pk, tag_id)] = untagging
        if not added and not removed:
            return written
        _write(tenant, by=by, added=added, removed=removed)
        changed_tags = {rule.tag.name for rule in (*added.values(), *removed.values())}
        written |= changed_tags
        if reads is None:
            reads = {r: condition_tag_names(r.condition, tenant=tenant) for r in compiled}
        if not any(names & changed_tags for names in reads.values()):
            return written
        pending = sorted({pk for pk, _ in (*added, *removed)})
    return written


def _write(
    tenant: Tenant,
    *,
    by: Actor,
    added: Mapping[tuple[int, int], SmartTagRule],
    removed: Mapping[tuple[int, int], SmartTagRule],
) -> None:
    """Add and remove (customer id, tag id) links, and record each change for the timeline
    with the rule that made it: one INSERT of links, one DELETE per tag, one INSERT of rows,
    and the `tag_removed` / `tag_added` events (one multi-row INSERT per 2,000)."""
    CustomerTag.objects.bulk_create(
        [CustomerTag(tenant=tenant, customer_id=pk, tag_id=tag_id) for pk, tag_id in added],
        ignore_conflicts=True,
    )
    untag: dict[int, list[int]] = {}
    for pk, tag_id in removed:
        untag.setdefault(tag_id, []).append(pk)
    for tag_id, pks in untag.items():
        CustomerTag.objects.filter(tenant=tenant, tag_id=tag_id, customer_id__in=pks).delete()
    user, now = actor_user(by), timezone.now()
    CustomerTagChange.objects.bulk_create(
        CustomerTagChange(
            tenant=tenant,
            customer_id=pk,
            tag_name=rule.tag.name,
            added=is_added,
            changed_by=user,
            changed_at=now,
            rule=rule,
        )
        # Removals first: at the same moment the later row (an addition) shows above.
        for changes, is_added in ((removed, False), (added, True))
        for (pk, _), rule in changes.items()
    )
    emits.tag_changes(
        tenant=tenant,
        changes=(
            (pk, rule.tag.name, is_added)
            for changes, is_added in ((removed, False), (added, True))
            for (pk, _), rule in changes.items()
        ),
    )
