"""Import 200,000 customers with 10 custom fields from CSV into a tenant that has 200,000:
Atrium's import (crm.services.imports) and django-import-export's bulk mode on the same file,
each in a process of its own so its peak memory (ru_maxrss) is its own.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/atrium_impbench \\
        .venv/bin/python -m bench.imports.run [--rows 200000] [--variant atrium|iie|all]
        [--iie-rows N] [--repeat 1] [--drain] [--serial]

Before each run the customers a previous run made are deleted (with their links, history and
import records), so every run imports into the same 200,000. Prints one line per run and the
ratios against the targets (≤ 20 s, ≥ 10,000 rows/s, ≤ 300 MB)."""

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time

from bench.imports.data import DEFAULT_DATABASE_URL, TENANT_SLUG, csv_path

TARGET_SECONDS = 20.0
TARGET_RATE = 10_000
TARGET_MB = 300


def rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup():
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from tenancy.models import Tenant

    return Tenant.objects.get(slug=TENANT_SLUG)


def clean_up(tenant, keep: int) -> None:
    """Delete the customers beyond the first `keep` of the tenant (a previous run's), and what
    hangs on them, table by table; every import job; and the tenant's events."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "SELECT id FROM crm_customer WHERE tenant_id = %s ORDER BY id OFFSET %s LIMIT 1",
            [tenant.pk, keep],
        )
        first = cur.fetchone()
        if first is not None:
            for table in (
                "crm_importrecord",
                "crm_customertagchange",
                "crm_customertag",
                "customfields_fieldhistory",
                "crm_segmentmembership",
                "crm_segmentchange",
            ):
                cur.execute(
                    f"DELETE FROM {table} WHERE tenant_id = %s AND customer_id >= %s",
                    [tenant.pk, first[0]],
                )
            cur.execute(
                "DELETE FROM crm_customer WHERE tenant_id = %s AND id >= %s", [tenant.pk, first[0]]
            )
        for table in ("crm_importrecord", "crm_importrowerror", "crm_importjob"):
            cur.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])
        cur.execute("DELETE FROM crm_importfilechunk WHERE tenant_id = %s", [tenant.pk])
        cur.execute("DELETE FROM crm_importfile WHERE tenant_id = %s", [tenant.pk])
        cur.execute("DELETE FROM tenancy_outboxevent WHERE tenant_id = %s", [tenant.pk])
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE crm_customer")
        cur.execute("VACUUM ANALYZE tenancy_outboxevent")


def commit_owner():
    """The connection class: its `commit` is every thread's (the batches' writer has its own
    connection)."""
    from django.db import connection

    return type(connection._connections[connection._alias])


def phase_timers():
    """Wall time in the run's parts (checking rows, writing customers, the side tables, …),
    summed over the threads (the batches' writer runs beside the reading and checking)."""
    from bench.lib.timing import Timers
    from crm.services.imports import copying, customer_writer, pipeline, tagging, validate

    timers = Timers()
    timers.wrap(pipeline, "count_rows", "count rows")  # pipeline calls it by its own name
    timers.wrap(pipeline._Matcher, "__init__", "load the match index")
    timers.wrap(validate.RowChecker, "check", "check rows")
    timers.wrap(customer_writer.CustomerWriter, "_insert", "insert customers (with score)")
    timers.wrap(tagging.CustomerTagLinks, "link_new", "tag links + timeline rows")
    # The writers call these through their module (copying.copy_in), so the wrap sees them all.
    timers.wrap(copying, "copy_in", "COPY side tables (links, tag changes, events)")
    timers.wrap(copying, "copy_events", "outbox events (COPY)")
    timers.wrap(customer_writer, "customers_changed", "rules and segments")
    timers.wrap(pipeline._Run, "_record", "job counts and row errors")
    timers.wrap(pipeline._Run, "check", "read + check a batch (main thread)")
    timers.wrap(pipeline._Run, "write", "write a batch (writer thread, commit apart)")
    timers.wrap(pipeline, "_write_batch", "write a batch with its commit")
    # The batches' commits: the deferred foreign-key checks run there.
    timers.wrap(commit_owner(), "commit", "commits (deferred foreign-key checks)")
    return timers


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        (pid,) = cur.fetchone()
    return pid


def backend_cpu(pid: int | None = None) -> float:
    """CPU seconds (user + system) of a PostgreSQL backend so far (this thread's connection's
    by default), read from /proc (the database runs on this machine): with the process's own
    CPU, a figure of the work done that the shared machine's load does not inflate as it
    does wall time."""
    try:
        with open(f"/proc/{pid or backend_pid()}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendCPU:
    """The CPU seconds of every backend the run uses — this thread's connection and the
    batches' writer's — and of each backend inside the batch-level parts (a /proc read before
    and after each call: only parts called a few times per batch)."""

    def __init__(self):
        from crm.services.imports import copying, customer_writer, pipeline

        self.local = threading.local()
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.parts: dict[str, float] = {}
        self._see()
        self._wrap(pipeline, "_write_batch", None)
        self._wrap(customer_writer.CustomerWriter, "_insert", "insert customers (with score)")
        self._wrap(copying, "copy_in", "COPY side tables (links, tag changes, events)")
        self._wrap(commit_owner(), "commit", "commits (deferred foreign-key checks)")

    def _pid(self) -> int:
        if not hasattr(self.local, "pid"):
            self.local.pid = backend_pid()
        return self.local.pid

    def _see(self) -> float:
        pid = self._pid()
        now = backend_cpu(pid)
        self.first.setdefault(pid, now)
        self.last[pid] = now
        return now

    def _wrap(self, owner, name: str, label: str | None) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = self._see()
            try:
                return original(*args, **kwargs)
            finally:
                spent = self._see() - start
                if label:
                    self.parts[label] = self.parts.get(label, 0.0) + spent

        setattr(owner, name, timed)

    def total(self) -> float:
        self._see()
        return sum(self.last[pid] - self.first[pid] for pid in self.first)


def follow_ups(jobs, db: "BackendCPU") -> dict:
    """Time the import's follow-ups apart (`import_finished`: after a big customer import the
    slot index rebuild, which runs in this process when no broker is configured and on a
    worker otherwise): the job is done, for the person watching it, before they start."""
    done: dict = {}
    real = jobs.import_finished

    def timed(**kwargs):
        done.update(at=time.perf_counter(), cpu=time.process_time(), db=db.total())
        return real(**kwargs)

    jobs.import_finished = timed
    return done


def run_atrium(tenant, path: str) -> dict:
    from crm.models import ImportJob
    from crm.services.imports import import_run, import_start, jobs
    from tenancy.actors import OPERATOR

    timers = phase_timers()
    db = BackendCPU()
    done = follow_ups(jobs, db)
    base = rss_mb()
    cpu = time.process_time()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        job = import_start(
            tenant=tenant,
            by=OPERATOR,
            kind="customers",
            file=handle,
            filename=os.path.basename(path),
            tags=["bench-import"],
            start_run=False,
        )
    stored = time.perf_counter()
    status = import_run(job_id=job.pk)
    finished = time.perf_counter()
    job = ImportJob.objects.get(pk=job.pk)
    assert status == "done", job.failure
    return {
        "variant": "atrium",
        "rows": job.total_rows,
        "created": job.created,
        "errors": job.error_count,
        "store_s": stored - started,
        # To "done" (the job's status and finished_at are written before its follow-ups).
        "run_s": done["at"] - stored,
        "seconds": done["at"] - started,
        "followup_s": finished - done["at"],
        "followup_cpu_s": time.process_time() - done["cpu"],
        "followup_db_cpu_s": db.total() - done["db"],
        "peak_mb": rss_mb(),
        "base_mb": base,
        "cpu_s": done["cpu"] - cpu,
        "db_cpu_s": done["db"],
        "phases": {label: round(seconds, 2) for label, seconds in timers.seconds.items()},
        "db_cpu_parts": {label: round(seconds, 2) for label, seconds in db.parts.items()},
        "backends": len(db.first),
    }


def run_iie(tenant, path: str, rows: int | None) -> dict:
    import tablib
    from import_export import fields, resources, widgets

    from crm.models import Customer
    from customfields.models import FieldDefinition

    definitions = FieldDefinition.objects.for_tenant(tenant)
    widget_for = {
        "number": widgets.DecimalWidget(),
        "date": widgets.DateWidget("%Y-%m-%d"),
        "boolean": widgets.BooleanWidget(),
    }
    core = {
        "first_name": "First name",
        "last_name": "Last name",
        "email": "Email",
        "phone": "Phone",
        "company": "Company",
        "total_purchases": "Total purchases",
    }
    declared = {
        name: fields.Field(attribute=name, column_name=label) for name, label in core.items()
    }
    for d in definitions:
        declared[d.mapped_field_name] = fields.Field(
            attribute=d.mapped_field_name,
            column_name=d.field_label,
            widget=widget_for.get(d.field_type, widgets.CharWidget()),
        )

    class Meta:
        model = Customer
        use_bulk = True
        batch_size = 2000
        skip_diff = True
        import_id_fields = ("email",)
        fields = tuple(declared)

    def get_queryset(self):
        return Customer.objects.filter(tenant=tenant)

    def init_instance(self, row=None):
        return Customer(tenant=tenant)

    Resource = type(
        "CustomerResource",
        (resources.ModelResource,),
        {**declared, "Meta": Meta, "get_queryset": get_queryset, "init_instance": init_instance},
    )
    base = rss_mb()
    started = time.perf_counter()
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if rows:
        text = "\n".join(text.split("\n")[: rows + 1]) + "\n"
    dataset = tablib.Dataset().load(text, format="csv")
    del text
    result = Resource().import_data(dataset, dry_run=False, use_transactions=True)
    finished = time.perf_counter()
    assert not result.has_errors(), result.row_errors()[:3]
    return {
        "variant": "django-import-export (bulk)",
        "rows": len(dataset),
        "created": result.totals.get("new", 0),
        "errors": len(result.invalid_rows),
        "store_s": 0.0,
        "run_s": finished - started,
        "seconds": finished - started,
        "peak_mb": rss_mb(),
        "base_mb": base,
    }


def one(variant: str, rows: int, iie_rows: int | None, drain: bool, serial: bool) -> None:
    """A single run in this process; prints its figures as one JSON line."""
    tenant = setup()
    if serial:
        from crm.services.imports import pipeline

        pipeline.WRITER_THREAD = False
    if not drain:
        from tenancy.events import wakeup

        wakeup._kick = lambda: None  # the workers' drain, not this process's (as with a broker)
    from crm.models import Customer

    existing = int(os.environ.get("IMPORT_BENCH_EXISTING", "200000"))
    clean_up(tenant, existing)
    assert Customer.objects.for_tenant(tenant).count() == existing
    path = csv_path(rows)
    figures = run_atrium(tenant, path) if variant == "atrium" else run_iie(tenant, path, iie_rows)
    figures["drain"], figures["serial"] = drain, serial
    figures["tenant_customers_before"] = existing
    figures["tenant_customers_after"] = Customer.objects.for_tenant(tenant).count()
    print("RESULT " + json.dumps(figures), flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--variant", choices=["atrium", "iie", "all"], default="all")
    parser.add_argument("--iie-rows", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--drain", action="store_true", help="process the events in-process, as without a broker"
    )
    parser.add_argument(
        "--serial", action="store_true", help="write each batch before reading the next"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return one(args.one, args.rows, args.iie_rows, args.drain, args.serial)
    variants = ["atrium", "iie"] if args.variant == "all" else [args.variant]
    results = []
    for variant in variants:
        for _ in range(args.repeat):
            command = [sys.executable, "-m", "bench.imports.run", "--one", variant]
            command += ["--rows", str(args.rows)]
            if args.iie_rows:
                command += ["--iie-rows", str(args.iie_rows)]
            command += ["--drain"] * args.drain + ["--serial"] * args.serial
            out = subprocess.run(command, capture_output=True, text=True, check=False)
            line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
            if line is None:
                print(out.stdout[-2000:], out.stderr[-4000:])
                raise SystemExit(f"{variant} failed")
            results.append(json.loads(line.removeprefix("RESULT ")))
            r = results[-1]
            rate = r["rows"] / r["seconds"]
            print(
                f"{r['variant']:<30} {r['rows']:>8,} rows  {r['seconds']:6.1f} s "
                f"(store {r['store_s']:.1f} s, run {r['run_s']:.1f} s)  {rate:8,.0f} rows/s  "
                f"peak {r['peak_mb']:.0f} MB (after start-up {r['base_mb']:.0f} MB)  "
                f"created {r['created']:,}  {r['tenant_customers_before']:,} → "
                f"{r['tenant_customers_after']:,} in the tenant",
                flush=True,
            )
            if "cpu_s" in r:
                print(
                    f"{'':<30}   CPU: Python {r['cpu_s']:.1f} s + PostgreSQL backend "
                    f"{r['db_cpu_s']:.1f} s ({r.get('backends', 1)} connection(s)) = "
                    f"{r['cpu_s'] + r['db_cpu_s']:.1f} s; "
                    f"load {os.getloadavg()[0]:.2f}"
                )
            if "followup_s" in r:
                print(
                    f"{'':<30}   after done, the follow-ups (slot index rebuild; in this "
                    f"process without a broker): {r['followup_s']:.1f} s, CPU Python "
                    f"{r['followup_cpu_s']:.1f} s + PostgreSQL {r['followup_db_cpu_s']:.1f} s"
                )
            db_parts = r.get("db_cpu_parts", {})
            for label, seconds in r.get("phases", {}).items():
                db = f" (backend CPU {db_parts[label]:.1f} s)" if label in db_parts else ""
                print(f"{'':<30}   {label}: {seconds:.1f} s{db}")
            if r["variant"] == "atrium":
                print(
                    f"{'':<30} vs targets: time {r['seconds'] / TARGET_SECONDS:.2f} of 20 s, "
                    f"rate {rate / TARGET_RATE:.2f}× 10,000/s, "
                    f"memory {r['peak_mb'] / TARGET_MB:.2f} of 300 MB"
                )


if __name__ == "__main__":
    sys.exit(main())
