"""Tags shared by leads and customers: one vocabulary per tenant.

Using tags (setting a customer's or a lead's) is every member's: a tag is created on first use.
Managing the vocabulary (create, edit, rename, merge, delete) is for admins and managers
(TAG_MANAGE_ROLES): a rename or a delete changes every customer and lead of the tenant at once.

Links are by id, so a rename is one row and every customer and lead follows; it is not a change
to any customer's tags (no tag_removed/tag_added in their timelines, no automation events).
A merge and a delete do change them: each customer's change is recorded (CustomerTagChange,
the timeline's tag_removed/tag_added) and each lead's (its activity log), all in bulk.
Conditions (smart-tag rules, segments) name tags; `on_tag_renamed` lets them follow."""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from tenancy.actors import Actor, actor_user, require_role
from tenancy.models import Role, Tenant
from tenancy.services.common import assign_fields, reverted_on_refusal, save_validated

from ..models import (
    ActivityKind,
    Customer,
    CustomerTag,
    CustomerTagChange,
    LeadActivity,
    LeadTag,
    SmartTagRule,
    Tag,
    palette_color,
)
from . import emits, reactions  # at call time: reactions imports the rules, which import these

MAX_TAGS = 20
MAX_TAG_LENGTH = 50
TAG_MANAGE_ROLES = (Role.ADMIN, Role.MANAGER)
TAG_MANAGE_REFUSED = "Only admins and managers may manage tags; every member may use them."
# What clients may set on a tag (the API, the admin and the page use it).
TAG_FIELDS = ("name", "color", "description")
# Rows per INSERT when a merge or delete records what it did to thousands of customers.
HISTORY_BATCH = 2000

TagRenamed = Callable[[Tenant, str, str], None]
# Called with (tenant, old name, new name) inside a rename's or merge's transaction. Filled at
# import time by the apps above (segments, smart-tag rules), like signal receivers; no tenant
# data is kept here.
_renamed_callbacks: list[TagRenamed] = []


def clean_tag_names(names: Iterable[str]) -> list[str]:
    cleaned = sorted({name.strip().lower() for name in names if name and name.strip()})
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": [f"At most {MAX_TAGS} tags."]})
    if any(len(name) > MAX_TAG_LENGTH for name in cleaned):
        raise ValidationError({"tags": [f"Tags are at most {MAX_TAG_LENGTH} characters."]})
    return cleaned


def set_tags(
    *, owner: models.Model, through: type[models.Model], names: list[str]
) -> tuple[list[str], list[str]]:
    """Make `names` (already cleaned) the owner's tags through the tenant-scoped link table;
    returns the names (added, removed).

    A helper of the lead and customer services, which have checked their actor; not a way in."""
    tenant = owner.tenant
    owner_field = next(
        f.name for f in through._meta.fields if f.is_relation and isinstance(owner, f.related_model)
    )
    before = set(through.objects.filter(**{owner_field: owner}).values_list("tag__name", flat=True))
    existing = set(
        Tag.objects.for_tenant(tenant).filter(name__in=names).values_list("name", flat=True)
    )
    Tag.objects.bulk_create(
        [
            Tag(tenant=tenant, name=name, color=palette_color(name))
            for name in names
            if name not in existing
        ],
        ignore_conflicts=True,
    )
    tags = list(Tag.objects.for_tenant(tenant).filter(name__in=names))
    through.objects.filter(**{owner_field: owner}).exclude(tag__in=tags).delete()
    through.objects.bulk_create(
        [through(tenant=tenant, tag=tag, **{owner_field: owner}) for tag in tags],
        ignore_conflicts=True,
    )
    return sorted(set(names) - before), sorted(before - set(names))


def set_customer_tags(*, customer: Customer, by: Actor, names: list[str]) -> None:
    """`set_tags` for a customer, recording each tag added or removed for its timeline and as
    `tag_added` / `tag_removed` events."""
    added, removed = set_tags(owner=customer, through=CustomerTag, names=list(names))
    emits.tags_changed(
        tenant=customer.tenant, customer_id=customer.pk, added=added, removed=removed
    )
    user, now = actor_user(by), timezone.now()
    CustomerTagChange.objects.bulk_create(
        CustomerTagChange(
            tenant=customer.tenant,
            customer=customer,
            tag_name=name,
            added=is_added,
            changed_by=user,
            changed_at=now,
        )
        # Removals first: at the same moment the later row (an addition) shows above.
        for group, is_added in ((removed, False), (added, True))
        for name in group
    )


