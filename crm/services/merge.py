"""Merging duplicate customers into one: `customer_merge`.

In ONE transaction, after every check (nothing is written when one fails):
1. the chosen value of each field is taken from the customer it was chosen from — core fields
   and custom ones (`values`: {"email": 15, "custom.tier": 12} or {"tier": 12}); a field not
   named keeps the kept customer's value, or the first non-empty one of the duplicates (in the
   order given) when the kept one's is empty. Purchases (`total_purchases`, `total_spent`) are
   added up unless `values` names one customer for them: the merged person made all those
   purchases. The interaction count is added up too, the last contact is the latest of them,
   and "customer since" (`created_at`) the earliest.
2. everything attached to the duplicates moves to the kept customer, by the movers registered
   with `on_customer_merge`: crm's own (leads, notes and tasks, field history, tag changes,
   segment history, earlier merges; tags as a union — each tag new to the kept customer is
   recorded as added; the duplicates' segment memberships are dropped and the kept customer's
   recomputed) and those of the apps above crm, which register theirs in AppConfig.ready
   (callbacks.merge, campaigns.merge) so crm never imports them. Before the duplicates are
   deleted, every relation pointing at Customer in every installed app is checked: a row still
   pointing at a duplicate means a mover is missing, and the merge is refused whole (nothing is
   lost silently by the cascade).
3. the duplicates are deleted (their ids answer 404 everywhere), the chosen values are written
   through `customer_update` (its validation, field history with reason "merge", the score),
   a CustomerMerge records who was merged, which value came from whom and what moved (the
   timeline's `merge` entry), and `reactions.customers_changed` re-evaluates rules and segments.

Who may: managers and admins (MERGE_ROLES); agents are refused. Refused as a ValidationError:
no duplicates or too many (MERGE_MAX), the kept customer among the duplicates, a duplicate that
is not one of the tenant's customers (another tenant's is as unknown as a missing one), an
unknown field in `values`, or a value id that is not one of the merged customers."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from customfields.models import FieldDefinition, FieldHistory
from customfields.services.values import active_definitions, read_value
from tenancy.actors import Actor, actor_user, require_role
from tenancy.models import Role, Tenant

from ..conditions import CUSTOM_PREFIX
from ..models import (
    Customer,
    CustomerMerge,
    CustomerNote,
    CustomerTag,
    CustomerTagChange,
    ImportRecord,
    Lead,
    NoteEvent,
    SegmentChange,
    SegmentMembership,
)
from . import emits, reactions
from .customers import CUSTOMER_FIELDS, customer_update
from .scoring import customer_score_refresh

MERGE_ROLES = (Role.ADMIN, Role.MANAGER)
MERGE_REFUSED = "Only managers and admins may merge customers."
MERGE_MAX = 10  # duplicates merged into one customer at once
MERGE_REASON = "merge"
# Added up over the merged customers unless `values` names one customer for them.
SUMMED_FIELDS = ("total_purchases", "total_spent")
SUM = "sum"


# ---------------------------------------------------------------------------------------------
# The movers' registry


@dataclass(frozen=True)
class MergeMove:
    """What a mover is given: the tenant, the actor (checked), the kept customer (locked) and
    the duplicates' ids (locked; deleted after the movers ran)."""

    tenant: Tenant
    by: Actor
    keep: Customer
    duplicate_ids: list[int]


@dataclass(frozen=True)
class MergeMover:
    """One app's part of a merge.

    `relations`: the foreign keys to Customer it takes care of, as "app_label.Model.field" (a
    test walks every relation to Customer and fails on one no mover names). `words`: {key:
    (one, many)} for the counts its `count` and `move` return ({key: n}). `count(tenant,
    duplicate_ids)`: what would move (the merge page shows it); `move(MergeMove)`: move it,
    set-based, and return what moved."""

    name: str
    relations: tuple[str, ...]
    words: Mapping[str, tuple[str, str]]
    count: Callable[[Tenant, Sequence[int]], dict[str, int]]
    move: Callable[[MergeMove], dict[str, int]]
    order: int = field(default=100)


