"""My tasks with 50,000 tasks in the tenant (issue 13's target: ≤ 30 ms).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_tasksbench \\
        .venv/bin/python -m bench.tasks.run [--tasks 50000] [--notes 10000] [--members 20]
        [--customers 20000] [--iterations 50] [--warmup 5] [--reset] [--explain]

One tenant (`tasks-00`, from tenant_create) with `--members` members (one manager, the rest
agents), `--customers` customers, `--tasks` tasks and `--notes` plain notes, bulk-inserted
(deterministic for a seed). Tasks are spread over the members (a tenth unassigned), due from
150 days before today to 60 days after (a third with a time of day), 60% of the past ones done.
Then the page `/tasks/` (the whole Django stack in-process: session, tenant middleware, the
view, the template with the navigation's count) and the selector alone are timed for the
manager, whose own share is about 1/members of the tasks, and for an agent.
"""

import argparse
import os
import random
import time as clock
from datetime import UTC, datetime, time, timedelta

from bench.lib.timing import fmt, load_average, percentile

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_tasksbench"
TENANT_SLUG = "tasks-00"
TARGET_MS = 30.0
BATCH = 10_000


def setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib import createdb

    createdb.main()
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def generate(args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from bench.lib.tables import vacuum_analyze
    from crm.models import Customer, CustomerNote
    from tenancy.models import Membership, Role, Tenant
    from tenancy.services.tenants import tenant_create

    tenant = Tenant.objects.filter(slug=TENANT_SLUG).first()
    if tenant is not None and not args.reset:
        if CustomerNote.objects.filter(tenant=tenant).count() == args.tasks + args.notes:
            return
    if tenant is not None:
        tenant.delete()
        get_user_model().objects.filter(username__startswith=f"{TENANT_SLUG}-").delete()
    started = clock.perf_counter()
    rng = random.Random(args.seed)
    with transaction.atomic():
        tenant = tenant_create(slug=TENANT_SLUG, name="Tasks bench", industry_template=False)
        users = []
        for i in range(args.members):
            user = get_user_model().objects.create(username=f"{TENANT_SLUG}-member{i}")
            Membership.objects.create(
                tenant=tenant, user=user, role=Role.MANAGER if i == 0 else Role.AGENT
            )
            users.append(user)
    now = datetime.now(UTC)
    for start in range(0, args.customers, BATCH):
        Customer.objects.bulk_create(
            Customer(tenant=tenant, first_name=f"C{n}", email=f"c{n}@bench.example")
            for n in range(start, min(start + BATCH, args.customers))
        )
    customer_ids = list(Customer.objects.filter(tenant=tenant).values_list("pk", flat=True))
    today = now.date()

    def row(n: int, is_task: bool) -> CustomerNote:
        created = now - timedelta(days=rng.uniform(0, 400))
        note = CustomerNote(
            tenant=tenant,
            customer_id=rng.choice(customer_ids),
            user=rng.choice(users),
            note=f"Bench {'task' if is_task else 'note'} {n}: call back about the quote",
            is_task=is_task,
            created_at=created,
        )
        if is_task:
            note.assigned_to = None if rng.random() < 0.1 else rng.choice(users)
            note.due_date = today + timedelta(days=rng.randint(-150, 60))
            if rng.random() < 1 / 3:
                note.due_time = time(rng.randint(8, 18), rng.choice((0, 15, 30, 45)))
            if note.due_date < today and rng.random() < 0.6:
                note.is_completed = True
                note.completed_at = datetime.combine(note.due_date, time(12), tzinfo=UTC)
        return note

    kinds = [True] * args.tasks + [False] * args.notes
    rng.shuffle(kinds)
    for start in range(0, len(kinds), BATCH):
        with transaction.atomic():
            CustomerNote.objects.bulk_create(
                row(start + i, is_task) for i, is_task in enumerate(kinds[start : start + BATCH])
            )
    vacuum_analyze("crm_customernote", "crm_customer")
    print(
        f"generated {args.tasks:,} tasks, {args.notes:,} notes, {args.customers:,} customers, "
        f"{args.members} members in {clock.perf_counter() - started:.0f} s"
    )


def time_it(label: str, call, *, iterations: int, warmup: int) -> float:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(iterations):
        start = clock.perf_counter()
        call()
        samples.append((clock.perf_counter() - start) * 1000)
    p50 = percentile(samples, 50)
    print(
        f"  {label:<44} p50 {fmt(p50):>6} ms  p95 {fmt(percentile(samples, 95)):>6} ms  "
        f"min {fmt(min(samples)):>6} ms  ({p50 / TARGET_MS:.2f} × target)"
    )
    return p50


def run(args) -> None:
    from django.db import connection
    from django.test import Client

    from bench.lib.querylog import QueryLog, explain_analyze
    from crm.models import CustomerNote
    from crm.selectors.notes import due_task_count, my_task_counts, my_tasks
    from tenancy.models import Membership

    tenant_notes = CustomerNote.objects.filter(tenant__slug=TENANT_SLUG)
    print(
        f"PostgreSQL, load average {load_average()}; tenant {TENANT_SLUG}: "
        f"{tenant_notes.filter(is_task=True).count():,} tasks, "
        f"{tenant_notes.filter(is_task=False).count():,} notes"
    )
    for username in (f"{TENANT_SLUG}-member0", f"{TENANT_SLUG}-member1"):
        membership = Membership.objects.select_related("tenant", "user").get(
            tenant__slug=TENANT_SLUG, user__username=username
        )
        tenant = membership.tenant
        client = Client()
        client.force_login(membership.user)
        response = client.get("/tasks/")
        assert response.status_code == 200, response.status_code
        counts = my_task_counts(tenant=tenant, membership=membership)
        log = QueryLog()
        with connection.execute_wrapper(log):
            client.get("/tasks/")
        print(
            f"{username} ({membership.role}): {counts}; {log.count} statements per page, "
            f"{fmt(log.ms)} ms inside them"
        )
        time_it(
            "GET /tasks/ (whole page)",
            lambda c=client: c.get("/tasks/"),
            iterations=args.iterations,
            warmup=args.warmup,
        )
        time_it(
            "my_tasks selector (counts + 4 lists)",
            lambda m=membership, t=tenant: my_tasks(tenant=t, membership=m),
            iterations=args.iterations,
            warmup=args.warmup,
        )
        time_it(
            "navigation count (due_task_count)",
            lambda m=membership, t=tenant: due_task_count(tenant=t, membership=m),
            iterations=args.iterations,
            warmup=args.warmup,
        )
        if args.explain:
            _, sql, params = max(log.entries, key=lambda entry: entry[0])
            print(explain_analyze(sql, params))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)
    setup()
    generate(args)
    run(args)


if __name__ == "__main__":
    main()
