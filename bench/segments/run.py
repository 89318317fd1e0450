"""Issue 14's speed targets over the segments data set (bench.segments.data): 200,000 customers
of seg-00 in a 1,000,000-customer table, with 50 segments and 20 smart-tag rules active.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_segbench \\
        .venv/bin/python -m bench.segments.run [--iterations 20] [--explain] [--only TEXT]

Made first, once (definitions.py): the tenant's manager, the 20 rules (each applied over the
customers as it is created) and the 50 segments (each built by its rebuild). Then, each against
evaluating the condition live, side by side:
- count and first page of the big segment ("Engaged", ~150,000 members): the selectors, and
  the API route `segments/{id}/customers/` (count + page + serialisation) against the live
  preview route `segments/preview/` (the same condition evaluated: count + first page);
- one `customer_update` with the 50 segments and 20 rules active against the same update with
  them off (the extra is what the issue bounds);
- `segment_rebuild` of the big segment: a first build (its members removed first) and a
  rebuild where nothing changed, against one live evaluation (`count()`) of its condition;
- `customers_bulk_update(add_tags=[…])` of 50,000 customers, then removing the tag again
  (the clean-up, timed too), with the time inside each phase.
Everything it changes is put back (the bench tag and its history, the rebuild's history), so
re-runs are comparable. Each scenario is warmed up; p50/p95 in ms, SQL statements, load."""

import argparse
import os
import random
import statistics
import sys
import time

from .data import DEFAULT_DATABASE_URL, TENANT_SLUG

TARGETS_MS = {"count": 20, "page": 30, "update extra": 15, "rebuild": 10_000, "bulk tag": 10_000}
BULK_SIZE = 50_000
BULK_TAG = "bench-bulk"
BIG = "Engaged"


class Figures:
    """Samples per scenario, and the statements of the last sample."""

    def __init__(self):
        self.samples: dict[str, list[float]] = {}
        self.statements: dict[str, int] = {}
        self.sql_ms: dict[str, list[float]] = {}

    def time(self, label: str, fn, *, keep: bool = True):
        from django.db import connection

        from bench.lib.querylog import QueryLog

        log = QueryLog()
        with connection.execute_wrapper(log):
            started = time.perf_counter()
            result = fn()
            ms = (time.perf_counter() - started) * 1000
        if keep:
            self.samples.setdefault(label, []).append(ms)
            self.statements[label] = log.count
            self.sql_ms.setdefault(label, []).append(log.ms)
        self.last_log = log
        return result

    def row(self, label: str, target: float | None = None, live: str | None = None) -> str:
        from bench.lib.timing import fmt, percentile

        ts = self.samples.get(label, [])
        p50 = percentile(ts, 50)
        out = (
            f"{label:<44} {fmt(p50):>9} {fmt(percentile(ts, 95)):>9} {len(ts):>3} "
            f"{self.statements.get(label, 0):>5} "
            f"{fmt(percentile(self.sql_ms.get(label, []), 50)):>9}"
        )
        if target is not None:
            out += f"  {p50 / target:5.2f}× target {target:,.0f} ms"
        if live is not None and self.samples.get(live):
            out += f"  ({percentile(self.samples[live], 50) / p50:5.1f}× faster than live)"
        return out


def header() -> str:
    return f"{'scenario':<44} {'p50 ms':>9} {'p95 ms':>9} {'n':>3} {'stmts':>5} {'sql ms':>9}"


