"""Import jobs: start one over an uploaded file, start another over the same file, run one (the
Celery task's body: the job's status from pending to running to done or failed). Undoing one
is crm.services.imports.undo.

Who may: managers and admins start, rerun and undo imports (IMPORT_ROLES); agents may not
(PermissionDenied: a 403 in the API). The operator (the command line) may.

A run streams the stored file in batches, each checked, matched against the tenant's customers
(or leads) and the file's earlier rows, and written in a transaction of its own, with the job's
counts and progress (crm.services.imports.pipeline, which says how). A bad row is refused whole
and recorded with its number, column and message; the good rows go in. A dry run does all of
it but the writes. A file that cannot be read, or any other failure, ends the job failed with
the batches before it kept."""

import logging
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenancy.actors import Actor, actor_user, require_role
from tenancy.models import Role, Tenant

from ...models import ImportJob, ImportKind, ImportStatus, OnDuplicate
from ...models.imports import MESSAGE_MAX_LENGTH
from ...selectors.imports import import_targets
from ..import_followups import import_finished
from ..tags import clean_tag_names
from .mapping import parse_mapping, resolve_mapping
from .pipeline import run_batches
from .reading import FileProblem, peek, store_file

logger = logging.getLogger(__name__)

IMPORT_ROLES = (Role.ADMIN, Role.MANAGER)


def require_importer(by: Actor, tenant: Tenant) -> None:
    """PermissionDenied unless `by` may import (and undo imports) for `tenant`."""
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
    require_importer(by, tenant)
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
    require_importer(by, tenant)
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
        run_batches(job, progress)
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
