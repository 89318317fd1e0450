"""Generate the benchmark dataset: 1,000,000 leads over 50 tenants, the largest with 100,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_bench \\
        .venv/bin/python -m bench.leads.generate [--reset] [--seed 2] [--anchor YYYY-MM-DD]

Deterministic: the same seed and anchor date give the same rows. Tenants, members, sources and
tags are created through the services (tenant_create, member_add, source_create, …), so each
tenant has its default sources and channels; leads and their tags are loaded with COPY in chunks
of 50,000, all tenants interleaved in created_at order (as a live database fills up, so one
tenant's leads are spread over the whole table rather than packed together). Each chunk commits
on its own: an interrupted run resumes where it stopped. `--reset` removes the bench tenants
(slugs `bench-NN`) and their users first. Ends with VACUUM ANALYZE.
"""

import argparse
import heapq
import itertools
import sys
import time
from datetime import UTC, date, datetime

from bench.lib.setup import database_label, setup_django
from bench.lib.tables import pretty_sizes, rows_per_tenant, vacuum_analyze

from .plan import SLUG_PREFIX, plan_tenants
from .stream import tenant_stream
from .tenants import TenantConfig, ensure_tenant, load_config

CHUNK = 50_000

LEAD_COLUMNS = (
    "id",
    "tenant_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "job_title",
    "status",
    "source_id",
    "sub_source_id",
    "channel_id",
    "assigned_to_id",
    "lead_score",
    "probability",
    "estimated_value",
    "expected_close_date",
    "last_contact_date",
    "next_follow_up_date",
    "call_attempts",
    "notes",
    "contacted_at",
    "qualified_at",
    "converted_at",
    "archived_at",
    "created_by_id",
    "created_at",
    "updated_at",
)


def bench_tenants():
    from tenancy.models import Tenant

    return Tenant.objects.filter(slug__startswith=SLUG_PREFIX)


def reset() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from tenancy.models import Tenant

    started = time.perf_counter()
    ids = list(bench_tenants().values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cur:
        if not Tenant.objects.exclude(pk__in=ids).exists():
            # Only bench tenants in this (dedicated) database: truncate, leaving no dead rows.
            cur.execute(
                "TRUNCATE crm_leadtag, crm_leadactivity, crm_lead, crm_tag RESTART IDENTITY CASCADE"
            )
        else:
            for table in ("crm_leadtag", "crm_leadactivity", "crm_lead"):
                cur.execute(f"DELETE FROM {table} WHERE tenant_id = ANY(%s)", [ids])
        bench_tenants().delete()
        get_user_model().objects.filter(username__startswith=SLUG_PREFIX).delete()
    print(f"reset: removed {len(ids)} bench tenants in {time.perf_counter() - started:.1f} s")


def _reserve_ids(cur, n: int) -> list[int]:
    cur.execute(
        "SELECT nextval(pg_get_serial_sequence('crm_lead', 'id')) FROM generate_series(1, %s)",
        [n],
    )
    return sorted(r[0] for r in cur.fetchall())


def load_leads(configs: list[TenantConfig], *, seed: int, anchor: datetime, total: int) -> None:
    from django.db import connection, transaction

    from crm.models import Lead

    done = Lead.objects.filter(tenant__slug__startswith=SLUG_PREFIX).count()
    if done == total:
        print(f"leads: all {total:,} already loaded")
        return
    if done % CHUNK or done > total:
        raise SystemExit(
            f"Found {done:,} bench leads, which is not a completed chunk of this plan; "
            "run again with --reset."
        )
    streams = [tenant_stream(cfg, seed=seed, anchor=anchor) for cfg in configs]
    merged = heapq.merge(*streams)
    if done:
        print(f"leads: resuming after {done:,} already loaded (regenerating to skip them)")
        for _ in itertools.islice(merged, done):
            pass
    columns = ", ".join(LEAD_COLUMNS)
    loaded = done
    started = time.perf_counter()
    while True:
        batch = list(itertools.islice(merged, CHUNK))
        if not batch:
            break
        with transaction.atomic(), connection.cursor() as cur:
            ids = _reserve_ids(cur, len(batch))
            with cur.copy(f"COPY crm_lead ({columns}) FROM STDIN") as copy:
                for lead_id, (_, _, _, row, _) in zip(ids, batch, strict=True):
                    copy.write_row((lead_id, *row))
            with cur.copy("COPY crm_leadtag (lead_id, tag_id, tenant_id) FROM STDIN") as copy:
                for lead_id, (_, _, _, row, tag_ids) in zip(ids, batch, strict=True):
                    for tag_id in tag_ids:
                        copy.write_row((lead_id, tag_id, row[0]))
        loaded += len(batch)
        rate = (loaded - done) / (time.perf_counter() - started)
        print(f"leads: {loaded:>9,} / {total:,}  ({rate:,.0f} rows/s)", flush=True)


def vacuum() -> None:
    started = time.perf_counter()
    vacuum_analyze("crm_lead", "crm_leadtag", "crm_tag", "crm_leadsource", "crm_leadsubsource")
    print(f"vacuum analyze: {time.perf_counter() - started:.1f} s")


def summary() -> None:
    from crm.models import LeadTag

    rows = rows_per_tenant("crm_lead", SLUG_PREFIX, empty_too=True)
    table, indexes = pretty_sizes("crm_lead")
    tags = LeadTag.objects.count()
    sizes = [n for _, n in rows]
    print(
        f"tenants: {len(rows)}, leads: {sum(sizes):,} (largest {sizes[0]:,} = {rows[0][0]}, "
        f"median {sizes[len(sizes) // 2]:,}, smallest {sizes[-1]:,}); lead tags: {tags:,}"
    )
    print(f"crm_lead: table {table}, indexes {indexes}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--leads", type=int, default=1_000_000, help="total over all tenants")
    parser.add_argument("--largest", type=int, default=100_000, help="leads of tenant bench-00")
    parser.add_argument(
        "--anchor",
        type=date.fromisoformat,
        default=datetime.now(UTC).date(),
        help="'now' of the data (YYYY-MM-DD, default today, UTC): leads span the 2 years before",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="remove the bench tenants first (in a database holding only bench tenants this "
        "truncates the lead tables and every table referencing them, e.g. bench milestones)",
    )
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.largest <= args.leads or args.tenants < 1:
        parser.error("need 1 <= --largest <= --leads and --tenants >= 1")

    setup_django(allow_any_database=args.allow_any_database)
    from django.test import override_settings

    anchor = datetime.combine(args.anchor, datetime.min.time(), tzinfo=UTC)
    print(f"database: {database_label()}; seed {args.seed}; anchor {args.anchor}")
    started = time.perf_counter()
    if args.reset:
        reset()
    plans = plan_tenants(
        seed=args.seed, tenants=args.tenants, total=args.leads, largest=args.largest
    )
    existing = set(bench_tenants().values_list("slug", flat=True))
    stray = existing - {p.slug for p in plans}
    if stray:
        raise SystemExit(f"Bench tenants outside this plan exist ({len(stray)}); use --reset.")
    step = time.perf_counter()
    configs = []
    # Users only: a fast hasher for the bench process (real hashing is ~0.3 s per user).
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for plan in plans:
            tenant = ensure_tenant(plan)
            configs.append(load_config(plan, tenant, anchor=anchor))
    print(f"tenants, members, sources, tags: {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    load_leads(configs, seed=args.seed, anchor=anchor, total=args.leads)
    print(f"leads and tags: {time.perf_counter() - step:.1f} s")
    vacuum()
    summary()
    print(f"generation took {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
