"""Segments' stored membership kept equal to their conditions: per change (incremental) and in
full (rebuild), set-based."""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from tenancy.actors import Actor
from tenancy.events.wakeup import process_after_commit
from tenancy.models import OutboxEvent, Tenant
from tenancy.services.common import insert_select

from ...conditions import Compiler, ConditionProblem, analyse_condition
from ...models import Customer, RebuildStatus, Segment, SegmentChange, SegmentMembership
from ...selectors.matching import matching
from .. import emits

logger = logging.getLogger(__name__)

REBUILD_CHUNK = 20_000  # customer ids per rebuild transaction
ANALYZE_AFTER_MOVED = 10_000  # memberships a rebuild moves before it analyses the table

# ---------------------------------------------------------------------------------------------
# Incremental


def segments_reevaluate(
    *,
    tenant: Tenant,
    customer_ids: Iterable[int],
    by: Actor,
    tags_only: Iterable[str] | None = None,
    fields: Iterable[str] | None = None,
) -> None:
    """Bring the active segments' membership of `customer_ids` up to date, with a SegmentChange
    for each customer who entered or left. A helper of the writing services (they checked `by`
    and hold the transaction); not a way in. A segment whose condition no longer compiles (a
    custom field it names was deleted) is left as it is and marked failed. `tags_only`: only
    tags of these names changed on the customers, so only the segments reading one of them
    (through the segments they refer to too) are evaluated — the others' answer
    for these customers cannot have moved. `fields`: likewise, only these fields changed."""
    ids = sorted(set(customer_ids))
    if not ids:
        return
    rows = list(
        Segment.objects.for_tenant(tenant).values_list("pk", "conditions", "is_active", "name")
    )
    if not any(active for _, _, active, _ in rows):
        return
    now = timezone.now()
    changed_tags = None if tags_only is None else {n.strip().lower() for n in tags_only}
    changed_fields = None if fields is None else set(fields)
    compiler = Compiler(tenant, now=now, segments={pk: c for pk, c, _, _ in rows})
    conditions: dict[int, Q] = {}
    broken: dict[int, str] = {}
    for pk, condition, active, _ in rows:
        if not active:
            continue
        try:
            q, _ = compiler.compile_one(condition, segment_id=pk)
        except ConditionProblem as problem:
            broken[pk] = str(problem)
            continue
        if changed_tags is not None:
            relevant = bool(compiler.tags_read & changed_tags)
        elif changed_fields is not None:
            relevant = bool(compiler.fields_read & changed_fields)
        else:
            relevant = True
        # A condition that reads the clock is not moved by a change it does not read: the
        # clock's own moves are the hourly refresh's (segments_refresh_timed).
        if relevant:
            conditions[pk] = q
    found = matching(tenant=tenant, conditions=conditions, customer_ids=ids)
    current: dict[int, set[int]] = {pk: set() for pk in conditions}
    for segment_id, customer_id in SegmentMembership.objects.filter(
        tenant=tenant, customer_id__in=ids, segment_id__in=list(conditions)
    ).values_list("segment_id", "customer_id"):
        current[segment_id].add(customer_id)
    entered = [(s, c) for s in conditions for c in sorted(found[s] - current[s])]
    left = [(s, c) for s in conditions for c in sorted(current[s] - found[s])]
    if entered:
        SegmentMembership.objects.bulk_create(
            [
                SegmentMembership(tenant=tenant, segment_id=s, customer_id=c, since=now)
                for s, c in entered
            ],
            ignore_conflicts=True,
        )
    if left:
        gone = Q()
        for s in {s for s, _ in left}:
            gone |= Q(segment_id=s, customer_id__in=[c for t, c in left if t == s])
        SegmentMembership.objects.filter(gone, tenant=tenant).delete()
    if entered or left:
        SegmentChange.objects.bulk_create(
            [
                SegmentChange(tenant=tenant, segment_id=s, customer_id=c, entered=True, at=now)
                for s, c in entered
            ]
            + [
                SegmentChange(tenant=tenant, segment_id=s, customer_id=c, entered=False, at=now)
                for s, c in left
            ]
        )
        emits.segment_moves(
            tenant=tenant, names={pk: name for pk, *_, name in rows}, entered=entered, left=left
        )
    for pk, message in broken.items():
        Segment.objects.filter(pk=pk).exclude(status=RebuildStatus.FAILED).update(
            status=RebuildStatus.FAILED, error=message[:500]
        )


# ---------------------------------------------------------------------------------------------
# Full rebuild