_movers: dict[str, MergeMover] = {}


def on_customer_merge(mover: MergeMover) -> MergeMover:
    """Register `mover` (again under the same name: replace it). Called at import time by the
    apps' AppConfig.ready, like signal receivers; no tenant data is kept here."""
    _movers[mover.name] = mover
    return mover


def movers() -> list[MergeMover]:
    return sorted(_movers.values(), key=lambda m: (m.order, m.name))


def customer_relations() -> list[tuple[type, str]]:
    """Every concrete foreign key (or one-to-one) to Customer in every installed app, as
    (model, field name) — hidden ones (related_name="+") included."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is Customer:
                found.append((model, f.name))
    return found


def relation_label(model: type, name: str) -> str:
    return f"{model._meta.label}.{name}"


def describe_moves(counts: Mapping[str, int]) -> list[str]:
    """{"notes": 3, "leads": 2} -> ["3 notes", "2 leads"] in the movers' words (0s left out)."""
    words: dict[str, tuple[str, str]] = {}
    for mover in movers():
        words.update(mover.words)
    return [
        f"{n:,} {words.get(key, (key, key))[0 if n == 1 else 1]}" for key, n in counts.items() if n
    ]


# ---------------------------------------------------------------------------------------------
# crm's own mover


def _crm_count(tenant: Tenant, ids: Sequence[int]) -> dict[str, int]:
    notes = CustomerNote.objects.filter(tenant=tenant, customer_id__in=ids).aggregate(
        tasks=Count("pk", filter=Q(is_task=True)), notes=Count("pk", filter=Q(is_task=False))
    )
    history = (
        FieldHistory.objects.filter(tenant=tenant, customer_id__in=ids).count()
        + CustomerTagChange.objects.filter(tenant=tenant, customer_id__in=ids).count()
        + SegmentChange.objects.filter(tenant=tenant, customer_id__in=ids).count()
    )
    return {
        "leads": Lead.objects.filter(tenant=tenant, customer_id__in=ids).count(),
        "notes": notes["notes"],
        "tasks": notes["tasks"],
        "tags": CustomerTag.objects.filter(tenant=tenant, customer_id__in=ids)
        .values("tag_id")
        .distinct()
        .count(),
        "history": history,
    }


