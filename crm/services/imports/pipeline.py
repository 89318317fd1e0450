"""The batch pipeline of an import run (crm.services.imports.jobs.import_run runs it and keeps
the job's status): the stored file streamed in batches of BATCH_ROWS rows; each batch checked
row by row (crm.services.imports.validate), matched against the tenant's customers (or leads)
and the earlier rows of the file — by normalised email, then phone — and written in one
transaction (the writers: crm.services.imports.customer_writer, lead_writer), with the job's
counts and progress, so other connections see the progress as it goes. A bad row is refused
whole and recorded with its number, column and message; the good rows go in. A dry run does
all of it but the writes. On PostgreSQL, when the run is not inside a caller's transaction (a
worker, the command line), each batch is written by a thread of its own, on its own
connection, while the next batch is read and checked: the database's work and Python's overlap
instead of waiting for each other."""

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import F

from tenancy.actors import OPERATOR, Actor
from tenancy.models import Membership
from tenancy.validators import normalize_email

from ...models import Customer, ImportJob, ImportKind, ImportRowError, Lead, OnDuplicate
from ...models.imports import JOB_ERRORS_KEPT, MESSAGE_MAX_LENGTH
from ...selectors.imports import import_targets
from ..tags import MAX_TAGS
from .customer_writer import CustomerWriter, NewCustomers
from .lead_writer import LeadWriter
from .reading import count_rows, open_rows
from .validate import CleanRow, RowChecker, RowError
from .writing import Planned

BATCH_ROWS = 5_000
# On PostgreSQL, outside a caller's transaction (a worker, the command line), batches are
# written by a thread of their own while the next is checked (_run_overlapped).
WRITER_THREAD = True


def run_batches(job: ImportJob, progress: Callable[[ImportJob], None] | None) -> None:
    """Check, match and write the job's file, batch by batch, counting as it goes (the job is
    running; the caller ends it). FileProblem when the file cannot be read."""
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
    # its new customers made ready to write (CustomerWriter.prepare), when matched ahead
    new: NewCustomers | None = None


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
        # Settled, its new rows take no later row: they can be made ready to write now.
        batch.new = self.writer.prepare(batch.creates)
        return True

    def write(self, batch: _Batch) -> None:
        """Write a matched batch (the caller's transaction), then count it."""
        skipped = batch.skipped
        if self.job.dry_run:
            created, updated = len(batch.creates), len(batch.updates) + batch.merged
        else:
            updates = list(batch.updates.values())
            if batch.new is None:  # leads, or customers matched once the batch before was written
                done = self.writer.write(creates=batch.creates, updates=updates)
            else:
                done = self.writer.write(creates=batch.creates, updates=updates, new=batch.new)
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
    way a row repeating a new row of batch N finds its id.

    Two writer threads take the batches in turn. A batch matched ahead with no updates (new
    customers only: it reads nothing batch N writes) starts as soon as batch N's rows are in,
    while batch N commits (its deferred foreign-key checks, ~a fifth of the writer's time);
    it commits only after batch N did, and rolls back if batch N failed, so the batches that
    stay are always the first ones, whole. Any other batch starts after batch N's commit."""
    writers = [
        ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"import-writer-{n}") for n in (1, 2)
    ]
    running: list[Future] = []
    try:
        pending: Future | None = None
        written: Future | None = None
        for number, rows in enumerate(batches):
            batch = run.check(rows)
            ahead = run.match_ahead(batch)
            overlap = ahead and not batch.updates
            if pending is not None:
                # batch N's rows are in (or it failed: raised here, nothing more is written)
                (written if overlap else pending).result()
                if len(running) == 2:
                    # batch N-1, whose thread takes this batch: committed (or it failed at its
                    # commit, raised here: no batch after N is written)
                    running[0].result()
            if not ahead:
                run.match(batch)
            written = Future()
            pending = writers[number % 2].submit(
                _write_batch, run, batch, progress, after=pending, written=written
            )
            running = [*running[-1:], pending]
        if pending is not None:
            pending.result()
    finally:
        for future in running:
            future.exception()  # no write may still run when the job is marked ended
        for writer in writers:
            writer.submit(connections.close_all).result()
            writer.shutdown()


def _write_batch(
    run: _Run,
    batch: _Batch,
    progress,
    *,
    after: Future | None = None,
    written: Future | None = None,
) -> None:
    """Write and commit a batch. `after`: the batch before's write, which must have committed
    before this one commits (its failure rolls this one back). `written` is given a result
    once the rows are in, before the commit (or the exception that stopped them)."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The batch's commit does not wait for its WAL to reach the disk. A crash of the
                # database server can then lose the last batches' commits, each whole — their
                # customers, import records and the job's counts go together, so what stays is
                # consistent and undo finds every record it needs; the job can be undone and
                # run again. Only this transaction is concerned (SET LOCAL).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            run.write(batch)
            if written is not None:
                written.set_result(True)
            if after is not None:
                after.result()
    except BaseException as problem:
        if written is not None and not written.done():
            written.set_exception(problem)
        raise
    if progress is not None:
        progress(ImportJob.objects.get(pk=run.job.pk))
