"""The trigger bench's data set: one tenant (`trig-00`) with 50,000 customers, three custom
fields (a number, a text and a date), eight tags spread over them, ten ACTIVE email campaigns
(one per group of triggers) and 100 active triggers over six event types.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_trigbench \\
        .venv/bin/python -m bench.triggers.data [--reset] [--customers 50000] [--seed 16] \\
        [--mix heavy|light]

The tenant comes from tenant_create, the fields from definition_create, the campaigns from
campaign_create + campaign_launch and the triggers from trigger_create (so every condition and
action is checked as the app checks it); the customers and their tags go in with COPY
(bench.lib.copy). Deterministic for a seed.

The triggers (`TRIGGERS` below): purchase (with `event.amount` rules), tag_added (with
`event.tag` rules), and four types a tenant names (order_shipped, cart_abandoned,
review_posted, page_visit); most carry a customer condition (a custom value, a tag, the
score). Actions: mostly add_tag and set_field, one trigger in four also sends its campaign's
email.

Mixes (`--mix`): *heavy*, the default and the one the issue's figures are measured on — an
event fires ~7.4 triggers and sends ~1.8 emails; *light* — the same triggers, each also asking
for one home city (a customer has one of ten, or none), so that about one event in two fires a
trigger: closer to a tenant whose automations each answer a narrow case. Each is evaluated
against the same 100 triggers, so every event still writes a run per trigger of its type."""

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta

from bench.lib.tenants import ensure_bench_tenant

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_trigbench"
TENANT_SLUG = "trig-00"
CUSTOMERS = 50_000
FIELDS = (
    ("loyalty_points", "Loyalty points", "number"),
    ("home_city", "Home city", "text"),
    ("member_since", "Member since", "date"),
)
CITIES = "Berlin Hamburg Munich Lyon Paris Madrid Milan Vienna Zurich Prague".split()
TAGS = ("vip", "newsletter", "wholesale", "churn-risk", "new", "b2b", "promo", "loyal")
EVENT_TYPES = (  # (type, share of the events, triggers on it)
    ("purchase", 0.35, 25),
    ("tag_added", 0.15, 15),
    ("order_shipped", 0.15, 15),
    ("cart_abandoned", 0.15, 15),
    ("review_posted", 0.10, 15),
    ("page_visit", 0.10, 15),
)
CAMPAIGNS = 10


def setup() -> None:
    from bench.lib.setup import setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)


def create_database() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib import createdb

    createdb.main()


def _customer_condition(rng: random.Random, n: int):
    """A customer rule, or None (one trigger in five has none)."""
    kind = n % 5
    if kind == 0:
        return None
    if kind == 1:
        return {
            "field": "custom.loyalty_points",
            "op": "gte",
            "value": rng.choice([500, 1000, 2500]),
        }
    if kind == 2:
        return {"field": "custom.home_city", "op": "in", "value": rng.sample(CITIES, 4)}
    if kind == 3:
        return {"field": "tags", "op": "has", "value": rng.choice(TAGS)}
    return {"field": "crm_score", "op": "gte", "value": rng.choice([20, 40, 60])}


def _event_rule(event_type: str, rng: random.Random):
    if event_type == "purchase":
        return {"field": "event.amount", "op": "gte", "value": rng.choice([20, 50, 100, 200])}
    if event_type == "tag_added":
        return {"field": "event.tag", "op": "in", "value": rng.sample(TAGS, 3)}
    if event_type == "order_shipped":
        return {"field": "event.carrier", "op": "eq", "value": rng.choice(["dhl", "ups"])}
    return None


MIXES = ("heavy", "light")


def trigger_specs(seed: int, mix: str = "heavy") -> list[dict]:
    """The 100 triggers' data (campaign given as its index among the bench's campaigns)."""
    rng = random.Random(f"{seed}:triggers")
    specs, n = [], 0
    for event_type, _share, count in EVENT_TYPES:
        for _ in range(count):
            rules = [r for r in (_customer_condition(rng, n), _event_rule(event_type, rng)) if r]
            if mix == "light":
                rules.append({"field": "custom.home_city", "op": "eq", "value": CITIES[n % 10]})
            actions = [{"type": "add_tag", "tag": f"t-{event_type}"}]
            if n % 2 == 0:
                actions.append(
                    {"type": "set_field", "field": "loyalty_points", "value": rng.randint(0, 999)}
                )
            if n % 4 == 1:
                actions.append({"type": "send"})
            specs.append(
                {
                    "name": f"{event_type} #{n}",
                    "event_type": event_type,
                    "conditions": {"all": rules} if rules else {},
                    "actions": actions,
                    "campaign": n % CAMPAIGNS,
                }
            )
            n += 1
    return specs


def ensure_tenant():
    return ensure_bench_tenant(slug=TENANT_SLUG, name="Trigger bench", fields=FIELDS)