def _crm_move(move: MergeMove) -> dict[str, int]:
    tenant, keep, ids = move.tenant, move.keep, move.duplicate_ids
    moved: dict[str, int] = {}
    moved["leads"] = Lead.objects.filter(tenant=tenant, customer_id__in=ids).update(customer=keep)
    notes = CustomerNote.objects.filter(tenant=tenant, customer_id__in=ids)
    moved["tasks"] = notes.filter(is_task=True).count()
    moved["notes"] = notes.update(customer=keep) - moved["tasks"]
    NoteEvent.objects.filter(tenant=tenant, customer_id__in=ids).update(customer=keep)
    # Tags: a union. The tags the kept customer lacks are recorded as added to it.
    links = CustomerTag.objects.filter(tenant=tenant)
    kept_tags = links.filter(customer=keep).values("tag_id")
    new_tags = list(
        links.filter(customer_id__in=ids)
        .exclude(tag_id__in=kept_tags)
        .values_list("tag_id", "tag__name")
        .distinct()
        .order_by("tag__name")
    )
    if new_tags:
        CustomerTag.objects.bulk_create(
            [CustomerTag(tenant=tenant, customer=keep, tag_id=tag_id) for tag_id, _ in new_tags],
            ignore_conflicts=True,
        )
    # History first, then the kept customer's new rows: the merge's additions show on top.
    history = FieldHistory.objects.filter(tenant=tenant, customer_id__in=ids).update(customer=keep)
    history += CustomerTagChange.objects.filter(tenant=tenant, customer_id__in=ids).update(
        customer=keep
    )
    history += SegmentChange.objects.filter(tenant=tenant, customer_id__in=ids).update(
        customer=keep
    )
    user, now = actor_user(move.by), timezone.now()
    CustomerTagChange.objects.bulk_create(
        CustomerTagChange(
            tenant=tenant, customer=keep, tag_name=name, added=True, changed_by=user, changed_at=now
        )
        for _, name in new_tags
    )
    emits.tags_changed(
        tenant=tenant, customer_id=keep.pk, added=[name for _, name in new_tags], removed=()
    )
    moved["tags"] = len(new_tags)
    moved["history"] = history
    links.filter(customer_id__in=ids).delete()
    # The duplicates' segment memberships go; the kept one's are recomputed at the end.
    SegmentMembership.objects.filter(tenant=tenant, customer_id__in=ids).delete()
    CustomerMerge.objects.filter(tenant=tenant, customer_id__in=ids).update(customer=keep)
    # What imports wrote to the duplicates stays in the kept customer's timeline, but an undo
    # of those imports must neither delete the kept customer (one created a duplicate) nor roll
    # it back to a duplicate's old values: the records become plain "updated" ones with nothing
    # to restore.
    ImportRecord.objects.filter(tenant=tenant, customer_id__in=ids).update(
        customer=keep, created=False, before={}, added_tags=[]
    )
    # A duplicate an import created carries the job's stamp (Customer.import_job), not a
    # record: it becomes such a record of the kept customer, on the same terms.
    ImportRecord.objects.bulk_create(
        ImportRecord(
            tenant=tenant, job_id=job_id, row=0, customer=keep, created=False, at=created_at
        )
        for job_id, created_at in Customer.objects.filter(
            tenant=tenant, pk__in=ids, import_job__isnull=False
        ).values_list("import_job_id", "created_at")
    )
    return moved


CRM_MOVER = MergeMover(
    name="crm",
    relations=(
        "crm.Lead.customer",
        "crm.CustomerNote.customer",
        "crm.NoteEvent.customer",
        "crm.CustomerTag.customer",
        "crm.CustomerTagChange.customer",
        "crm.SegmentMembership.customer",
        "crm.SegmentChange.customer",
        "crm.CustomerMerge.customer",
        "crm.ImportRecord.customer",
        "customfields.FieldHistory.customer",
    ),
    words={
        "leads": ("lead", "leads"),
        "notes": ("note", "notes"),
        "tasks": ("task", "tasks"),
        "tags": ("tag", "tags"),
        "history": ("history entry", "history entries"),
    },
    count=_crm_count,
    move=_crm_move,
    order=0,
)


def register_crm_mover() -> None:
    on_customer_merge(CRM_MOVER)


# ---------------------------------------------------------------------------------------------
# Fields and the values chosen


def merge_fields(definitions: Mapping[str, FieldDefinition]) -> dict[str, str]:
    """{field: label} of what a merge chooses: the writable core fields, then the active custom
    fields as `custom.<key>`."""
    core = {
        name: str(Customer._meta.get_field(name).verbose_name).capitalize()
        for name in CUSTOMER_FIELDS
    }
    custom = {f"{CUSTOM_PREFIX}{key}": d.field_label for key, d in definitions.items()}
    return {**core, **custom}


def field_value(customer: Customer, name: str, definitions: Mapping[str, FieldDefinition]):
    if name.startswith(CUSTOM_PREFIX):
        return read_value(customer, definitions[name.removeprefix(CUSTOM_PREFIX)])
    return getattr(customer, name)


def is_empty(value: Any) -> bool:
    return value is None or value == ""


def _field_name(key: Any, fields: Mapping[str, str]) -> str | None:
    """ "email", "custom.tier" or a custom field's bare key "tier" -> the field's name."""
    if not isinstance(key, str):
        return None
    if key in fields:
        return key
    if f"{CUSTOM_PREFIX}{key}" in fields:
        return f"{CUSTOM_PREFIX}{key}"
    return None