def _rebuild_chunk(
    segment: Segment,
    q: Q,
    low: int,
    high: int,
    now: datetime,
    *,
    first: bool = False,
    record: bool = True,
) -> tuple[int, int]:
    """Make the members among customer ids [low, high) exactly those matching `q`; returns
    how many customers the chunk holds and how many memberships moved (PostgreSQL). `first`:
    the segment had no members when the rebuild began (on PostgreSQL every match is then
    inserted without looking for its membership; one a concurrent change inserted meanwhile
    is skipped by the conflict). `record`: write a SegmentChange for each move (not on a new
    segment's first build: its first members did not enter, the segment began)."""
    tenant = segment.tenant
    customers = Customer.objects.filter(tenant=tenant, pk__gte=low, pk__lt=high)
    members = SegmentMembership.objects.filter(
        tenant=tenant, segment=segment, customer_id__gte=low, customer_id__lt=high
    )
    matched = customers.filter(q) if q else customers
    # NOT EXISTS, not NOT IN: PostgreSQL plans it as an anti-join.
    member = members.filter(customer_id=OuterRef("pk"))
    entering = matched.filter(~Exists(member)).order_by()
    leaving = members.filter(~Exists(matched.filter(pk=OuterRef("customer_id")))).order_by()
    if connection.vendor == "postgresql":
        if first:
            moved = _move_returning(segment, matched.order_by(), None, now, record=record)
        else:
            moved = _move_returning(segment, entering, leaving, now, record=record)
        return customers.count(), moved
    # Left-and-entered rows first (the difference is still visible), then the move itself.
    fixed = {"s": Value(segment.pk), "at": Value(now)}
    if record:
        for moving, entered in (
            (Customer.objects.filter(pk__in=leaving.values("customer_id")), False),
            (entering, True),
        ):
            emits.segment_moved_for(
                tenant=tenant,
                segment_id=segment.pk,
                name=segment.name,
                customers=moving,
                entered=entered,
            )
        insert_select(
            SegmentChange,
            ["tenant", "segment", "customer", "entered", "at"],
            entering.annotate(**fixed, e=Value(True)).values_list(
                "tenant_id", "s", "pk", "e", "at"
            ),
        )
        insert_select(
            SegmentChange,
            ["tenant", "segment", "customer", "entered", "at"],
            leaving.annotate(e=Value(False), at2=Value(now)).values_list(
                "tenant_id", "segment_id", "customer_id", "e", "at2"
            ),
        )
    insert_select(
        SegmentMembership,
        ["tenant", "segment", "customer", "since"],
        entering.annotate(**fixed).values_list("tenant_id", "s", "pk", "at"),
    )
    leaving._raw_delete(leaving.db)
    return customers.count(), 0


