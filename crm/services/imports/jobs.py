"""Import jobs: start one over an uploaded file, start another over the same file, run one (the
Celery task's body), undo one.

Who may: managers and admins start, rerun and undo imports (IMPORT_ROLES); agents may not
(PermissionDenied: a 403 in the API). The operator (the command line) may.

A run streams the stored file in batches of BATCH_ROWS rows; each batch is checked row by row
(crm.services.imports.validate), matched against the tenant's customers (or leads) and the
earlier rows of the file — by normalised email, then phone — and written in one transaction
(crm.services.imports.writing says how; customer_writer, lead_writer), with the job's counts
and progress, so other connections see the progress as it goes. A bad row is refused whole
and recorded with its number, column and message; the good rows go in. A dry run does all of
it but the writes. On PostgreSQL, when the run is not inside a caller's transaction (a worker,
the command line), each batch is written by a thread of its own, on its own connection, while
the next batch is read and checked: the database's work and Python's overlap instead of
waiting for each other."""

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from customfields.models import FieldDefinition, FieldHistory
from customfields.slots import EXTRA_FIELD
from tenancy.actors import OPERATOR, Actor, actor_user, require_role
from tenancy.models import Membership, Role, Tenant
from tenancy.validators import normalize_email

from ...models import (
    ActivityKind,
    Customer,
    CustomerTag,
    CustomerTagChange,
    ImportJob,
    ImportKind,
    ImportRecord,
    ImportRowError,
    ImportStatus,
    Lead,
    LeadActivity,
    LeadTag,
    OnDuplicate,
)
from ...models.imports import JOB_ERRORS_KEPT, MESSAGE_MAX_LENGTH
from ...selectors.imports import import_targets
from ...selectors.scoring import score_expression
from ...signals import announce_leads_changed
from ..import_followups import import_finished
from ..reactions import customers_changed
from ..tags import MAX_TAGS, clean_tag_names
from .customer_writer import CustomerWriter
from .lead_writer import LeadWriter
from .mapping import parse_mapping, resolve_mapping
from .reading import FileProblem, count_rows, open_rows, peek, store_file
from .validate import CleanRow, RowChecker, RowError
from .writing import Planned, shown

logger = logging.getLogger(__name__)

IMPORT_ROLES = (Role.ADMIN, Role.MANAGER)
BATCH_ROWS = 5_000
# On PostgreSQL, outside a caller's transaction (a worker, the command line), batches are
# written by a thread of their own while the next is checked (_run_overlapped).
WRITER_THREAD = True
UNDO_CHUNK = 2_000


def _require_importer(by: Actor, tenant: Tenant) -> None:
    require_role(
        by, tenant=tenant, roles=IMPORT_ROLES, message="Only managers and admins may import."
    )


def _clean_kind(kind: str) -> str:
    if kind not in ImportKind.values:
        raise ValidationError({"kind": ["Choose customers or leads."]})
    return kind


def _clean_on_duplicate(value: str | None) -> str:
    value = value or OnDuplicate.SKIP
    if value not in OnDuplicate.values:
        raise ValidationError({"on_duplicate": ["Choose skip, update or create."]})
    return value


def _clean_job_tags(tags: Iterable[str] | str | None) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    names: list[str] = []
    for tag in tags:
        if not isinstance(tag, str):
            raise ValidationError({"tags": ["Tags are names (text)."]})
        names += tag.split(",")
    try:
        return clean_tag_names(names)
    except ValidationError as exc:
        raise ValidationError({"tags": exc.messages}) from None


def _dispatch(job: ImportJob) -> None:
    """Run the job after the commit: on the workers with a broker, here without one."""
    from ...tasks import run_import  # tasks call services; imported here to keep that one way

    if run_import.app.conf.task_always_eager:
        transaction.on_commit(lambda: run_import.apply((job.pk,)))
    else:
        transaction.on_commit(lambda: run_import.delay(job.pk))