def reads(fig: Figures, tenant, membership, segment, q, *, iterations: int, warmup: int) -> None:
    from django.conf import settings
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from crm.models import Customer
    from crm.selectors.segments import segment_customers, segment_for

    settings.ALLOWED_HOSTS = ["*"]
    token, _ = Token.objects.get_or_create(user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    page = settings.REST_FRAMEWORK["PAGE_SIZE"]
    live = Customer.objects.for_tenant(tenant).filter(q)
    url = f"/api/v1/segments/{segment.pk}/customers/"

    def api(path, **kwargs):
        def call():
            response = (client.post if kwargs else client.get)(path, **kwargs)
            assert response.status_code == 200, (path, response.status_code, response.content[:300])
            return response

        return call

    scenarios = {
        "count: selector (stored)": lambda: (
            segment_for(tenant=tenant, membership=membership, pk=segment.pk).customer_count
        ),
        "count: live Customer.filter(q).count()": live.count,
        "first page: selector (stored)": lambda: list(
            segment_customers(tenant=tenant, segment=segment)[:page]
        ),
        "first page: live filter(q)[:page]": lambda: list(
            live.order_by("-created_at", "-id")[:page]
        ),
        "API segments/{id}/customers/": api(url),
        "API segments/preview/ (live)": api(
            "/api/v1/segments/preview/", data={"conditions": segment.conditions}, format="json"
        ),
    }
    for round_ in range(warmup + iterations):
        for label, fn in scenarios.items():  # round-robin: a burst of load is shared out
            fig.time(label, fn, keep=round_ >= warmup)


def updates(fig: Figures, tenant, membership, *, iterations: int, warmup: int) -> None:
    """One customer_update (company and the custom field `points`: read by segments), with
    every rule and segment on, then off; the customers changed while off are caught up after."""
    from crm.models import Customer
    from crm.services.customers import customer_update

    from .definitions import catch_up, set_active

    rng = random.Random(14)
    ids = list(Customer.objects.for_tenant(tenant).values_list("pk", flat=True)[::997])
    off_ids = []
    try:
        for round_ in range(warmup + iterations):
            for label, on in (("update: 50 segments + 20 rules", True), ("update: none", False)):
                pk = rng.choice(ids)
                set_active(tenant, on)
                customer = Customer.objects.get(pk=pk)
                data = {"company": rng.choice(["Acme", "Globex", "Hooli", "Initech"])}
                values = {"points": rng.randint(0, 5000)}
                fig.time(
                    label,
                    lambda c=customer, d=data, v=values: customer_update(
                        customer=c, by=membership, data=d, custom_fields=v
                    ),
                    keep=round_ >= warmup,
                )
                if not on:
                    off_ids.append(pk)
    finally:
        set_active(tenant, True)
        catch_up(tenant, off_ids, membership)


def rebuilds(fig: Figures, tenant, segment, q, *, iterations: int) -> None:
    """A new segment's first build (members removed and `rebuilt_at` cleared: no history rows),
    a rebuild with nothing to change, and a rebuild in which every member enters (members removed
    from a built segment: a history row each), each run `iterations` times; the history rows
    written are removed again."""
    from django.db import connection
    from django.utils import timezone

    from crm.models import Customer, SegmentChange, SegmentMembership
    from crm.services.segments import segment_rebuild

    started = timezone.now()
    live = Customer.objects.for_tenant(tenant).filter(q).count
    fig.time("rebuild: live count() of the condition", live)
    from crm.models import Segment

    def emptied(*, new: bool) -> None:
        SegmentMembership.objects.filter(tenant=tenant, segment=segment)._raw_delete("default")
        if new:
            Segment.objects.filter(pk=segment.pk).update(rebuilt_at=None)
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE) crm_segmentmembership")

    def rebuild(label: str) -> None:
        status = fig.time(label, lambda: segment_rebuild(segment_id=segment.pk))
        assert status == "idle", status

    for _ in range(iterations):
        emptied(new=True)
        rebuild("rebuild: first build")
        rebuild("rebuild: nothing changed")
        emptied(new=False)
        rebuild("rebuild: everyone enters")
        fig.time("rebuild: live count() of the condition", live)
    history = SegmentChange.objects.filter(tenant=tenant, segment=segment, at__gte=started)
    history._raw_delete("default")


