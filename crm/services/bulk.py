"""Bulk edits of customers: tags added and removed and custom values set on many customers at
once, or many customers deleted.

All or nothing: everything is checked before anything is written (the ids, the tag names, the
values), and the writes run in one transaction. Set-based, so 50,000 customers are seconds,
not minutes: the ids go in chunks of CHUNK, and each chunk costs a handful of statements —
tag links inserted and deleted in bulk, the custom values by one UPDATE, the history
(CustomerTagChange for the timeline, FieldHistory for the values) by bulk inserts of only what
really changed, the score recomputed by one UPDATE, then `customers_changed` for the rules and
segments. Events: `tag_added` / `tag_removed` per link that came or went (one INSERT … SELECT
per tag and chunk, with the timeline rows), and for values set `field_changed` per value that
changed and `customer_updated` per customer (INSERT … SELECT from the history just written); a
tag-only edit emits no `customer_updated` (crm.services.emits).

Who may: bulk edits, every member who may edit a customer (CUSTOMER_WRITE_ROLES); deleting
many customers, which cannot be undone, managers and admins only (CUSTOMER_BULK_DELETE_ROLES).
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Value
from django.utils import timezone

from customfields.models import FieldDefinition
from customfields.services.values import active_definitions, clean_values, write_values_many
from tenancy.actors import Actor, require_role
from tenancy.models import Role, Tenant
from tenancy.services.common import insert_select

from ..models import Customer, CustomerTag, Tag
from ..selectors.scoring import score_expression
from . import emits
from .customers import CUSTOMER_WRITE_ROLES, nest_custom_errors
from .reactions import customers_changed
from .tags import MAX_TAGS, clean_tag_names, record_tag_changes

BULK_MAX = 50_000  # customers per request
CHUNK = 5_000  # customer ids per statement
LISTED = 5  # unknown ids named in an error
BULK_REASON = "bulk edit"
CUSTOMER_BULK_DELETE_ROLES = (Role.ADMIN, Role.MANAGER)


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _listed(ids: Sequence[int]) -> str:
    shown = ", ".join(str(pk) for pk in ids[:LISTED])
    return shown + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")


def _customer_ids(*, tenant: Tenant, customer_ids: Iterable[int]) -> list[int]:
    """The ids, sorted and without repeats, all of them the tenant's customers; otherwise a
    ValidationError naming (at most LISTED of) the others — another tenant's customer is as
    unknown as a missing one."""
    ids = sorted(set(customer_ids))
    if not ids:
        raise ValidationError({"customer_ids": ["Select at least one customer."]})
    if len(ids) > BULK_MAX:
        raise ValidationError(
            {"customer_ids": [f"At most {BULK_MAX:,} customers at once; {len(ids):,} given."]}
        )
    customers = Customer.objects.for_tenant(tenant)
    found: set[int] = set()
    for chunk in chunks(ids):
        found.update(customers.filter(pk__in=chunk).values_list("pk", flat=True))
    if missing := [pk for pk in ids if pk not in found]:
        raise ValidationError({"customer_ids": [f"Unknown customers: {_listed(missing)}."]})
    return ids


def _clean_tags(names: Iterable[str], field: str) -> list[str]:
    try:
        return clean_tag_names(names)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _too_many_tags(
    *, tenant: Tenant, ids: Sequence[int], add: list[str], remove: list[str]
) -> list[int]:
    """The customers that would end up with more than MAX_TAGS tags."""
    if not add:
        return []
    over: list[int] = []
    for chunk in chunks(ids):
        over += (
            CustomerTag.objects.filter(tenant=tenant, customer_id__in=chunk)
            .exclude(tag__name__in=[*add, *remove])
            .values("customer_id")
            .annotate(n=Count("id"))
            .filter(n__gt=MAX_TAGS - len(add))
            .values_list("customer_id", flat=True)
        )
    return sorted(over)


def _tag_ids(*, tenant: Tenant, names: list[str], create: bool) -> dict[int, str]:
    """{tag id: name} of the tenant's tags among `names`, made first when `create`."""
    if create and names:
        Tag.objects.bulk_create(
            [Tag(tenant=tenant, name=name) for name in names], ignore_conflicts=True
        )
    return dict(Tag.objects.for_tenant(tenant).filter(name__in=names).values_list("pk", "name"))