def _prepare(
    *, tenant: Tenant, kind: str, stored, mapping: Any
) -> tuple[list[str], dict[str, str]]:
    """The file's headers and the mapping the job will use; ValidationError on `file` or
    `mapping`."""
    try:
        headers, _ = peek(stored)
    except FileProblem as problem:
        raise ValidationError({"file": [str(problem)]}) from None
    resolved = resolve_mapping(
        headers=headers,
        targets=import_targets(tenant=tenant, kind=kind),
        given=parse_mapping(mapping),
    )
    return headers, resolved


@transaction.atomic
def import_start(
    *,
    tenant: Tenant,
    by: Actor,
    kind: str,
    file: IO[bytes] | bytes,
    filename: str,
    mapping: Any = None,
    dry_run: bool = False,
    on_duplicate: str = OnDuplicate.SKIP,
    tags: Iterable[str] | str = (),
    start_run: bool = True,
) -> ImportJob:
    """Keep the file, check it can be read and the mapping ({column: target}, a dict or its
    JSON; by default the columns named like fields) fits it, and create the job, pending; its
    run starts after the commit (crm.run_import; `start_run=False`: the caller runs it, as the
    command line does). ValidationError on `file`, `mapping`, `kind`,
    `on_duplicate` or `tags`. Managers and admins only (PermissionDenied otherwise)."""
    _require_importer(by, tenant)
    kind = _clean_kind(kind)
    on_duplicate = _clean_on_duplicate(on_duplicate)
    job_tags = _clean_job_tags(tags)
    stored = store_file(tenant=tenant, file=file, filename=filename)
    headers, resolved = _prepare(tenant=tenant, kind=kind, stored=stored, mapping=mapping)
    job = ImportJob.objects.create(
        tenant=tenant,
        kind=kind,
        dry_run=bool(dry_run),
        on_duplicate=on_duplicate,
        file=stored,
        filename=stored.filename,
        mapping=resolved,
        headers=headers,
        tags=job_tags,
        created_by=actor_user(by),
    )
    if start_run:
        _dispatch(job)
    return job


@transaction.atomic
def import_again(
    *,
    job: ImportJob,
    by: Actor,
    mapping: Any = None,
    dry_run: bool = False,
    on_duplicate: str | None = None,
    tags: Iterable[str] | str | None = None,
) -> ImportJob:
    """A new job over the same stored file: "check again with this mapping", or "import for
    real" after a dry run. `mapping`, `on_duplicate` and `tags` left None keep the first job's
    (a mapping given goes over the automatic one, as for `import_start`). Same rules and
    errors as `import_start`."""
    tenant = job.tenant
    _require_importer(by, tenant)
    on_duplicate = _clean_on_duplicate(on_duplicate or job.on_duplicate)
    job_tags = list(job.tags) if tags is None else _clean_job_tags(tags)
    headers, resolved = _prepare(
        tenant=tenant,
        kind=job.kind,
        stored=job.file,
        mapping=job.mapping if mapping is None else mapping,
    )
    rerun = ImportJob.objects.create(
        tenant=tenant,
        kind=job.kind,
        dry_run=bool(dry_run),
        on_duplicate=on_duplicate,
        file=job.file,
        filename=job.filename,
        mapping=resolved,
        headers=headers,
        tags=job_tags,
        created_by=actor_user(by),
        source_job=job,
    )
    _dispatch(rerun)
    return rerun


def _actor_of(job: ImportJob) -> Actor:
    """Who the run acts for: the member who started it (the operator when none did)."""
    if job.created_by_id is None:
        return OPERATOR
    membership = (
        Membership.objects.filter(tenant_id=job.tenant_id, user_id=job.created_by_id)
        .select_related("user", "tenant")
        .first()
    )
    return membership or OPERATOR


_NEW = object()  # (dry run) a row of an earlier batch that would be a new record