def default_choices(
    customers: Sequence[Customer], fields: Iterable[str], definitions
) -> dict[str, int | str]:
    """What wins when nothing is chosen: the kept one's (first) value, or the first non-empty
    one; purchases: their sum."""
    choices: dict[str, int | str] = {}
    for name in fields:
        if name in SUMMED_FIELDS:
            choices[name] = SUM
            continue
        source = next(
            (c for c in customers if not is_empty(field_value(c, name, definitions))),
            customers[0],
        )
        choices[name] = source.pk
    return choices


@dataclass
class MergePlan:
    keep: Customer
    duplicates: list[Customer]
    choices: dict[str, int | str]  # field -> customer id, or SUM
    definitions: dict[str, FieldDefinition]
    fields: dict[str, str]

    @property
    def customers(self) -> list[Customer]:
        return [self.keep, *self.duplicates]

    def differing(self) -> list[str]:
        """The fields whose values are not all the same."""
        return [
            name
            for name in self.fields
            if len({repr(field_value(c, name, self.definitions)) for c in self.customers}) > 1
        ]


def _duplicate_ids(duplicates: Iterable[Any]) -> list[int]:
    ids: list[int] = []
    for item in duplicates:
        pk = item.pk if isinstance(item, Customer) else item
        if isinstance(pk, bool) or not isinstance(pk, int):
            raise ValidationError({"duplicate_ids": ["Give customer ids."]})
        if pk not in ids:
            ids.append(pk)
    return ids


def customer_merge_check(
    *,
    tenant: Tenant,
    by: Actor,
    keep: Customer,
    duplicates: Iterable[Any],
    values: Mapping[str, Any] | None = None,
    lock: bool = False,
) -> MergePlan:
    """What `customer_merge` checks, writing nothing: the plan it would carry out (the merge
    page shows it). `lock`: read the customers FOR UPDATE (the merge itself)."""
    require_role(by, tenant=tenant, roles=MERGE_ROLES, message=MERGE_REFUSED)
    if keep.tenant_id != tenant.pk:
        raise ValidationError({"keep": ["Unknown customer."]})
    ids = _duplicate_ids(duplicates)
    if not ids:
        raise ValidationError({"duplicate_ids": ["Choose at least one customer to merge."]})
    if len(ids) > MERGE_MAX:
        raise ValidationError({"duplicate_ids": [f"At most {MERGE_MAX} customers at once."]})
    if keep.pk in ids:
        raise ValidationError(
            {"duplicate_ids": ["The customer kept cannot also be merged into itself."]}
        )
    rows = Customer.objects.filter(tenant=tenant, pk__in=[keep.pk, *ids]).order_by("pk")
    if lock:
        rows = rows.select_for_update()
    found = {c.pk: c for c in rows}
    if missing := [pk for pk in ids if pk not in found]:
        raise ValidationError(
            {"duplicate_ids": [f"Unknown customers: {', '.join(map(str, missing))}."]}
        )
    if keep.pk not in found:
        raise ValidationError({"keep": ["Unknown customer."]})
    definitions = active_definitions(tenant)
    fields = merge_fields(definitions)
    customers = [found[keep.pk], *(found[pk] for pk in ids)]
    choices = default_choices(customers, fields, definitions)
    errors: list[str] = []
    allowed = {c.pk for c in customers}
    if values is not None and not isinstance(values, Mapping):
        raise ValidationError({"values": ["Send an object {field: customer id}."]})
    for key, source in (values or {}).items():
        name = _field_name(key, fields)
        if name is None:
            errors.append(f"Unknown field “{str(key)[:100]}”.")
        elif name in SUMMED_FIELDS and source == SUM:
            choices[name] = SUM
        elif isinstance(source, bool) or not isinstance(source, int) or source not in allowed:
            errors.append(
                f"{fields[name]}: the value must come from one of the customers merged "
                f"({', '.join(map(str, sorted(allowed)))})."
            )
        else:
            choices[name] = source
    if errors:
        raise ValidationError({"values": errors})
    return MergePlan(found[keep.pk], customers[1:], choices, definitions, fields)