def reset() -> None:
    """Drop the database's tables' rows of the bench tenant by recreating the database."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    connection.close()
    import psycopg

    with psycopg.connect(
        host=connection.settings_dict["HOST"] or "127.0.0.1",
        port=connection.settings_dict["PORT"] or 5432,
        user=connection.settings_dict["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    print(f"reset: recreated {name}")


def load_customers(tenant, *, total: int, seed: int) -> None:
    from bench.customfields.baselines import CORE_COLUMNS
    from bench.lib.copy import copy_rows, ids_in_order
    from bench.lib.vocabulary import FIRST_NAMES, LAST_NAMES
    from crm.models import Tag
    from crm.models.tags import palette_color
    from customfields.models import FieldDefinition

    slots = dict(
        FieldDefinition.objects.for_tenant(tenant).values_list("field_key", "mapped_field_name")
    )
    columns = [c for c in CORE_COLUMNS if c != "id"]
    rng = random.Random(f"{seed}:customers")
    anchor = datetime(2025, 1, 1, tzinfo=UTC)

    def row(i: int) -> tuple:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        created = anchor - timedelta(seconds=rng.randrange(3 * 365 * 86_400))
        return (
            tenant.pk,
            first,
            last,
            f"{first.lower()}.{last.lower()}.{i}@example.com",
            "",
            "",
            "",
            rng.randint(0, 100),
            None,
            0,
            0,
            "0.00",
            None,
            created,
            created,
            f"{rng.randint(0, 5000)}.00" if rng.random() < 0.9 else None,
            rng.choice(CITIES) if rng.random() < 0.8 else None,
            date(2015, 1, 1) + timedelta(days=rng.randrange(3650)),
            "{}",
        )

    copy_rows(
        "crm_customer",
        [*columns, *(slots[key] for key, _, _ in FIELDS), "custom_fields_extra"],
        total,
        row,
    )
    ids = ids_in_order("crm_customer", "tenant_id = %s", [tenant.pk])
    Tag.objects.bulk_create(
        [Tag(tenant=tenant, name=name, color=palette_color(name)) for name in TAGS],
        ignore_conflicts=True,
    )
    tag_ids = list(
        Tag.objects.for_tenant(tenant).filter(name__in=TAGS).values_list("pk", flat=True)
    )
    links = [
        (customer_id, tag_id)
        for customer_id in ids
        for tag_id in rng.sample(tag_ids, rng.choice([0, 0, 1, 1, 2, 3]))
    ]
    copy_rows(
        "crm_customertag",
        ["tenant_id", "customer_id", "tag_id"],
        len(links),
        lambda i: (tenant.pk, *links[i]),
    )


def make_campaigns(tenant) -> list:
    from campaigns.models import CampaignChannel
    from campaigns.services.campaigns import campaign_create
    from campaigns.services.launch import campaign_launch
    from tenancy.actors import OPERATOR

    email = CampaignChannel.objects.get(tenant=tenant, channel_code="EMAIL")
    campaigns = []
    for n in range(CAMPAIGNS):
        campaign = campaign_create(
            tenant=tenant,
            data={
                "name": f"Triggered {n}",
                "budget": 1000,
                # Nobody: the campaign sends only through its triggers.
                "audience": {"field": "first_name", "op": "eq", "value": "zz-no-one-zz"},
            },
            channels=[email],
            contents=[
                {
                    "channel": email,
                    "subject": "Hello {{ first_name }}",
                    "body": "Dear {{ first_name }}, you have {{ custom.loyalty_points }} points.",
                }
            ],
            by=OPERATOR,
        )
        campaigns.append(campaign_launch(campaign=campaign, by=OPERATOR))
    return campaigns


def make_triggers(tenant, campaigns, *, seed: int, mix: str = "heavy") -> None:
    from campaigns.automation.services import trigger_create
    from tenancy.actors import OPERATOR

    for spec in trigger_specs(seed, mix):
        spec = {**spec, "campaign": campaigns[spec["campaign"]]}
        trigger_create(tenant=tenant, by=OPERATOR, data=spec)


def ensure_data(*, total: int = CUSTOMERS, seed: int = 16, mix: str = "heavy"):
    """Migrations, tenant, fields, customers, campaigns and triggers; returns the tenant."""
    from django.core.management import call_command
    from django.db import transaction

    from bench.lib.tables import vacuum_analyze
    from campaigns.models import CampaignTrigger
    from crm.models import Customer

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    tenant = ensure_tenant()
    if not Customer.objects.for_tenant(tenant).exists():
        load_customers(tenant, total=total, seed=seed)
    if not CampaignTrigger.objects.filter(tenant=tenant).exists():
        with transaction.atomic():
            make_triggers(tenant, make_campaigns(tenant), seed=seed, mix=mix)
        vacuum_analyze("crm_customer", "crm_customertag", "crm_tag")
        print(f"data set ({mix} mix) ready in {time.perf_counter() - started:.1f}s", flush=True)
    return tenant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--mix", choices=MIXES, default="heavy", help="see the module's text")
    args = parser.parse_args()
    create_database()
    setup()
    if args.reset:
        reset()
    ensure_data(total=args.customers, seed=args.seed, mix=args.mix)


if __name__ == "__main__":
    main()
    sys.exit(0)