def on_tag_renamed(callback: TagRenamed) -> TagRenamed:
    """Register `callback(tenant, old_name, new_name)`, called when a tag is renamed or merged
    into another (old_name is the merged tag's), in the same transaction, before the customers'
    rules and segments are re-evaluated: conditions naming the old tag rewrite themselves to
    the new name. Usable as a decorator; registering the same callback twice keeps one."""
    if callback not in _renamed_callbacks:
        _renamed_callbacks.append(callback)
    return callback


def _announce_rename(tenant: Tenant, old_name: str, new_name: str) -> None:
    for callback in list(_renamed_callbacks):
        callback(tenant, old_name, new_name)


def record_tag_changes(
    *,
    tenant: Tenant,
    customer_ids: Iterable[int] | models.QuerySet,
    name: str,
    added: bool,
    by: Actor,
    at=None,
) -> None:
    """Record that the tag `name` was added to (or removed from) each of `customer_ids`: the
    timeline's tag_added/tag_removed, and the events of the same names. Given a queryset of
    customer ids (`.values("customer_id")` of links, say), one INSERT … SELECT each writes them
    all without loading a row; given ids, batched inserts. A helper of the services that changed
    the links (they have checked `by`)."""
    user, at = actor_user(by), at or timezone.now()
    if not isinstance(customer_ids, models.QuerySet):
        customer_ids = list(customer_ids)
        emits.tag_changes(tenant=tenant, changes=((pk, name, added) for pk in customer_ids))
        CustomerTagChange.objects.bulk_create(
            (
                CustomerTagChange(
                    tenant=tenant,
                    customer_id=pk,
                    tag_name=name,
                    added=added,
                    changed_by=user,
                    changed_at=at,
                )
                for pk in customer_ids
            ),
            batch_size=HISTORY_BATCH,
        )
        return
    inner, inner_params = customer_ids.query.sql_with_params()
    table, customers = CustomerTagChange._meta.db_table, Customer._meta.db_table
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608  (table names from the models, values as params)
            "(tenant_id, customer_id, tag_name, added, changed_by_id, changed_at) "
            f"SELECT c.tenant_id, c.id, %s, %s, %s, %s FROM {customers} c "
            f"WHERE c.tenant_id = %s AND c.id IN ({inner})",
            [
                name,
                added,
                user.pk if user else None,
                ops.adapt_datetimefield_value(at),
                tenant.pk,
                *inner_params,
            ],
        )
    emits.tag_changed_for(
        tenant=tenant,
        customers=Customer.objects.filter(pk__in=customer_ids),
        name=name,
        added=added,
    )


def _log_leads(*, tenant: Tenant, lead_ids: Iterable[int], by: Actor, message: str, changes: dict):
    user, now = actor_user(by), timezone.now()
    LeadActivity.objects.bulk_create(
        (
            LeadActivity(
                tenant=tenant,
                lead_id=pk,
                actor=user,
                kind=ActivityKind.UPDATED,
                message=message,
                changes=changes,
                created_at=now,
            )
            for pk in lead_ids
        ),
        batch_size=HISTORY_BATCH,
    )


def _customer_ids(tag: Tag) -> list[int]:
    return list(
        CustomerTag.objects.filter(tenant=tag.tenant, tag=tag)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
    )


def _lead_ids(tag: Tag) -> list[int]:
    return list(
        LeadTag.objects.filter(tenant=tag.tenant, tag=tag)
        .order_by("lead_id")
        .values_list("lead_id", flat=True)
    )


def _name_errors(tag: Tag) -> list[str]:
    """Clean the name as set_tags keeps names (trimmed, lower-case); what is wrong with it,
    uniqueness in the tenant included."""
    tag.name = name = (tag.name or "").strip().lower()
    if not name:
        return ["Give the tag a name."]
    if len(name) > MAX_TAG_LENGTH:
        return [f"Tags are at most {MAX_TAG_LENGTH} characters."]
    if Tag.objects.for_tenant(tag.tenant).filter(name=name).exclude(pk=tag.pk).exists():
        if tag.pk is None:
            return [f"A tag named “{name}” exists already."]
        return [
            f"A tag named “{name}” exists already; to bring the two together, merge this tag "
            "into it."
        ]
    return []


def _validate(tag: Tag) -> None:
    """Every problem at once: the name's and the other fields' (colour, description)."""
    errors: dict[str, list[str]] = {}
    if name_errors := _name_errors(tag):
        errors["name"] = name_errors
    try:
        tag.full_clean(exclude=["name"] if errors else None)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def require_tag_manager(*, tenant: Tenant, by: Actor) -> None:
    require_role(by, tenant=tenant, roles=TAG_MANAGE_ROLES, message=TAG_MANAGE_REFUSED)


