"""Issue 15's duplicates and merge targets over bench.duplicates.data (200,000 customers in
dup-00, 400,000 in the table):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_dupbench \\
        .venv/bin/python -m bench.duplicates.run [--iterations 5] [--merges 10]

- duplicate groups: `duplicate_groups` for every reason (target ≤ 3 s), and for each reason
  alone, with how many groups and how many statements; then the API's first page
  (`customers/duplicates/`), which is the same work plus serialisation;
- `duplicates_of` for one customer (the warning on the create page and the profile);
- a merge of 2 customers with 1,000 attached rows each (notes and tasks, field history, tag
  changes, leads, callbacks, campaign executions and responses; target ≤ 200 ms). The pair is
  made once (bench-made rows, kept between runs); each merge runs inside a transaction that is
  rolled back after it is timed, so every iteration merges the same pair.
p50/p95 in ms, the median CPU ms (this process and the database backend), the statements of
the last run, the machine's load."""

import argparse
import os
import sys
import time

from .data import DEFAULT_DATABASE_URL, TENANT_SLUG

TARGETS_MS = {"groups": 3_000, "merge": 200}
ATTACHED = {
    "notes": 250,
    "tasks": 50,
    "history": 250,
    "tag_changes": 100,
    "leads": 100,
    "callbacks": 50,
    "executions": 50,
    "responses": 150,
}
PAIR_EMAIL = "merge-bench-{}@bench.example"


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and, when the database server runs on this
    machine, by the connection's backend (/proc/<pid>/stat): a figure the machine's load moves
    far less than the wall time."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    used = time.process_time()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # a remote server: this process only
        return used
    return used + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Figures:
    def __init__(self):
        self.samples: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.statements: dict[str, int] = {}
        self.notes: dict[str, str] = {}

    def time(self, label, fn):
        from django.db import connection

        from bench.lib.querylog import QueryLog

        log = QueryLog()
        cpu = cpu_seconds()
        with connection.execute_wrapper(log):
            started = time.perf_counter()
            result = fn()
            ms = (time.perf_counter() - started) * 1000
        self.cpu.setdefault(label, []).append((cpu_seconds() - cpu) * 1000)
        self.samples.setdefault(label, []).append(ms)
        self.statements[label] = log.count
        return result

    def row(self, label, target=None) -> str:
        from bench.lib.timing import fmt, percentile

        ts = self.samples[label]
        p50 = percentile(ts, 50)
        out = (
            f"{label:<40} {fmt(p50):>9} {fmt(percentile(ts, 95)):>9} "
            f"{fmt(percentile(self.cpu[label], 50)):>9} {len(ts):>3} {self.statements[label]:>5}"
        )
        if target:
            out += f"  {p50 / target:5.2f}× target {target:,} ms"
        if label in self.notes:
            out += f"  {self.notes[label]}"
        return out


def header() -> str:
    return f"{'scenario':<40} {'p50 ms':>9} {'p95 ms':>9} {'cpu ms':>9} {'n':>3} {'stmts':>5}"


def make_pair(tenant):
    """Two customers with ATTACHED rows each (made once, in one transaction; found again on
    later runs)."""
    from django.db import transaction

    with transaction.atomic():
        return _make_pair(tenant)


