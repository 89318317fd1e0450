"""The search bench's data set: one tenant (`search-00`) with 200,000 customers and 100,000
leads (names, emails, phones and companies from bench.lib.vocabulary; a third of the leads
assigned to the bench agent), a manager and an agent, and 2,000 callbacks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_search_bench \\
        .venv/bin/python -m bench.search.data [--reset] [--customers 200000] [--leads 100000]

The tenant comes from tenant_create, the members from member rows; customers, leads and
callbacks go in with COPY (psycopg 3), 50,000 per transaction, `search_text` left to the
database. Deterministic for a seed. Ends with VACUUM (ANALYZE).
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_search_bench"
TENANT_SLUG = "search-00"
CUSTOMERS, LEADS, CALLBACKS = 200_000, 100_000, 2_000
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
LEAD_COLUMNS = (
    "tenant_id first_name last_name email phone company job_title status source_id "
    "assigned_to_id lead_score call_attempts notes created_at updated_at"
).split()
CALLBACK_COLUMNS = (
    "tenant_id lead_id phone reason source status attempts assigned_to_id sla_category "
    "sla_due_at created_at updated_at notes resolution outcome close_reason"
).split()


def setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib import createdb
    from bench.lib.setup import setup_django

    createdb.main()
    setup_django(default_url=DEFAULT_DATABASE_URL)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def ensure_tenant():
    """The tenant, its manager `search-manager` and agent `search-agent`."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from tenancy.models import Membership, Role, Tenant
    from tenancy.services.tenants import tenant_create

    tenant = Tenant.objects.filter(slug=TENANT_SLUG).first()
    if tenant is None:
        with transaction.atomic():
            tenant = tenant_create(slug=TENANT_SLUG, name="Search bench", timezone="UTC")
    for role in (Role.MANAGER, Role.AGENT):
        user, _ = get_user_model().objects.get_or_create(username=f"search-{role}")
        Membership.objects.get_or_create(tenant=tenant, user=user, defaults={"role": role})
    return tenant


def person(rng, number: int) -> tuple[str, str, str, str, str]:
    from bench.lib.vocabulary import COMPANY_NOUNS, COMPANY_PREFIXES, FIRST_NAMES, LAST_NAMES

    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = f"{first.lower()}.{last.lower()}.{number}@example.com" if rng.random() < 0.9 else ""
    phone = f"+4420{rng.randrange(10**7, 10**8)}" if rng.random() < 0.6 else ""
    company = (
        f"{rng.choice(COMPANY_PREFIXES)} {rng.choice(COMPANY_NOUNS)}" if rng.random() < 0.4 else ""
    )
    return first, last, email, phone, company


def load(tenant, *, customers: int, leads: int, seed: int) -> None:
    from bench.lib.copy import CUSTOMER_COLUMNS, copy_rows
    from crm.models import Customer, Lead, LeadSource
    from tenancy.models import Membership

    agent_id = Membership.objects.get(tenant=tenant, role="agent").user_id
    rng = random.Random(f"{seed}:search")
    if not Customer.objects.for_tenant(tenant).exists():

        def customer(i):
            first, last, email, phone, company = person(rng, i)
            created = ANCHOR - timedelta(seconds=rng.randrange(3 * 365 * 86_400))
            return (tenant.pk, first, last, email, phone, company, "", 0, 0, 0, "0.00", "{}",
                    created, created)  # fmt: skip

        copy_rows("crm_customer", CUSTOMER_COLUMNS, customers, customer)
    if not Lead.objects.for_tenant(tenant).exists():
        source_id = LeadSource.objects.get(tenant=tenant, is_default=True).pk

        def lead(i):
            first, last, email, phone, company = person(rng, i)
            if not email and not phone:
                email = f"lead{i}@example.com"
            created = ANCHOR - timedelta(seconds=rng.randrange(2 * 365 * 86_400))
            assigned = agent_id if rng.random() < 0.33 else None
            return (tenant.pk, first, last, email, phone, company, "", "NEW", source_id,
                    assigned, rng.randint(0, 100), 0, "", created, created)  # fmt: skip

        copy_rows("crm_lead", LEAD_COLUMNS, leads, lead)
    load_callbacks(tenant, agent_id=agent_id, rng=rng)


def load_callbacks(tenant, *, agent_id: int, rng) -> None:
    from bench.lib.copy import copy_rows
    from callbacks.models import CallbackRequest
    from crm.models import Lead

    if CallbackRequest.objects.for_tenant(tenant).exists():
        return
    lead_ids = list(Lead.objects.for_tenant(tenant).values_list("pk", flat=True)[:CALLBACKS])

    def callback(i):
        created = ANCHOR - timedelta(hours=rng.randrange(24 * 60))
        assigned = agent_id if i % 3 == 0 else None
        return (tenant.pk, lead_ids[i], f"+4420{rng.randrange(10**7, 10**8)}", "support",
                "manual", "pending", 0, assigned, "low", created + timedelta(hours=72),
                created, created, "", "", "", "")  # fmt: skip

    copy_rows("callbacks_callbackrequest", CALLBACK_COLUMNS, len(lead_ids), callback)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--leads", type=int, default=LEADS)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    setup()
    started = time.perf_counter()
    tenant = ensure_tenant()
    if args.reset:
        from django.db import connection

        with connection.cursor() as cur:
            for table in ("callbacks_callbackrequest", "crm_lead", "crm_customer"):
                cur.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])
    load(tenant, customers=args.customers, leads=args.leads, seed=args.seed)
    from bench.lib.tables import vacuum_analyze

    vacuum_analyze("crm_customer", "crm_lead", "callbacks_callbackrequest")
    print(f"data set ready in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
    sys.exit(0)