def merge_counts(*, tenant: Tenant, duplicate_ids: Sequence[int]) -> dict[str, int]:
    """What a merge of `duplicate_ids` would move, {key: n}, every mover asked."""
    counts: dict[str, int] = {}
    for mover in movers():
        counts.update(mover.count(tenant, list(duplicate_ids)))
    return counts


def _leftovers(ids: Sequence[int]) -> list[str]:
    return [
        relation_label(model, name)
        for model, name in customer_relations()
        if model._default_manager.filter(**{f"{name}__in": ids}).exists()
    ]


# ---------------------------------------------------------------------------------------------
# The merge


@transaction.atomic
def customer_merge(
    *,
    tenant: Tenant,
    by: Actor,
    keep: Customer,
    duplicates: Iterable[Any],
    values: Mapping[str, Any] | None = None,
) -> Customer:
    """Merge `duplicates` (ids or customers) into `keep`; returns the kept customer, saved."""
    plan = customer_merge_check(
        tenant=tenant, by=by, keep=keep, duplicates=duplicates, values=values, lock=True
    )
    keep, ids = plan.keep, [c.pk for c in plan.duplicates]
    differing = plan.differing()
    chosen: dict[str, Any] = {}
    for name, source in plan.choices.items():
        if source == SUM:
            chosen[name] = sum(
                (getattr(c, name) for c in plan.customers),
                Decimal(0) if name == "total_spent" else 0,
            )
        else:
            chosen[name] = field_value(
                next(c for c in plan.customers if c.pk == source), name, plan.definitions
            )
    merged = [{"id": c.pk, "name": c.full_name} for c in plan.duplicates]
    counters = Customer.objects.filter(tenant=tenant, pk__in=[keep.pk, *ids]).aggregate(
        interactions=Sum("total_interactions"),
        contacted=Max("last_contacted_at"),
        since=Min("created_at"),
    )

    move = MergeMove(tenant=tenant, by=by, keep=keep, duplicate_ids=ids)
    moved: dict[str, int] = {}
    for mover in movers():
        moved.update(mover.move(move))
    if left := _leftovers(ids):
        raise RuntimeError(
            f"Merge refused: nothing moves {', '.join(left)} (register a mover with "
            "crm.services.merge.on_customer_merge)."
        )
    Customer.objects.filter(tenant=tenant, pk__in=ids).delete()

    Customer.objects.filter(pk=keep.pk).update(
        total_interactions=counters["interactions"] or 0,
        last_contacted_at=counters["contacted"],
        created_at=counters["since"],
    )
    keep.refresh_from_db()
    core = {n: v for n, v in chosen.items() if not n.startswith(CUSTOM_PREFIX)}
    custom = {
        n.removeprefix(CUSTOM_PREFIX): v for n, v in chosen.items() if n.startswith(CUSTOM_PREFIX)
    }
    try:
        customer_update(customer=keep, by=by, data=core, custom_fields=custom, reason=MERGE_REASON)
    except ValidationError as exc:
        raise ValidationError({"values": [m for ms in exc.message_dict.values() for m in ms]})
    customer_score_refresh(keep, definitions=plan.definitions)
    CustomerMerge.objects.create(
        tenant=tenant,
        customer=keep,
        merged=merged,
        values={
            name: {"label": plan.fields[name], "from": plan.choices[name]} for name in differing
        },
        moved={k: n for k, n in moved.items() if n},
        merged_by=actor_user(by),
    )
    reactions.customers_changed(tenant=tenant, customer_ids=[keep.pk], by=by)
    keep.refresh_from_db()
    return keep
