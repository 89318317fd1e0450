"""What follows a change to customers: smart-tag rules re-applied, then segment membership
updated — in the caller's transaction, so a customer is never seen changed but not yet moved.

Every service that changes something a rule or a segment can read (core fields, custom values,
tags, score, purchases, interactions) calls `customers_changed` with the customers it changed,
once per batch: the work is one pass over all the tenant's rules and segments for those
customers, not one per rule."""

from collections.abc import Iterable

from tenancy.actors import Actor
from tenancy.models import Tenant

from .segments import segments_reevaluate
from .tag_rules import rules_reapply


def customers_changed(
    *,
    tenant: Tenant,
    customer_ids: Iterable[int],
    by: Actor,
    tags_only: Iterable[str] | None = None,
    fields: Iterable[str] | None = None,
) -> None:
    """Re-evaluate the tenant's active smart-tag rules and segments for `customer_ids`.
    A helper of the writing services (they have checked `by`); not a way in. `tags_only`: the
    change was to tags of these names alone (a bulk tag edit), so the rules and segments that
    read neither them (nor the tags rules set in turn) are skipped. `fields`: the
    change was to these fields alone (core names, `tags`, `custom.<key>`, `crm_score`), so the
    rules and segments that read none of them (nor the tags rules set) are skipped (what the
    clock alone moves is the hourly refresh's); None (the default) when the caller cannot say."""
    ids = sorted(set(customer_ids))
    if not ids:
        return
    fields = None if fields is None else set(fields)
    written = rules_reapply(
        tenant=tenant, customer_ids=ids, by=by, tags_only=tags_only, fields=fields
    )
    # Segments read the tags the rules set: the rules go first.
    segments_reevaluate(
        tenant=tenant,
        customer_ids=ids,
        by=by,
        tags_only=None if tags_only is None else {*tags_only, *written},
        fields=None if fields is None else fields | ({"tags"} if written else set()),
    )