def _retag(
    *,
    tenant: Tenant,
    chunk: Sequence[int],
    add: Mapping[int, str],
    remove: Mapping[int, str],
    by: Actor,
    now,
) -> set[int]:
    """Add and remove the tags on one chunk of customers; returns the ids whose tags changed,
    with a CustomerTagChange (the timeline's entry) for each link that really came or went.
    Removals are recorded first: at the same moment the later row (an addition) shows above."""
    touched: set[int] = set()
    links = CustomerTag.objects.filter(tenant=tenant, customer_id__in=chunk)

    def record(ids: list[int], name: str, added: bool) -> None:
        changed = Customer.objects.filter(tenant=tenant, pk__in=ids).values("pk")
        record_tag_changes(
            tenant=tenant, customer_ids=changed, name=name, added=added, by=by, at=now
        )

    for tag, name in remove.items():
        gone = list(links.filter(tag_id=tag).values_list("customer_id", flat=True))
        if gone:
            links.filter(tag_id=tag).delete()
            record(gone, name, False)
            touched.update(gone)
    for tag, name in add.items():
        had = set(links.filter(tag_id=tag).values_list("customer_id", flat=True))
        new = [pk for pk in chunk if pk not in had]
        if new:
            rows = Customer.objects.filter(tenant=tenant, pk__in=new).values_list(
                Value(tenant.pk), "pk", Value(tag)
            )
            insert_select(CustomerTag, ("tenant", "customer", "tag"), rows)
            record(new, name, True)
            touched.update(new)
    return touched


class BulkUpdate(NamedTuple):
    """A checked bulk edit: what `customers_bulk_update` writes."""

    ids: list[int]
    add: list[str]
    remove: list[str]
    cleaned: dict[str, Any]
    definitions: dict[str, FieldDefinition]


def customers_bulk_update_check(
    *,
    tenant: Tenant,
    by: Actor,
    customer_ids: Iterable[int],
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
    custom_fields: Mapping[str, Any] | None = None,
) -> BulkUpdate:
    """Everything `customers_bulk_update` checks, writing nothing: a page asks it before its
    confirmation step, so it never asks to confirm what would be refused. Every problem at once
    as a ValidationError keyed `customer_ids`, `add_tags`, `remove_tags`,
    `custom_fields.<key>` or `detail`; PermissionDenied for a member who may not edit."""
    require_role(by, tenant=tenant, roles=CUSTOMER_WRITE_ROLES)
    custom_fields = dict(custom_fields or {})
    errors: dict[str, list[str]] = {}
    add: list[str] = []
    remove: list[str] = []
    ids: list[int] = []
    cleaned: dict[str, Any] = {}
    definitions = active_definitions(tenant)
    for field, names in (("add_tags", add_tags), ("remove_tags", remove_tags)):
        try:
            (add if field == "add_tags" else remove).extend(_clean_tags(names, field))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if both := sorted(set(add) & set(remove)):
        errors.setdefault("remove_tags", []).append(
            f"Tags cannot be added and removed at once: {', '.join(both)}."
        )
    try:
        cleaned = clean_values(definitions=definitions, values=custom_fields, require_all=False)
    except ValidationError as exc:
        errors.update(nest_custom_errors(exc))
    if not (add or remove or custom_fields or errors):
        errors["detail"] = ["Choose something to change: tags to add or remove, or a value."]
    try:
        ids = _customer_ids(tenant=tenant, customer_ids=customer_ids)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if ids and "add_tags" not in errors:
        if over := _too_many_tags(tenant=tenant, ids=ids, add=add, remove=remove):
            errors.setdefault("add_tags", []).append(
                f"Customers may have at most {MAX_TAGS} tags; these would have more: "
                f"{_listed(over)}."
            )
    if errors:
        raise ValidationError(errors)
    return BulkUpdate(ids, add, remove, cleaned, definitions)


