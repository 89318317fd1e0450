"""The timeline bench's data set: one tenant (`tl-00`) with N customers (200,000 by default),
each with a little background history (field changes, tag changes, a sent message and an open,
every tenth a lead with activity), and one customer, `Busy`, with E events (10,000 by default)
spread over every kind that has a provider: field changes 30%, tag changes 10%, activity of its
3 leads 20% and their milestone entries 5%, the log of its 4 callbacks 10%, messages sent 5%
(one campaign each) and opens, clicks, conversions and unsubscribes 20%.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_tlbench \\
        .venv/bin/python -m bench.timeline.generate [--customers 200000] [--events 10000]

Rows go in with bulk_create in batches (the services are not what this measures); times are
spread over the last two years, many of the busy customer's events share a second with another
(ties). Deterministic for a seed. Ends with VACUUM (ANALYZE). The database is dropped and made again
first."""

import argparse
import os
import random
import time
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


def build(customers: int, events: int, seed: int) -> None:
    from django.db import transaction

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
    with transaction.atomic():
        people = bulk(
            Customer,
            [
                Customer(first_name=f"C{n}", email=f"c{n}@example.com", **t)
                for n in range(customers)
            ],
        )
        busy = Customer.objects.create(first_name="Busy", last_name="Customer", **t)
        print(f"customers: {customers + 1:,} in {time.perf_counter() - start:.0f} s")

        background_campaign = Campaign.objects.create(
            name="Newsletter", campaign_type=ctype, status=status, **t
        )
        bulk(
            FieldHistory,
            [
                FieldHistory(
                    customer=c,
                    field_key="tier",
                    field_label="Tier",
                    new_value="gold",
                    changed_at=moment(rng),
                    **t,
                )
                for c in people
            ],
        )
        bulk(
            CustomerTagChange,
            [
                CustomerTagChange(
                    customer=c, tag_name="vip", added=True, changed_at=moment(rng), **t
                )
                for c in people
            ],
        )
        sent = bulk(
            CampaignExecution,
            [
                CampaignExecution(
                    campaign=background_campaign,
                    customer=c,
                    channel=channel,
                    status="sent",
                    sent_at=moment(rng),
                    **t,
                )
                for c in people
            ],
        )
        bulk(
            CampaignResponse,
            [
                CampaignResponse(
                    campaign=background_campaign,
                    execution=e,
                    customer_id=e.customer_id,
                    kind="open",
                    occurred_at=e.sent_at + timedelta(hours=1),
                    **t,
                )
                for e in sent[::2]
            ],
        )
        leads = bulk(
            Lead,
            [
                Lead(first_name=c.first_name, email=c.email, source=source, customer=c, **t)
                for c in people[::10]
            ],
        )
        bulk(
            LeadActivity,
            [
                LeadActivity(
                    lead=lead, kind="created", message="Lead created.", created_at=moment(rng), **t
                )
                for lead in leads
            ],
        )
        print(f"background history: {time.perf_counter() - start:.0f} s")

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