def _move_returning(
    segment: Segment,
    entering: QuerySet,
    leaving: QuerySet | None,
    now: datetime,
    *,
    record: bool = True,
) -> int:
    """PostgreSQL: the chunk's move in two statements, each writing its SegmentChange rows and
    its `segment_entered` / `segment_left` events from the rows it really inserted or deleted
    (data-modifying WITH … RETURNING), so the condition is evaluated twice per chunk instead of
    three times, and a membership a concurrent writer inserted first gets no second "entered"
    row nor event."""
    quote = connection.ops.quote_name
    member_table = quote(SegmentMembership._meta.db_table)
    change_table = quote(SegmentChange._meta.db_table)
    outbox_table = quote(OutboxEvent._meta.db_table)
    change_columns = "tenant_id, segment_id, customer_id, entered, at"
    fixed = [segment.tenant_id, segment.pk, now]
    entering_sql, entering_params = entering.values_list("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if not record:  # a new segment's first build: the memberships alone
            cursor.execute(
                f"INSERT INTO {member_table} (tenant_id, segment_id, customer_id, since) "
                f"SELECT %s, %s, id, %s FROM ({entering_sql}) AS entering(id) "
                "ON CONFLICT DO NOTHING",
                [*fixed, *entering_params],
            )
            moved = cursor.rowcount
            if leaving is not None:
                leaving_sql, leaving_params = leaving.values_list("pk").query.sql_with_params()
                cursor.execute(
                    f"DELETE FROM {member_table} WHERE id IN ({leaving_sql})", leaving_params
                )
                moved += cursor.rowcount
            return moved
        entered_columns, entered_select, entered_params = _event_sql(segment, entered=True)
        cursor.execute(
            f"WITH entering(id) AS ({entering_sql}), "
            f"added AS (INSERT INTO {member_table} (tenant_id, segment_id, customer_id, since) "
            "SELECT %s, %s, id, %s FROM entering ON CONFLICT DO NOTHING RETURNING customer_id), "
            f"changes AS (INSERT INTO {change_table} ({change_columns}) "
            "SELECT %s, %s, customer_id, TRUE, %s FROM added) "
            f"INSERT INTO {outbox_table} ({entered_columns}) SELECT {entered_select} FROM added",
            [*entering_params, *fixed, *fixed, *entered_params],
        )
        moved = cursor.rowcount
        if leaving is not None:
            leaving_sql, leaving_params = leaving.values_list("pk").query.sql_with_params()
            left_columns, left_select, left_params = _event_sql(segment, entered=False)
            cursor.execute(
                f"WITH removed AS (DELETE FROM {member_table} WHERE id IN ({leaving_sql}) "
                "RETURNING customer_id), "
                f"changes AS (INSERT INTO {change_table} ({change_columns}) "
                "SELECT %s, %s, customer_id, FALSE, %s FROM removed) "
                f"INSERT INTO {outbox_table} ({left_columns}) SELECT {left_select} FROM removed",
                [*leaving_params, *fixed, *left_params],
            )
            moved += cursor.rowcount
    if moved:
        process_after_commit()
    return moved


def _event_sql(segment: Segment, *, entered: bool) -> tuple[str, str, list]:
    return emits.outbox_insert_sql(
        tenant=segment.tenant,
        event_type=emits.segment_event(entered),
        data=emits.segment_data(segment.pk, segment.name),
    )


def _analyze_if_stale(*, force: bool = False) -> None:
    """ANALYZE the membership table when the planner's statistics are far behind it (a first
    build of a big segment, or a freshly migrated table): with the table believed empty,
    PostgreSQL plans the rebuild's anti-join as a nested loop over every member — a
    20,000-customer chunk took 78 s instead of well under one. Cheap (a sample of rows)."""
    if connection.vendor != "postgresql":
        return
    table = SegmentMembership._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_mod_since_analyze, GREATEST(c.reltuples, 0) FROM pg_stat_user_tables s "
            "JOIN pg_class c ON c.oid = s.relid WHERE s.relname = %s",
            [table],
        )
        row = cursor.fetchone()
        if force or (row is not None and row[0] > 1000 + 0.1 * row[1]):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def segment_rebuild(*, segment_id: int, chunk_size: int = REBUILD_CHUNK) -> str:
    """Rebuild one segment's membership from its condition (the worker's side of a rebuild:
    the task calls it; the writes that asked for it checked their actor). Returns the status
    it ends in. A failure is recorded on the segment (status `failed`, `error`), not raised:
    a rebuild run after a commit must not break the request that committed."""
    segment = Segment.objects.select_related("tenant").filter(pk=segment_id).first()
    if segment is None:
        return "gone"
    if not segment.is_active:
        Segment.objects.filter(pk=segment.pk).update(status=RebuildStatus.IDLE)
        return RebuildStatus.IDLE
    tenant = segment.tenant
    now = timezone.now()
    try:
        q = analyse_condition(
            segment.conditions, tenant=tenant, field="conditions", now=now, segment_id=segment.pk
        )[0]
        customers = Customer.objects.for_tenant(tenant)
        bounds = customers.aggregate(low=Min("pk"), high=Max("pk"))
        total = customers.count()
        Segment.objects.filter(pk=segment.pk).update(
            status=RebuildStatus.RUNNING, processed=0, total=total, error=""
        )
        processed = 0
        moved = 0
        first = not SegmentMembership.objects.filter(tenant=tenant, segment=segment).exists()
        # A new segment's first build records no "entered" rows (timeline noise, and a mass
        # start of automations for people who did nothing); every rebuild after it does.
        record = segment.rebuilt_at is not None
        _analyze_if_stale()
        if bounds["low"] is not None:
            for low in range(bounds["low"], bounds["high"] + 1, chunk_size):
                with transaction.atomic():
                    held, changed = _rebuild_chunk(
                        segment, q, low, low + chunk_size, now, first=first, record=record
                    )
                    processed += held
                    moved += changed
                    Segment.objects.filter(pk=segment.pk).update(processed=min(processed, total))
        # Statistics are per table: 150,000 new rows of one segment in a table of millions
        # stay unseen, and the next rebuild of this segment needs them (_analyze_if_stale).
        _analyze_if_stale(force=moved > ANALYZE_AFTER_MOVED)
        # Customers of the tenant deleted meanwhile took their memberships with them.
        Segment.objects.filter(pk=segment.pk).update(
            status=RebuildStatus.IDLE, processed=total, rebuilt_at=timezone.now()
        )
        return RebuildStatus.IDLE
    except ValidationError as exc:
        message = " ".join(m for ms in exc.message_dict.values() for m in ms)
    except Exception as exc:  # recorded for the pages and the API; the worker logs it
        logger.exception("Rebuilding segment %s failed", segment.pk)
        message = f"{type(exc).__name__}: {exc}"
    Segment.objects.filter(pk=segment.pk).update(status=RebuildStatus.FAILED, error=message[:500])
    return RebuildStatus.FAILED


def segments_refresh_timed(*, tenant: Tenant) -> list[int]:
    """Rebuild, in this process, every active segment of the tenant whose condition reads the
    clock (relative dates, activity windows, crm_score); returns their ids. Hourly, after the
    score refresh (crm.tasks), and `manage.py refresh_segments`."""
    timed = []
    for pk, conditions in (
        Segment.objects.for_tenant(tenant).filter(is_active=True).values_list("pk", "conditions")
    ):
        try:
            if analyse_condition(conditions, tenant=tenant, segment_id=pk)[1]:
                timed.append(pk)
        except ValidationError:
            timed.append(pk)  # the rebuild records why it fails
    for pk in timed:
        segment_rebuild(segment_id=pk)
    return timed