def _make_pair(tenant):
    from django.utils import timezone

    from callbacks.models import CallbackRequest
    from callbacks.services.requests import callback_create
    from campaigns.models import CampaignChannel, CampaignExecution, CampaignResponse
    from campaigns.services.campaigns import campaign_create
    from crm.models import Customer, CustomerNote, CustomerTagChange, Lead, LeadSource
    from crm.services.customers import customer_create
    from customfields.models import FieldHistory
    from tenancy.actors import OPERATOR

    pair = list(
        Customer.objects.for_tenant(tenant)
        .filter(email__in=[PAIR_EMAIL.format(i) for i in (1, 2)])
        .order_by("pk")
    )
    if len(pair) == 2:
        return pair
    Customer.objects.filter(pk__in=[c.pk for c in pair]).delete()
    Lead.objects.filter(tenant=tenant, email__endswith="@bench.example").delete()
    pair = [
        customer_create(
            tenant=tenant,
            by=OPERATOR,
            data={
                "first_name": "Merge",
                "last_name": f"Bench {i}",
                "email": PAIR_EMAIL.format(i),
                "phone": f"+4912345678{i}",
            },
            custom_fields={"city": f"City {i}"},
        )
        for i in (1, 2)
    ]
    email = CampaignChannel.objects.get(tenant=tenant, channel_code="EMAIL")
    campaigns = [
        campaign_create(
            tenant=tenant,
            by=OPERATOR,
            data={"name": f"Merge bench {i}"},
            channels=[email],
            contents=[{"channel": email, "subject": "Hi", "body": "<p>Hello</p>"}],
        )
        for i in range(ATTACHED["executions"])
    ]
    source = LeadSource.objects.get(tenant=tenant, is_default=True, deleted_at__isnull=True)
    now = timezone.now()
    for customer in pair:
        CustomerNote.objects.bulk_create(
            [CustomerNote(tenant=tenant, customer=customer, note=f"Note {i}")
             for i in range(ATTACHED["notes"])]
            + [CustomerNote(tenant=tenant, customer=customer, note=f"Task {i}", is_task=True)
               for i in range(ATTACHED["tasks"])]
        )  # fmt: skip
        FieldHistory.objects.bulk_create(
            FieldHistory(tenant=tenant, customer=customer, field_key="email",
                         field_label="Email", old_value=str(i), new_value=str(i + 1))
            for i in range(ATTACHED["history"])
        )  # fmt: skip
        CustomerTagChange.objects.bulk_create(
            CustomerTagChange(tenant=tenant, customer=customer, tag_name=f"t{i % 10}", added=True)
            for i in range(ATTACHED["tag_changes"])
        )  # fmt: skip
        Lead.objects.bulk_create(
            Lead(tenant=tenant, customer=customer, first_name="L", last_name=str(i),
                 email=f"l{i}.{customer.pk}@bench.example", source=source)
            for i in range(ATTACHED["leads"])
        )  # fmt: skip
        first = callback_create(
            tenant=tenant, by=OPERATOR, data={"customer": customer, "reason": "support"}
        )
        for _ in range(ATTACHED["callbacks"] - 1):
            first.pk = None
            first.save()
        executions = CampaignExecution.objects.bulk_create(
            CampaignExecution(tenant=tenant, campaign=c, customer=customer, channel=email)
            for c in campaigns
        )
        CampaignResponse.objects.bulk_create(
            CampaignResponse(tenant=tenant, campaign=e.campaign, execution=e, customer=customer,
                             kind="open", occurred_at=now)
            for e in executions
            for _ in range(ATTACHED["responses"] // ATTACHED["executions"])
        )  # fmt: skip
    assert CallbackRequest.objects.filter(customer__in=pair).count() == 2 * ATTACHED["callbacks"]
    return pair


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--merges", type=int, default=10)
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from django.conf import settings
    from django.db import connection, transaction
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from bench.lib.timing import load_average
    from crm.models import Customer
    from crm.selectors.duplicates import duplicate_groups, duplicates_of
    from crm.services.merge import customer_merge, merge_counts
    from tenancy.models import Membership, Role, Tenant
    from tests.factories import UserFactory

    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    total = Customer.objects.for_tenant(tenant).count()
    membership = Membership.objects.filter(tenant=tenant, role=Role.MANAGER).first()
    if membership is None:
        user = UserFactory(username="dup-bench-manager")
        membership = Membership.objects.create(tenant=tenant, user=user, role=Role.MANAGER)
    fig = Figures()
    print(f"{connection.settings_dict['NAME']}: {total:,} customers in {TENANT_SLUG}, "
          f"{Customer.objects.count():,} in the table; load {load_average()}")  # fmt: skip

    duplicate_groups(tenant=tenant)  # warm up
    for _ in range(args.iterations):
        groups = fig.time("duplicate groups (all reasons)", lambda: duplicate_groups(tenant=tenant))
    counts = {r: sum(1 for g in groups if g.reason == r) for r in ("email", "phone", "name")}
    sizes = sum(len(g.customers) for g in groups)
    fig.notes["duplicate groups (all reasons)"] = (
        f"{len(groups):,} groups ({', '.join(f'{r} {n:,}' for r, n in counts.items())}; "
        f"{sizes:,} customers)"
    )
    for reason in ("email", "phone", "name"):
        for _ in range(args.iterations):
            fig.time(f"  {reason} only", lambda r=reason: duplicate_groups(tenant=tenant, reason=r))

    settings.ALLOWED_HOSTS = ["*"]
    token, _ = Token.objects.get_or_create(user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    for _ in range(args.iterations):
        response = fig.time("API customers/duplicates/ page 1", lambda: client.get(
            "/api/v1/customers/duplicates/", HTTP_X_TENANT_ID=tenant.slug))  # fmt: skip
        assert response.status_code == 200, response.content[:300]

    someone = Customer.objects.for_tenant(tenant).exclude(company="").order_by("pk")[1000]
    for _ in range(args.iterations * 4):
        fig.time(
            "duplicates_of one customer", lambda: duplicates_of(tenant=tenant, customer=someone)
        )

    keep, dup = make_pair(tenant)
    moving = sum(merge_counts(tenant=tenant, duplicate_ids=[dup.pk]).values())
    fig.notes["merge 2 customers"] = f"{moving:,} rows attached to the duplicate move"

    class Rollback(Exception):
        pass

    for i in range(args.merges + 1):
        try:
            with transaction.atomic():
                keep.refresh_from_db()
                if i == 0:  # warm-up
                    customer_merge(tenant=tenant, by=membership, keep=keep, duplicates=[dup.pk])
                else:
                    fig.time("merge 2 customers", lambda: customer_merge(
                        tenant=tenant, by=membership, keep=keep, duplicates=[dup.pk]))  # fmt: skip
                raise Rollback
        except Rollback:
            pass
    assert Customer.objects.filter(pk=dup.pk).exists()

    print(header())
    print(fig.row("duplicate groups (all reasons)", TARGETS_MS["groups"]))
    for reason in ("email", "phone", "name"):
        print(fig.row(f"  {reason} only"))
    print(fig.row("API customers/duplicates/ page 1", TARGETS_MS["groups"]))
    print(fig.row("duplicates_of one customer"))
    print(fig.row("merge 2 customers", TARGETS_MS["merge"]))
    print(f"load after: {load_average()}")


if __name__ == "__main__":
    sys.exit(main())