class _Matcher:
    """Who a row is: the tenant's customers (or leads) by normalised email and by phone,
    plus the rows of the file seen so far. `find` answers an id, the Planned of a new row of
    this batch, _NEW (a dry run's new row of an earlier batch) or None."""

    def __init__(self, job: ImportJob):
        model = Lead if job.kind == ImportKind.LEADS else Customer
        self.by_email: dict[str, Any] = {}
        self.by_phone: dict[str, Any] = {}
        rows = (
            model.objects.filter(tenant_id=job.tenant_id)
            .order_by()
            .values_list("pk", "email", "phone")
        )
        for pk, email, phone in rows.iterator(chunk_size=10_000):
            if email:
                self.by_email.setdefault(normalize_email(email), pk)
            if phone:
                self.by_phone.setdefault(phone, pk)
        self.job_made: set[int] = set()  # ids this job created (a match there is no duplicate)

    def find(self, row: CleanRow) -> Any:
        if row.email_key and (found := self.by_email.get(row.email_key)) is not None:
            return found
        if row.phone_key and (found := self.by_phone.get(row.phone_key)) is not None:
            return found
        return None

    def remember(self, row: CleanRow, value: Any) -> None:
        if row.email_key:
            self.by_email.setdefault(row.email_key, value)
        if row.phone_key:
            self.by_phone.setdefault(row.phone_key, value)

    def settle(self, creates: list[Planned]) -> None:
        """After a batch: its new rows are known by their ids (_NEW in a dry run)."""
        for planned in creates:
            value = _NEW if planned.pk is None else planned.pk
            if planned.pk is not None:
                self.job_made.add(planned.pk)
            for index, key in (
                (self.by_email, planned.row.email_key),
                (self.by_phone, planned.row.phone_key),
            ):
                if key and index.get(key) is planned:
                    index[key] = value


@dataclass
class _Batch:
    """A batch on its way: its rows' cells (the error report keeps a bad row's), each row
    checked, then what `match` decided."""

    cells: dict[int, list[str]]
    checked: list[CleanRow | RowError]
    errors: list[RowError] = field(default_factory=list)
    creates: list[Planned] = field(default_factory=list)
    updates: dict[int, Planned] = field(default_factory=dict)
    skipped: int = 0
    duplicates: int = 0
    merged: int = 0
    settled: bool = False  # the matcher knows the new rows' ids (given before the write)


