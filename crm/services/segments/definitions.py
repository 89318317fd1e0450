"""Segments' definitions: create, change, delete, the rebuilds they ask for, and following a
renamed tag. Who may write: admins and managers of the tenant."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from tenancy.actors import Actor, actor_user, require_role
from tenancy.models import Role, Tenant
from tenancy.services.common import assign_fields, reverted_on_refusal, save_validated

from ...conditions import analyse_condition, rename_tag
from ...models import RebuildStatus, Segment

SEGMENT_WRITE_ROLES = (Role.ADMIN, Role.MANAGER)
# What a member writes; the rest (rebuild state, counts) is kept by these services.
SEGMENT_FIELDS = ("name", "description", "conditions", "color", "order", "is_active")


def require_segment_writer(by: Actor, *, tenant: Tenant) -> None:
    require_role(
        by, tenant=tenant, roles=SEGMENT_WRITE_ROLES, message="Only admins and managers do this."
    )


def referenced_segments(condition: Any) -> set[int]:
    """The ids a condition names in `{"segment": id}` (directly, not through them)."""
    found: set[int] = set()
    stack = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            ref = node.get("segment")
            if isinstance(ref, int) and not isinstance(ref, bool) and len(node) == 1:
                found.add(ref)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def dependent_segments(*, tenant: Tenant, segment_id: int) -> list[int]:
    """The segments whose condition refers to `segment_id`, directly or through others (their
    members change with its condition, since references are inlined)."""
    refs = {
        pk: referenced_segments(conditions)
        for pk, conditions in Segment.objects.for_tenant(tenant).values_list("pk", "conditions")
    }
    found: list[int] = []
    frontier = {segment_id}
    while frontier:
        frontier = {pk for pk, named in refs.items() if named & frontier and pk not in found} - {
            segment_id
        }
        found.extend(sorted(frontier))
    return found


def _validate(segment: Segment) -> None:
    """Every problem at once: the fields and the condition (cycles through this segment)."""
    errors: dict[str, list[str]] = {}
    try:
        segment.full_clean(
            exclude=["conditions", "created_by"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "name" not in errors:
        name = segment.name.strip()
        taken = Segment.objects.for_tenant(segment.tenant).filter(name__iexact=name)
        if segment.pk is not None:
            taken = taken.exclude(pk=segment.pk)
        if taken.exists():
            errors["name"] = [f"A segment named “{name}” exists already."]
        segment.name = name
    if not isinstance(segment.conditions, dict):
        errors["conditions"] = ["Give a condition object ({} is every customer)."]
    else:
        try:
            analyse_condition(
                segment.conditions, tenant=segment.tenant, field="conditions", segment_id=segment.pk
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _queue_rebuilds(segment_ids: Iterable[int]) -> None:
    """Mark the segments queued and start their rebuilds after the commit: on the workers
    with a broker, in this process without one (as campaign sending does)."""
    from ...tasks import rebuild_segment  # tasks call services; imported here to keep that one way

    ids = list(dict.fromkeys(segment_ids))
    if not ids:
        return
    Segment.objects.filter(pk__in=ids).update(status=RebuildStatus.QUEUED, error="")
    if rebuild_segment.app.conf.task_always_eager:
        transaction.on_commit(lambda: [rebuild_segment.apply((pk,)) for pk in ids])
    else:
        transaction.on_commit(lambda: [rebuild_segment.delay(pk) for pk in ids])


@transaction.atomic
def segment_create(*, tenant: Tenant, by: Actor, data: Mapping[str, Any]) -> Segment:
    """A new segment from `data` (SEGMENT_FIELDS); its members are filled by a rebuild that
    starts after the commit (status `queued`, then `running`, then `idle`)."""
    require_segment_writer(by, tenant=tenant)
    segment = Segment(tenant=tenant, created_by=actor_user(by))
    assign_fields(segment, dict(data), allowed=SEGMENT_FIELDS)
    _validate(segment)
    save_validated(segment, exclude=["conditions"])
    if segment.is_active:
        _queue_rebuilds([segment.pk])
        segment.status = RebuildStatus.QUEUED
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, by: Actor, data: Mapping[str, Any]) -> Segment:
    """Change the fields given. A changed condition rebuilds the segment and every segment
    that refers to it; switching a segment back on rebuilds it (inactive segments are not kept
    current; switching one off keeps its members as they were)."""
    require_segment_writer(by, tenant=segment.tenant)
    with reverted_on_refusal(segment):
        changes = assign_fields(segment, dict(data), allowed=SEGMENT_FIELDS)
        _validate(segment)
        save_validated(segment, exclude=["conditions"])
    rebuild: list[int] = []
    if "conditions" in changes:
        rebuild = [segment.pk, *dependent_segments(tenant=segment.tenant, segment_id=segment.pk)]
    if "is_active" in changes and segment.is_active:
        rebuild.insert(0, segment.pk)
    active = set(
        Segment.objects.filter(pk__in=rebuild, is_active=True).values_list("pk", flat=True)
    )
    _queue_rebuilds(pk for pk in rebuild if pk in active)
    segment.refresh_from_db(fields=["status", "error"])
    return segment


@transaction.atomic
def segment_delete(*, segment: Segment, by: Actor) -> None:
    """Delete the segment with its memberships and history; refused while another segment's
    condition refers to it."""
    require_segment_writer(by, tenant=segment.tenant)
    users = [
        name
        for name, conditions in Segment.objects.for_tenant(segment.tenant)
        .exclude(pk=segment.pk)
        .values_list("name", "conditions")
        if segment.pk in referenced_segments(conditions)
    ]
    if users:
        raise ValidationError(
            {"detail": [f"{', '.join(sorted(users))} refer(s) to this segment: change that first."]}
        )
    segment.delete()


def follow_tag_rename(tenant: Tenant, old: str, new: str) -> None:
    """A renamed or merged tag (crm.services.tags.on_tag_renamed): segments naming it name the
    new one, and are rebuilt with the segments referring to them (after a merge, customers who
    had only the kept tag match now)."""
    rewritten = []
    for pk, conditions in Segment.objects.for_tenant(tenant).values_list("pk", "conditions"):
        conditions, changed = rename_tag(conditions, old, new)
        if changed:
            Segment.objects.filter(pk=pk).update(conditions=conditions)
            rewritten.append(pk)
    rebuild = [
        *rewritten,
        *(d for pk in rewritten for d in dependent_segments(tenant=tenant, segment_id=pk)),
    ]
    active = set(
        Segment.objects.filter(pk__in=rebuild, is_active=True).values_list("pk", flat=True)
    )
    _queue_rebuilds(pk for pk in rebuild if pk in active)


@transaction.atomic
def segment_request_rebuild(*, segment: Segment, by: Actor) -> Segment:
    """Queue a full rebuild (the API's `rebuild/`, the pages' button)."""
    require_segment_writer(by, tenant=segment.tenant)
    if not segment.is_active:
        raise ValidationError({"is_active": ["Switch the segment on to rebuild it."]})
    _queue_rebuilds([segment.pk])
    segment.refresh_from_db(fields=["status", "error"])
    return segment
