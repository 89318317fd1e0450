"""Keeps milestones.models.LeadOpenStep equal to the full computation of the open steps
(milestones.selectors.open_steps): every writer that can move a lead's open steps calls one of
these in its own transaction, so the rows change with the change or not at all.

- `open_steps_refresh(tenant, lead_ids)`: those leads' rows again (a lead written, its
  milestones, its template);
- `open_steps_rebuild(tenant)`: the whole tenant's (the default template, a template's steps, a
  type's SLA, the time zone; the `rebuild_next_steps` command and the data migration).

Both delete the rows and insert the computation's (one INSERT … SELECT): an expected step that
is recorded is one row (lead, type) with the record's status. On PostgreSQL a refresh takes the
leads' row locks and a shared per-tenant lock, a rebuild the exclusive one, so a refresh never
computes from a state a concurrent rebuild has not committed (and the reverse).

Each also makes the tenant's cached dashboard figures stale after the commit
(selectors/dashboard.py): what moves the open steps moves the bottlenecks, completion and trends
too."""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet

from crm.models import CLOSED_STATUSES, Lead
from tenancy.caching import bump_figures
from tenancy.models import Tenant

from ..models import LeadOpenStep
from ..selectors.dashboard import MILESTONE_FIGURES
from ..selectors.open_steps import open_steps_sql
from ..selectors.sql import is_postgresql

# pg_advisory_xact_lock's first key: which lock family (the second is the tenant id).
LOCK_FAMILY = 1804
# Leads per INSERT … SELECT of a refresh (an import's batch, a bulk status).
CHUNK = 2000


def _open_leads(tenant: Tenant) -> QuerySet[Lead]:
    return (
        Lead.objects.for_tenant(tenant)
        .filter(archived_at__isnull=True)
        .exclude(status__in=CLOSED_STATUSES)
    )


def _insert(tenant: Tenant, leads: QuerySet[Lead]) -> int:
    """INSERT the open steps of `leads` (all open), one row per (lead, type)."""
    sql, params = open_steps_sql(tenant, leads, all_open=True)
    table = LeadOpenStep._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (tenant_id, lead_id, milestone_type_id, status, is_expected,
                                     position, start_date, due_date)
                SELECT %s, lead_id, milestone_type_id, COALESCE(MAX(status), ''),
                       MAX(is_expected) = 1, MAX(position), MIN(start_date), MIN(due_date)
                FROM ({sql}) steps
                GROUP BY lead_id, milestone_type_id""",
            [tenant.pk, *params],
        )
        return cursor.rowcount


def dashboard_changed(tenant: Tenant) -> None:
    """The tenant's cached dashboard figures are out of date once this transaction commits."""
    bump_figures(tenant.pk, MILESTONE_FIGURES)


def _lock_tenant(tenant: Tenant, *, exclusive: bool) -> None:
    if not is_postgresql():
        return  # SQLite runs one writer at a time
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [LOCK_FAMILY, tenant.pk])


@transaction.atomic
def open_steps_refresh(*, tenant: Tenant, lead_ids: Iterable[int]) -> int:
    """Recompute the rows of these leads of `tenant` (others' ids are ignored). Returns the
    number of rows they have now."""
    ids = sorted(set(lead_ids))
    dashboard_changed(tenant)  # a template's steps changed, even when no lead follows it
    if not ids:
        return 0
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        # The leads' row locks first (their writers' order), then the tenant's shared lock.
        locked = list(
            Lead.objects.for_tenant(tenant)
            .filter(pk__in=chunk)
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
        _lock_tenant(tenant, exclusive=False)
        LeadOpenStep.objects.filter(tenant=tenant, lead_id__in=chunk).delete()
        written += _insert(tenant, _open_leads(tenant).filter(pk__in=locked))
    return written


@transaction.atomic
def open_steps_rebuild(*, tenant: Tenant) -> int:
    """Recompute every row of `tenant`. Returns how many it has."""
    _lock_tenant(tenant, exclusive=True)
    dashboard_changed(tenant)
    LeadOpenStep.objects.filter(tenant=tenant).delete()
    return _insert(tenant, _open_leads(tenant))