@transaction.atomic
def tag_create(*, tenant: Tenant, by: Actor, data: dict[str, Any]) -> Tag:
    """A new tag; without a colour it picks the palette's for its name."""
    require_tag_manager(tenant=tenant, by=by)
    tag = Tag(tenant=tenant)
    assign_fields(tag, dict(data), allowed=TAG_FIELDS)
    if not data.get("color"):
        tag.color = palette_color((tag.name or "").strip().lower())
    _validate(tag)
    save_validated(tag)
    return tag


@transaction.atomic
def tag_update(*, tag: Tag, by: Actor, data: dict[str, Any]) -> Tag:
    """Change the name, colour or description. A rename keeps every customer and lead on the
    tag (the links are by id) and rewrites the conditions that name it (`on_tag_renamed`);
    renaming to a name in use is refused with a pointer to merging."""
    require_tag_manager(tenant=tag.tenant, by=by)
    old_name = tag.name
    with reverted_on_refusal(tag):
        assign_fields(tag, dict(data), allowed=TAG_FIELDS)
        _validate(tag)
        save_validated(tag)
    if tag.name != old_name:
        _announce_rename(tag.tenant, old_name, tag.name)
        reactions.customers_changed(tenant=tag.tenant, customer_ids=_customer_ids(tag), by=by)
    return tag


@transaction.atomic
def tag_merge(*, source: Tag, into: Tag, by: Actor) -> Tag:
    """Every customer and lead of `source` gets `into` (no second link where it had both), then
    `source` is deleted; returns `into`. Each customer records "removed source" and, where it
    did not have it, "added into"; each lead an activity entry. Set-based: a few statements
    whatever the number of customers."""
    require_tag_manager(tenant=source.tenant, by=by)
    if into.tenant_id != source.tenant_id:
        raise ValidationError({"into": ["Unknown tag."]})
    if into.pk == source.pk:
        raise ValidationError({"into": ["A tag cannot be merged into itself."]})
    tenant = source.tenant
    customer_ids, lead_ids = _customer_ids(source), _lead_ids(source)
    customer_links = CustomerTag.objects.filter(tenant=tenant)
    now = timezone.now()
    # Recorded from the links before they move (set-based, whatever the number of customers).
    # Removals first: at the same moment the later row (an addition) shows above.
    record_tag_changes(
        tenant=tenant,
        customer_ids=customer_links.filter(tag=source).values("customer_id"),
        name=source.name,
        added=False,
        by=by,
        at=now,
    )
    record_tag_changes(
        tenant=tenant,
        customer_ids=customer_links.filter(tag=source)
        .exclude(customer_id__in=customer_links.filter(tag=into).values("customer_id"))
        .values("customer_id"),
        name=into.name,
        added=True,
        by=by,
        at=now,
    )
    for through, owner in ((CustomerTag, "customer_id"), (LeadTag, "lead_id")):
        links = through.objects.filter(tenant=tenant)
        has_into = links.filter(tag=into).values(owner)
        links.filter(tag=source).exclude(**{f"{owner}__in": has_into}).update(tag=into)
    _log_leads(
        tenant=tenant,
        lead_ids=lead_ids,
        by=by,
        message=f"Tag “{source.name}” merged into “{into.name}”.",
        changes={"tags": {"removed": [source.name], "added": [into.name]}},
    )
    # The rules that gave `source` give `into` from now on (deleting the tag would delete them).
    SmartTagRule.objects.filter(tenant=tenant, tag=source).update(tag=into)
    old_name = source.name
    _delete_links_and_tag(source)
    _announce_rename(tenant, old_name, into.name)
    reactions.customers_changed(tenant=tenant, customer_ids=customer_ids, by=by)
    return into


@transaction.atomic
def tag_delete(*, tag: Tag, by: Actor) -> None:
    """Remove the tag from every customer and lead (each customer records tag_removed, each
    lead an activity entry), then delete it."""
    require_tag_manager(tenant=tag.tenant, by=by)
    tenant = tag.tenant
    customer_ids, lead_ids = _customer_ids(tag), _lead_ids(tag)
    record_tag_changes(
        tenant=tenant,
        customer_ids=CustomerTag.objects.filter(tenant=tenant, tag=tag).values("customer_id"),
        name=tag.name,
        added=False,
        by=by,
    )
    _log_leads(
        tenant=tenant,
        lead_ids=lead_ids,
        by=by,
        message=f"Tag “{tag.name}” deleted.",
        changes={"tags": {"removed": [tag.name], "added": []}},
    )
    _delete_links_and_tag(tag)
    reactions.customers_changed(tenant=tenant, customer_ids=customer_ids, by=by)


def _delete_links_and_tag(tag: Tag) -> None:
    # The links go in one DELETE each (no rows loaded), then the tag itself.
    CustomerTag.objects.filter(tenant=tag.tenant, tag=tag).delete()
    LeadTag.objects.filter(tenant=tag.tenant, tag=tag).delete()
    tag.delete()