class _Run:
    def __init__(self, job: ImportJob):
        self.job = job
        self.by = _actor_of(job)
        self.checker = RowChecker(
            tenant=job.tenant, kind=job.kind, headers=job.headers, mapping=job.mapping
        )
        self.matcher = _Matcher(job)
        labels = dict(import_targets(tenant=job.tenant, kind=job.kind))
        if job.kind == ImportKind.LEADS:
            self.writer = LeadWriter(
                job=job, by=self.by, default_source=self.checker.default_source, labels=labels
            )
        else:
            self.writer = CustomerWriter(
                job=job,
                by=self.by,
                definitions=self.checker.definitions,
                targets=list(job.mapping.values()),
                labels=labels,
            )
        self.kept_errors = len(job.errors or [])
        self.cells_by_row: dict[int, list[str]] = {}

    def check(self, rows: list[tuple[int, list[str]]]) -> _Batch:
        """Check a batch's rows (no database: the writer thread may be writing the batch
        before)."""
        checked = [self.checker.check(number, cells) for number, cells in rows]
        return _Batch(cells=dict(rows), checked=checked)

    def match(self, batch: _Batch) -> None:
        """Decide each good row: new, an update of whom, or skipped (the batches before must
        be written: their new rows are known by their ids)."""
        job = self.job
        for checked in batch.checked:
            if isinstance(checked, RowError):
                batch.errors.append(checked)
                continue
            if len(set(checked.tags) | set(job.tags)) > MAX_TAGS:
                batch.errors.append(
                    RowError(
                        checked.number, self.checker.column_for("tags"), f"At most {MAX_TAGS} tags."
                    )
                )
                continue
            found = self.matcher.find(checked)
            if isinstance(found, int) and found not in self.matcher.job_made:
                batch.duplicates += 1
            if found is None or job.on_duplicate == OnDuplicate.CREATE:
                if problem := self.checker.check_new(checked):
                    batch.errors.append(problem)
                    continue
                planned = Planned(checked)
                batch.creates.append(planned)
                self.matcher.remember(checked, planned)
            elif job.on_duplicate == OnDuplicate.SKIP:
                batch.skipped += 1
            elif isinstance(found, Planned):  # a new row of this batch: written merged
                found.extra_rows.append(checked)
                batch.merged += 1
            elif found is _NEW:  # a dry run's new row of an earlier batch
                batch.merged += 1
            elif found in batch.updates:  # the same record twice in this batch: merged
                batch.updates[found].extra_rows.append(checked)
                batch.merged += 1
            else:
                batch.updates[found] = Planned(checked, pk=found)

    def match_ahead(self, batch: _Batch) -> bool:
        """Match a batch while the one before is still being written, when the new rows can
        get their ids first (customers on PostgreSQL, not a dry run): a later row repeating
        one of them then finds its id, and that batch's writer, which runs after this one's
        commit, finds the row. False (nothing done) otherwise."""
        reserve = getattr(self.writer, "reserve", None)
        if self.job.dry_run or reserve is None or connection.vendor != "postgresql":
            return False
        self.match(batch)
        reserve(batch.creates)
        self.matcher.settle(batch.creates)
        batch.settled = True
        return True

    def write(self, batch: _Batch) -> None:
        """Write a matched batch (the caller's transaction), then count it."""
        skipped = batch.skipped
        if self.job.dry_run:
            created, updated = len(batch.creates), len(batch.updates) + batch.merged
        else:
            done = self.writer.write(creates=batch.creates, updates=list(batch.updates.values()))
            created, updated = done.created, done.updated + batch.merged
            skipped += done.unchanged
        if not batch.settled:
            self.matcher.settle(batch.creates)
        self.cells_by_row = batch.cells
        self._record(len(batch.checked), batch.errors, created, updated, skipped, batch.duplicates)

    def _record(self, processed, errors, created, updated, skipped, duplicates) -> None:
        job = self.job
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(
                    tenant_id=job.tenant_id,
                    job=job,
                    row=e.row,
                    column=e.column[:255],
                    message=e.message[:MESSAGE_MAX_LENGTH],
                    cells=self.cells_of(e.row),
                )
                for e in errors
            ],
            batch_size=1000,
        )
        first = []
        if self.kept_errors < JOB_ERRORS_KEPT and errors:
            first = [
                {"row": e.row, "column": e.column, "message": e.message[:MESSAGE_MAX_LENGTH]}
                for e in errors[: JOB_ERRORS_KEPT - self.kept_errors]
            ]
            self.kept_errors += len(first)
            job.errors = [*(job.errors or []), *first]
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=F("processed_rows") + processed,
            created=F("created") + created,
            updated=F("updated") + updated,
            skipped=F("skipped") + skipped,
            duplicates=F("duplicates") + duplicates,
            error_count=F("error_count") + len(errors),
            **({"errors": job.errors} if first else {}),
        )

    def cells_of(self, row: int) -> list[str]:
        return self.cells_by_row.get(row, [])


def import_run(*, job_id: int, progress: Callable[[ImportJob], None] | None = None) -> str:
    """Run a pending job (what the crm.run_import task calls); returns its status. A job that
    is not pending (run already, or running elsewhere) is left alone. `progress` is called
    with the job, reloaded, after each batch (the command line prints it)."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update()
            .select_related("tenant", "file")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status != ImportStatus.PENDING:
            return job.status if job else "missing"
        job.status = ImportStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        run, total = _prepare_run(job)
        ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
        with open_rows(job.file) as opened:
            batches = _batches(opened.rows())
            if _overlap():
                _run_overlapped(run, batches, progress)
            else:
                for rows in batches:
                    batch = run.check(rows)
                    run.match(batch)
                    _write_batch(run, batch, progress)
        status, failure = ImportStatus.DONE, ""
    except FileProblem as problem:
        status, failure = ImportStatus.FAILED, str(problem)
    except Exception:  # a worker must end the job, whatever went wrong; the log has the rest
        logger.exception("Import #%s failed", job.pk)
        status, failure = ImportStatus.FAILED, "The import stopped on an unexpected error."
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, failure=failure[:MESSAGE_MAX_LENGTH], finished_at=timezone.now()
    )
    import_finished(job_id=job.pk)
    return status


def _prepare_run(job: ImportJob) -> tuple[_Run, int]:
    """The run (its match index read from the database) and the file's row count; counting
    (Python reading the file) beside the index's read (mostly a wait for the database) when
    the batches will be written beside the reading too."""
    if not _overlap():
        total = count_rows(job.file)
        return _Run(job), total
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-count") as pool:
        counting = pool.submit(_count_alone, job.file)
        run = _Run(job)
        return run, counting.result()


def _count_alone(stored) -> int:
    try:
        return count_rows(stored)
    finally:
        connections.close_all()  # this thread's, had it opened one


def _batches(rows: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _overlap() -> bool:
    """Write in a thread of its own? On PostgreSQL, and only outside a caller's transaction:
    the thread's connection would not see what that transaction has not committed."""
    return WRITER_THREAD and connection.vendor == "postgresql" and not connection.in_atomic_block


