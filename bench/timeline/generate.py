"""The timeline bench's data set: one tenant (`tl-00`) with N customers (200,000 by default),
each with a little background history (field changes, tag changes, a sent message and an open,
every tenth a lead with activity), and one customer, `Busy`, with E events (10,000 by default)
spread over every kind that has a provider: field changes 30%, tag changes 10%, activity of its
3 leads 20% and their milestone entries 5%, the log of its 4 callbacks 10%, messages sent 5%
(one campaign each) and opens, clicks, conversions and unsubscribes 20%.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_tlbench \\
        .venv/bin/python -m bench.timeline.generate [--customers 200000] [--events 10000]

The background rows go in with COPY, 50,000 per transaction and without foreign-key checks
(bench.lib.copy: ~30 s for 200,000 customers' worth), the busy customer's with bulk_create
(the services are not what this measures); times are spread over the last two years, many of
the busy customer's events share a second with another (ties). Deterministic for a seed. Ends
with VACUUM (ANALYZE). The database is dropped and made again first."""

import argparse
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_tlbench"
TENANT_SLUG = "tl-00"
BATCH = 5_000
NOW = datetime(2026, 1, 1, tzinfo=UTC)
SPAN = 2 * 365 * 24 * 3600  # seconds


def setup() -> None:
    """A fresh database each time (dropped and created again: this scenario owns it)."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    from bench.lib import createdb

    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop '{name}': a bench database's name contains 'bench'.")
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    createdb.main()
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def moment(rng: random.Random) -> datetime:
    # Whole seconds, so that ties between events are common.
    return NOW - timedelta(seconds=rng.randrange(SPAN))


def bulk(model, rows) -> list:
    made = []
    for start in range(0, len(rows), BATCH):
        made += model.objects.bulk_create(rows[start : start + BATCH])
    return made


def background(tenant, customers: int, rng, *, source, channel, ctype, status) -> None:
    """Every customer's little history, by COPY: a field change, a tag change and a message
    sent (half of them opened); every tenth customer a lead with one activity."""
    from bench.lib.copy import CUSTOMER_COLUMNS, copy_rows, ids_in_order
    from campaigns.models import Campaign

    tid = tenant.pk

    def customer(n):
        return (tid, f"C{n}", "", f"c{n}@example.com", "", "", "", 0, 0, 0, 0, "{}", NOW, NOW)

    copy_rows("crm_customer", CUSTOMER_COLUMNS, customers, customer)
    people = ids_in_order("crm_customer", "tenant_id = %s", [tid])
    copy_rows(
        "customfields_fieldhistory",
        "tenant_id customer_id field_key field_label new_value reason changed_at".split(),
        customers,
        lambda n: (tid, people[n], "tier", "Tier", "gold", "", moment(rng)),
    )
    copy_rows(
        "crm_customertagchange",
        "tenant_id customer_id tag_name added changed_at".split(),
        customers,
        lambda n: (tid, people[n], "vip", True, moment(rng)),
    )

    newsletter = Campaign.objects.create(
        name="Newsletter", campaign_type=ctype, status=status, tenant=tenant
    )
    sent_at = [moment(rng) for _ in range(customers)]

    def execution(n):
        key = uuid.UUID(int=rng.getrandbits(128), version=4)
        return (tid, newsletter.pk, people[n], channel.pk, "", "", "sent", "", key, 0, "", "", 0,
                sent_at[n], sent_at[n])  # fmt: skip

    copy_rows(
        "campaigns_campaignexecution",
        (
            "tenant_id campaign_id customer_id channel_id variant address status skip_reason "
            "idempotency_key attempts last_error provider_message_id cost created_at sent_at"
        ).split(),
        customers,
        execution,
    )
    executions = ids_in_order("campaigns_campaignexecution", "campaign_id = %s", [newsletter.pk])

    def opened(n):  # every second message
        return (tid, newsletter.pk, executions[2 * n], people[2 * n], "open", "", "",
                sent_at[2 * n] + timedelta(hours=1))  # fmt: skip

    copy_rows(
        "campaigns_campaignresponse",
        "tenant_id campaign_id execution_id customer_id kind url note occurred_at".split(),
        (customers + 1) // 2,
        opened,
    )

    def lead(n):  # every tenth customer
        return (tid, people[10 * n], f"C{10 * n}", "", f"c{10 * n}@example.com", "", "", "",
                "NEW", source.pk, 50, 0, "", NOW, NOW)  # fmt: skip

    copy_rows(
        "crm_lead",
        (
            "tenant_id customer_id first_name last_name email phone company job_title status "
            "source_id lead_score call_attempts notes created_at updated_at"
        ).split(),
        (customers + 9) // 10,
        lead,
    )
    leads = ids_in_order("crm_lead", "tenant_id = %s", [tid])
    copy_rows(
        "crm_leadactivity",
        "tenant_id lead_id kind message changes created_at".split(),
        len(leads),
        lambda n: (tid, leads[n], "created", "Lead created.", "{}", moment(rng)),
    )


def build(customers: int, events: int, seed: int) -> None:
    from django.db import transaction

    from bench.lib.copy import skip_reference_checks
    from callbacks.models import CallbackActivity, CallbackRequest
    from campaigns.models import (
        Campaign,
        CampaignChannel,
        CampaignExecution,
        CampaignResponse,
        CampaignStatus,
        CampaignType,
    )
    from crm.models import Customer, CustomerTagChange, Lead, LeadActivity, LeadSource
    from customfields.models import FieldHistory
    from tenancy.services.tenants import tenant_create

    rng = random.Random(seed)
    tenant = tenant_create(slug=TENANT_SLUG, name="Timeline bench", timezone="UTC")
    t = {"tenant": tenant}
    source = LeadSource.objects.get(tenant=tenant, is_default=True, deleted_at__isnull=True)
    channel = CampaignChannel.objects.filter(tenant=tenant, kind="email").first()
    ctype = CampaignType.objects.filter(tenant=tenant).first()
    status = CampaignStatus.objects.filter(tenant=tenant).first()

    start = time.perf_counter()
    background(tenant, customers, rng, source=source, channel=channel, ctype=ctype, status=status)
    print(f"background history: {time.perf_counter() - start:.0f} s")

    with transaction.atomic():
        skip_reference_checks()
        busy = Customer.objects.create(first_name="Busy", last_name="Customer", **t)
        share = {
            k: int(events * p)
            for k, p in (
                ("field", 0.30),
                ("tag", 0.10),
                ("lead", 0.20),
                ("milestone", 0.05),
                ("callback", 0.10),
                ("sent", 0.05),
            )
        }
        share["response"] = events - sum(share.values())
        stamp = [moment(rng) for _ in range(events // 2)]  # half as many moments: ties

        def when():
            return rng.choice(stamp)

        bulk(
            FieldHistory,
            [
                FieldHistory(
                    customer=busy,
                    field_key="tier",
                    field_label="Tier",
                    old_value=str(n),
                    new_value=str(n + 1),
                    changed_at=when(),
                    **t,
                )
                for n in range(share["field"])
            ],
        )
        bulk(
            CustomerTagChange,
            [
                CustomerTagChange(
                    customer=busy, tag_name=f"tag{n % 30}", added=n % 2 == 0, changed_at=when(), **t
                )
                for n in range(share["tag"])
            ],
        )
        busy_leads = bulk(
            Lead,
            [
                Lead(
                    first_name="Busy",
                    email=f"busy{n}@example.com",
                    source=source,
                    customer=busy,
                    **t,
                )
                for n in range(3)
            ],
        )
        bulk(
            LeadActivity,
            [
                LeadActivity(
                    lead=busy_leads[n % 3],
                    kind="note" if n % 3 else "status",
                    message=f"Activity {n}",
                    created_at=when(),
                    **t,
                )
                for n in range(share["lead"])
            ]
            + [
                LeadActivity(
                    lead=busy_leads[n % 3],
                    kind="milestone",
                    message=f"Milestone {n}",
                    created_at=when(),
                    **t,
                )
                for n in range(share["milestone"])
            ],
        )
        callbacks = bulk(
            CallbackRequest,
            [
                CallbackRequest(customer=busy, phone="+15550001234", reason="support", **t)
                for _ in range(4)
            ],
        )
        bulk(
            CallbackActivity,
            [
                CallbackActivity(
                    callback=callbacks[n % 4],
                    kind="note",
                    message=f"Call {n}",
                    created_at=when(),
                    **t,
                )
                for n in range(share["callback"])
            ],
        )
        campaigns = bulk(
            Campaign,
            [
                Campaign(name=f"Campaign {n}", campaign_type=ctype, status=status, **t)
                for n in range(share["sent"])
            ],
        )
        executions = bulk(
            CampaignExecution,
            [
                CampaignExecution(
                    campaign=c, customer=busy, channel=channel, status="sent", sent_at=when(), **t
                )
                for c in campaigns
            ],
        )
        kinds = ("open", "click", "conversion", "unsubscribe", "open", "click")
        bulk(
            CampaignResponse,
            [
                CampaignResponse(
                    campaign_id=executions[n % len(executions)].campaign_id,
                    customer=busy,
                    kind=kinds[n % len(kinds)],
                    occurred_at=when(),
                    **t,
                )
                for n in range(share["response"])
            ],
        )
    print(
        f"busy customer #{busy.pk}: {events:,} events; all in {time.perf_counter() - start:.0f} s"
    )
    from bench.lib.tables import vacuum_analyze

    vacuumed = time.perf_counter()
    vacuum_analyze(
        "crm_customer",
        "customfields_fieldhistory",
        "crm_customertagchange",
        "crm_lead",
        "crm_leadactivity",
        "callbacks_callbackrequest",
        "callbacks_callbackactivity",
        "campaigns_campaignexecution",
        "campaigns_campaignresponse",
    )
    print(
        f"VACUUM (ANALYZE) in {time.perf_counter() - vacuumed:.0f} s; "
        f"data set ready in {time.perf_counter() - start:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    setup()
    build(args.customers, args.events, args.seed)


if __name__ == "__main__":
    main()
