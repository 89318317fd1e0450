"""The milestones data set over the bench leads: every bench tenant gets eight more types and a
second template ("Fast track") through the services, 8% of the leads follow it, and each lead's
milestones (bench/milestones/histories.py) go in with COPY. Leads are read in id order (all
tenants interleaved, as the leads generator laid them out) in chunks of 50,000 whose milestones
are written in `achieved_date` order, so a lead's milestones are spread over the table rather
than stored together. Deterministic for a seed; a later run reuses the rows."""

import random
import time
from datetime import UTC, datetime

from bench.leads.plan import SLUG_PREFIX
from bench.lib.tables import pretty_sizes, vacuum_analyze

from .histories import EXTRA_TYPES, FAST_TRACK, TenantMilestones, lead_milestones

CHUNK = 50_000
PLAN_SHARE = 0.08
COLUMNS = (
    "tenant_id",
    "lead_id",
    "milestone_type_id",
    "achieved_date",
    "achieved_time",
    "status",
    "days_from_previous",
    "notes",
    "location_latitude",
    "location_longitude",
    "location_name",
    "duration_minutes",
    "outcome",
    "follow_up_date",
    "follow_up_required",
    "document_urls",
    "metadata",
    "completed_by_id",
    "created_at",
    "updated_at",
)


def bench_tenants():
    from tenancy.models import Tenant

    return Tenant.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug")


def ensure_configuration(tenant) -> None:
    """The eight extra types and the "Fast track" template, through the services."""
    from milestones.models import MilestoneTemplate, MilestoneType
    from milestones.services.config import TYPES, template_create
    from tenancy.actors import OPERATOR
    from tenancy.services.config_entries import config_entry_create

    live = MilestoneType.objects.for_tenant(tenant).live()
    for order, (code, name, category, sla) in enumerate(EXTRA_TYPES, start=10):
        if not live.filter(type_code=code).exists():
            config_entry_create(
                TYPES,
                by=OPERATOR,
                tenant=tenant,
                data={
                    "type_code": code,
                    "type_name": name,
                    "category": category,
                    "sla_days": sla,
                    "display_order": order,
                    "allows_attachment": True,
                },
            )
    if (
        not MilestoneTemplate.objects.for_tenant(tenant)
        .live()
        .filter(template_name="Fast track")
        .exists()
    ):
        template_create(
            by=OPERATOR,
            tenant=tenant,
            data={"template_name": "Fast track", "template_type": "campaign"},
            sequence=FAST_TRACK,
        )


def reset() -> None:
    from django.db import connection, transaction

    from tenancy.models import Tenant

    ids = list(bench_tenants().values_list("pk", flat=True))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        if not Tenant.objects.exclude(pk__in=ids).exists():
            cur.execute(
                "TRUNCATE milestones_leadmilestone, milestones_leadmilestoneplan, "
                "milestones_leadopenstep"
            )
        else:
            for table in (
                "milestones_leadmilestone",
                "milestones_leadmilestoneplan",
                "milestones_leadopenstep",
            ):
                cur.execute(f"DELETE FROM {table} WHERE tenant_id = ANY(%s)", [ids])
    print(f"reset: removed the bench milestones in {time.perf_counter() - started:.1f} s")


def generate(*, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from milestones.models import LeadMilestone

    started = time.perf_counter()
    call_command("migrate", "milestones", verbosity=0)
    tenants = list(bench_tenants())
    if not tenants:
        raise SystemExit("No bench tenants: run `python -m bench.leads.generate` first.")
    ids = [t.pk for t in tenants]
    existing = LeadMilestone.objects.filter(tenant_id__in=ids).count()
    if existing:
        print(f"milestones: {existing:,} rows already loaded (--reset to load again)")
        rebuild_open_steps(tenants, only_empty=True)
        return
    today = datetime.now(UTC).date()
    for tenant in tenants:
        with transaction.atomic():
            ensure_configuration(tenant)
    configs = {t.pk: TenantMilestones(t, today) for t in tenants}
    print(f"types and templates: {time.perf_counter() - started:.1f} s")

    rng = random.Random(f"{seed}:milestones")
    columns = ", ".join(COLUMNS)
    loaded = leads_done = 0
    last_id = 0
    step = time.perf_counter()
    while True:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, tenant_id, status, created_at, contacted_at, qualified_at, "
                "converted_at, archived_at, assigned_to_id FROM crm_lead "
                "WHERE tenant_id = ANY(%s) AND id > %s ORDER BY id LIMIT %s",
                [ids, last_id, CHUNK],
            )
            leads = cur.fetchall()
        if not leads:
            break
        last_id = leads[-1][0]
        rows, plans = [], []
        for lead in leads:
            config = configs[lead[1]]
            fast = rng.random() < PLAN_SHARE
            if fast:
                plans.append((lead[1], lead[0], config.fast_track))
            rows.extend(lead_milestones(lead, config, rng, fast))
        rows.sort(key=lambda row: (row[3], row[1]))  # by day, as a live table fills up
        with transaction.atomic(), connection.cursor() as cur:
            with cur.copy(f"COPY milestones_leadmilestone ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            now = datetime.now(UTC)
            with cur.copy(
                "COPY milestones_leadmilestoneplan (tenant_id, lead_id, template_id, "
                "created_at, updated_at) FROM STDIN"
            ) as copy:
                for plan in plans:
                    copy.write_row((*plan, now, now))
        loaded += len(rows)
        leads_done += len(leads)
        rate = loaded / (time.perf_counter() - step)
        print(
            f"milestones: {loaded:>10,} for {leads_done:>9,} leads ({rate:,.0f} rows/s)", flush=True
        )
    vacuum_analyze("milestones_leadmilestone", "milestones_leadmilestoneplan")
    table, indexes = pretty_sizes("milestones_leadmilestone")
    print(f"milestones_leadmilestone: table {table}, indexes {indexes}")
    rebuild_open_steps(tenants, only_empty=False)
    print(f"generation took {time.perf_counter() - started:.1f} s")


def rebuild_open_steps(tenants, *, only_empty: bool) -> None:
    """The rows were COPYed around the services: the open steps kept from them are rebuilt as
    `manage.py rebuild_next_steps` does (timed per tenant)."""
    from milestones.models import LeadOpenStep
    from milestones.services.projection import open_steps_rebuild

    for tenant in tenants:
        if only_empty and LeadOpenStep.objects.filter(tenant=tenant).exists():
            continue
        started = time.perf_counter()
        rows = open_steps_rebuild(tenant=tenant)
        seconds = time.perf_counter() - started
        print(f"open steps of {tenant.slug}: {rows:,} rows in {seconds:.1f} s")
    vacuum_analyze("milestones_leadopenstep")
    table, indexes = pretty_sizes("milestones_leadopenstep")
    print(f"milestones_leadopenstep: table {table}, indexes {indexes}")