def _run_overlapped(run: _Run, batches: Iterator[list], progress) -> None:
    """Batch N is written by a thread of its own, on its own connection, while this one reads
    and checks batch N+1 (Python's work and PostgreSQL's overlap on two cores). Customers:
    batch N's new rows got their ids before its write, so batch N+1 is matched at once
    (`match_ahead`); leads and dry runs: batch N+1 is matched once batch N is written. Either
    way a row repeating a new row of batch N finds its id, and batch N+1 is written after
    batch N's commit."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as writer:
        pending: Future | None = None
        try:
            for rows in batches:
                batch = run.check(rows)
                ahead = run.match_ahead(batch)
                if pending is not None:
                    pending.result()
                if not ahead:
                    run.match(batch)
                pending = writer.submit(_write_batch, run, batch, progress)
            if pending is not None:
                pending.result()
        finally:
            if pending is not None:
                pending.exception()  # no write may still run when the job is marked ended
            writer.submit(connections.close_all).result()


def _write_batch(run: _Run, batch: _Batch, progress) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The batch's commit does not wait for its WAL to reach the disk. A crash of the
            # database server can then lose the last batches' commits, each whole — their
            # customers, import records and the job's counts go together, so what stays is
            # consistent and undo finds every record it needs; the job can be undone and run
            # again. Only this transaction is concerned (SET LOCAL).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        run.write(batch)
    if progress is not None:
        progress(ImportJob.objects.get(pk=run.job.pk))


def _restore_value(model, name: str, value: Any) -> tuple[str, Any]:
    model_field = model._meta.get_field(name)
    if model_field.is_relation:
        return model_field.attname, value
    if value is None:
        return model_field.attname, None
    return model_field.attname, model_field.to_python(value)


@transaction.atomic
def import_undo(*, job: ImportJob, by: Actor) -> ImportJob:
    """Undo a finished import: the customers (or leads) it created are deleted, the ones it
    updated get back the values they had before it (and lose the tags it added), recorded in
    their history and timeline. Refused (ValidationError on `detail`) for a dry run, a job
    not finished, or one already undone. Managers and admins only."""
    tenant = job.tenant
    _require_importer(by, tenant)
    job = ImportJob.objects.select_for_update().get(pk=job.pk, tenant=tenant)
    if job.dry_run:
        raise ValidationError({"detail": ["A dry run wrote nothing; there is nothing to undo."]})
    if job.status == ImportStatus.UNDONE:
        raise ValidationError({"detail": ["This import has been undone already."]})
    if job.status != ImportStatus.DONE:
        raise ValidationError({"detail": ["Only a finished import can be undone."]})
    now = timezone.now()
    user = actor_user(by)
    reason = f"undo of import #{job.pk}"
    model = Lead if job.kind == ImportKind.LEADS else Customer
    owner = "lead_id" if job.kind == ImportKind.LEADS else "customer_id"
    records = ImportRecord.objects.filter(tenant=tenant, job=job)
    created_ids = list(records.filter(created=True).values_list(owner, flat=True))
    if model is Customer:
        # New customers carry the job's stamp (ImportRecords with created=True are the leads',
        # and those of customers imported before the stamp existed).
        created_ids += Customer.objects.filter(tenant=tenant, import_job=job).values_list(
            "pk", flat=True
        )
    for start in range(0, len(created_ids), UNDO_CHUNK):
        model.objects.filter(tenant=tenant, pk__in=created_ids[start : start + UNDO_CHUNK]).delete()
    updated = list(
        records.filter(created=False).values_list(owner, "before", "added_tags").order_by("pk")
    )
    restored: list[int] = []
    for start in range(0, len(updated), UNDO_CHUNK):
        chunk = updated[start : start + UNDO_CHUNK]
        restored += _undo_updates(
            job=job, model=model, chunk=chunk, by=by, user=user, now=now, reason=reason
        )
    job.status = ImportStatus.UNDONE
    job.undone_at = now
    job.undone_by = user
    job.save(update_fields=["status", "undone_at", "undone_by"])
    return job


def _label(model, name: str, definition: FieldDefinition | None) -> str:
    if definition is not None:
        return definition.field_label
    if name == EXTRA_FIELD:
        return "Other custom fields"
    return str(model._meta.get_field(name).verbose_name).capitalize()


def _undo_updates(*, job, model, chunk, by, user, now, reason) -> list[int]:
    tenant = job.tenant
    ids = [pk for pk, _, _ in chunk]
    objects = model.objects.filter(tenant=tenant, pk__in=ids).in_bulk()
    groups: dict[tuple[str, ...], list] = {}
    history: list[FieldHistory] = []
    activities: list[LeadActivity] = []
    is_lead = model is Lead
    slots = {
        d.mapped_field_name: d
        for d in FieldDefinition.objects.for_tenant(tenant).exclude(mapped_field_name=None)
    }
    for pk, before, _ in chunk:
        obj = objects.get(pk)
        if obj is None or not before:
            continue
        names = []
        for name, value in before.items():
            attname, typed = _restore_value(model, name, value)
            if not is_lead:
                definition = slots.get(name)
                history.append(
                    FieldHistory(
                        tenant=tenant,
                        customer_id=pk,
                        definition=definition,
                        field_key=definition.field_key if definition else name,
                        field_label=_label(model, name, definition),
                        old_value=shown(getattr(obj, attname)),
                        new_value=shown(typed),
                        changed_by=user,
                        changed_at=now,
                        reason=reason,
                    )
                )
            setattr(obj, attname, typed)
            names.append(attname)
        obj.updated_at = now
        groups.setdefault(tuple(sorted(names)), []).append(obj)
        if is_lead:
            activities.append(
                LeadActivity(
                    tenant=tenant,
                    lead_id=pk,
                    actor=user,
                    kind=ActivityKind.UPDATED,
                    message=f"Import #{job.pk} undone: {', '.join(sorted(before))} restored.",
                    created_at=now,
                )
            )
    for names, group in groups.items():
        model.objects.bulk_update(group, [*names, "updated_at"], batch_size=500)
    # The tags the import added go again.
    by_tag: dict[str, list[int]] = {}
    for pk, _, added in chunk:
        for name in added or []:
            by_tag.setdefault(name, []).append(pk)
    for name, owners in by_tag.items():
        if is_lead:
            LeadTag.objects.filter(tenant=tenant, lead_id__in=owners, tag__name=name).delete()
            continue
        CustomerTag.objects.filter(tenant=tenant, customer_id__in=owners, tag__name=name).delete()
        CustomerTagChange.objects.bulk_create(
            [
                CustomerTagChange(
                    tenant=tenant,
                    customer_id=pk,
                    tag_name=name,
                    added=False,
                    changed_by=user,
                    changed_at=now,
                )
                for pk in owners
            ]
        )
    if is_lead:
        LeadActivity.objects.bulk_create(activities)
        announce_leads_changed(tenant=tenant, lead_ids=ids)
        return ids
    FieldHistory.objects.bulk_create(history, batch_size=2000)
    kept = sorted(objects)
    Customer.objects.filter(tenant=tenant, pk__in=kept).update(
        crm_score=score_expression(tenant=tenant)
    )
    customers_changed(tenant=tenant, customer_ids=kept, by=by)
    return kept