def bulk(fig: Figures, tenant, membership, *, iterations: int, phases) -> None:
    """Tag 50,000 customers (those with room for one more tag, spread over the tenant) and
    untag them again; the tag's history rows and the tag go afterwards."""
    from django.db.models import Count, Q

    from crm.models import Customer, CustomerTagChange, Tag
    from crm.services.bulk import customers_bulk_update
    from crm.services.tags import MAX_TAGS

    roomy = (
        Customer.objects.for_tenant(tenant)
        .annotate(n=Count("tags", filter=Q(tags__tenant=tenant)))
        .filter(n__lt=MAX_TAGS)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ids = list(roomy)
    step = max(1, len(ids) // BULK_SIZE)
    ids = ids[::step][:BULK_SIZE]
    for _ in range(iterations):
        phases.reset()
        n = fig.time(
            "bulk tag 50K",
            lambda: customers_bulk_update(
                tenant=tenant, by=membership, customer_ids=ids, add_tags=[BULK_TAG]
            ),
        )
        assert n == len(ids), n
        print(f"  bulk tag phases: {phases.report()}")
        phases.reset()
        fig.time(
            "bulk untag 50K (clean-up)",
            lambda: customers_bulk_update(
                tenant=tenant, by=membership, customer_ids=ids, remove_tags=[BULK_TAG]
            ),
        )
        print(f"  bulk untag phases: {phases.report()}")
        CustomerTagChange.objects.filter(tenant=tenant, tag_name=BULK_TAG)._raw_delete("default")
    Tag.objects.for_tenant(tenant).filter(name=BULK_TAG).delete()


class Phases:
    """Wall time inside the bulk edit's steps."""

    def __init__(self):
        from bench.lib.timing import Timers
        from crm.services import bulk, reactions

        self.timers = Timers()
        self.timers.wrap(bulk, "_retag", "tags")
        self.timers.wrap(bulk, "customers_changed", "rules+segments")
        self.timers.wrap(reactions, "rules_reapply", "  rules")
        self.timers.wrap(reactions, "segments_reevaluate", "  segments")
        self.timers.wrap(bulk, "score_expression", "score expr")

    def reset(self):
        self.timers.seconds.clear()
        self.timers.calls.clear()

    def report(self) -> str:
        return ", ".join(f"{k} {v:.2f} s" for k, v in self.timers.seconds.items())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--heavy-iterations", type=int, default=2, help="rebuilds and bulk tags")
    parser.add_argument("--only", default="", help="reads, updates, rebuilds, bulk (comma list)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the live and stored reads")
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="skip VACUUM (ANALYZE) of the membership table before the reads (autovacuum's work:"
        " without it the index-only count visits the heap)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from bench.lib.environment import environment
    from bench.lib.querylog import explain_analyze
    from bench.lib.timing import load_average
    from crm.conditions import compile_condition
    from crm.models import Customer, Segment
    from tenancy.models import Tenant

    from . import definitions

    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    membership = definitions.ensure_manager(tenant)
    definitions.ensure_rules(tenant, membership)
    segments = definitions.ensure_segments(tenant, membership)
    definitions.set_active(tenant, True)
    env = environment()
    print(
        f"PostgreSQL {env['postgresql']} {env['pg_settings']}; {env['cpus']} CPUs; "
        f"Python {env['python']}, Django {env['django']}"
    )
    print(
        f"{Customer.objects.count():,} customers in the table, "
        f"{Customer.objects.for_tenant(tenant).count():,} of {TENANT_SLUG}; "
        f"{len(segments)} segments, 20 rules; load average {load_average()}"
    )
    segment = Segment.objects.get(tenant=tenant, name=BIG)
    q = compile_condition(segment.conditions, tenant=tenant, segment_id=segment.pk)
    only = set(filter(None, args.only.split(",")))
    fig = Figures()
    loads = {}
    if not only or "reads" in only:
        if not args.no_vacuum:
            from bench.lib.tables import vacuum_analyze

            vacuum_analyze("crm_segmentmembership", "crm_customertag")
            print("VACUUM (ANALYZE) crm_segmentmembership, crm_customertag done")
        reads(fig, tenant, membership, segment, q, iterations=args.iterations, warmup=args.warmup)
        loads["reads"] = load_average()
    if not only or "updates" in only:
        updates(fig, tenant, membership, iterations=args.iterations, warmup=args.warmup)
        loads["updates"] = load_average()
    if not only or "rebuilds" in only:
        rebuilds(fig, tenant, segment, q, iterations=args.heavy_iterations)
        loads["rebuilds"] = load_average()
    if not only or "bulk" in only:
        bulk(fig, tenant, membership, iterations=args.heavy_iterations, phases=Phases())
        loads["bulk"] = load_average()

    print(f"\n{header()}")
    lines = [
        ("count: selector (stored)", TARGETS_MS["count"], "count: live Customer.filter(q).count()"),
        ("count: live Customer.filter(q).count()", None, None),
        ("first page: selector (stored)", TARGETS_MS["page"], "first page: live filter(q)[:page]"),
        ("first page: live filter(q)[:page]", None, None),
        ("API segments/{id}/customers/", TARGETS_MS["page"], "API segments/preview/ (live)"),
        ("API segments/preview/ (live)", None, None),
        ("update: 50 segments + 20 rules", None, None),
        ("update: none", None, None),
        ("rebuild: first build", TARGETS_MS["rebuild"], None),
        ("rebuild: nothing changed", TARGETS_MS["rebuild"], None),
        ("rebuild: everyone enters", TARGETS_MS["rebuild"], None),
        ("rebuild: live count() of the condition", None, None),
        ("bulk tag 50K", TARGETS_MS["bulk tag"], None),
        ("bulk untag 50K (clean-up)", TARGETS_MS["bulk tag"], None),
    ]
    for label, target, live in lines:
        if fig.samples.get(label):
            print(fig.row(label, target, live))
    on, off = fig.samples.get("update: 50 segments + 20 rules"), fig.samples.get("update: none")
    if on and off:
        extra = statistics.median(on) - statistics.median(off)
        print(
            f"{'update: extra (p50 on − p50 off)':<44} {extra:>9.1f}"
            f"{'':>27}  {extra / TARGETS_MS['update extra']:5.2f}× target 15 ms"
        )
    print(f"load average after each part: {loads}")
    wrong = definitions.check_memberships(tenant, [segment, *segments[1:5]])
    print("stored membership equals live evaluation:", "yes" if not wrong else wrong)
    if args.explain:
        from crm.selectors.segments import segment_customers

        for title, qs in (
            ("stored first page", segment_customers(tenant=tenant, segment=segment)[:50]),
            ("live count", Customer.objects.for_tenant(tenant).filter(q)),
        ):
            sql, params = qs.query.sql_with_params()
            print(f"\n-- {title}\n{explain_analyze(sql, params)}")


if __name__ == "__main__":
    main()
    sys.exit(0)