@transaction.atomic
def customers_bulk_update(
    *,
    tenant: Tenant,
    by: Actor,
    customer_ids: Iterable[int],
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
    custom_fields: Mapping[str, Any] | None = None,
) -> int:
    """Add `add_tags`, remove `remove_tags` and set `custom_fields` ({field_key: value}, the
    tenant's active fields) on every customer of `customer_ids`. Returns how many customers
    changed (a customer that already had the tags and values is not counted). Refused whole,
    nothing written, as `customers_bulk_update_check` says."""
    ids, add, remove, cleaned, definitions = customers_bulk_update_check(
        tenant=tenant,
        by=by,
        customer_ids=customer_ids,
        add_tags=add_tags,
        remove_tags=remove_tags,
        custom_fields=custom_fields,
    )
    now = timezone.now()
    add_ids = _tag_ids(tenant=tenant, names=add, create=True)
    remove_ids = _tag_ids(tenant=tenant, names=remove, create=False)
    score = score_expression(tenant=tenant, definitions=definitions, now=now)
    updated = 0
    for chunk in chunks(ids):
        touched = set()
        if add_ids or remove_ids:
            touched |= _retag(
                tenant=tenant, chunk=chunk, add=add_ids, remove=remove_ids, by=by, now=now
            )
        if cleaned:
            mark = emits.history_mark()
            changed = write_values_many(
                tenant=tenant,
                definitions=definitions,
                cleaned=cleaned,
                customer_ids=chunk,
                by=by,
                reason=BULK_REASON,
            )
            if changed:
                emits.fields_changed_since(
                    tenant=tenant,
                    customer_ids=sorted(changed),
                    mark=mark,
                    reason=BULK_REASON,
                    fields=list(cleaned),
                )
            touched |= changed
        if not touched:
            continue
        if cleaned:
            # The score reads the custom values (completeness); a later statement, so it sees
            # them. Tags alone skip it: the score does not read tags (crm.selectors.scoring),
            # and this rewrote every changed (wide) customer row.
            Customer.objects.filter(tenant=tenant, pk__in=sorted(touched)).update(
                updated_at=now, crm_score=score
            )
        customers_changed(
            tenant=tenant,
            customer_ids=touched,
            by=by,
            tags_only=None if cleaned else [*add, *remove],
        )
        updated += len(touched)
    return updated


def customers_bulk_delete_check(
    *, tenant: Tenant, by: Actor, customer_ids: Iterable[int]
) -> list[int]:
    """What `customers_bulk_delete` checks, deleting nothing: the ids it would delete."""
    require_role(
        by,
        tenant=tenant,
        roles=CUSTOMER_BULK_DELETE_ROLES,
        message="Only managers and admins may delete customers in bulk.",
    )
    return _customer_ids(tenant=tenant, customer_ids=customer_ids)


@transaction.atomic
def customers_bulk_delete(*, tenant: Tenant, by: Actor, customer_ids: Iterable[int]) -> int:
    """Delete every customer of `customer_ids` (managers and admins only: it cannot be
    undone), as `customer_delete` deletes one: their tags, notes and history go with them,
    their leads stay, no longer linked. Any unknown id refuses them all. Returns how many."""
    ids = customers_bulk_delete_check(tenant=tenant, by=by, customer_ids=customer_ids)
    deleted = 0
    for chunk in chunks(ids):
        _, per_model = Customer.objects.filter(tenant=tenant, pk__in=chunk).delete()
        deleted += per_model.get(Customer._meta.label, 0)
    return deleted
