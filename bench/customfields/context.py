"""The custom-field timings' scenarios and targets, and their parameters drawn from the largest
tenant's data (deterministic for a seed)."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from .data import (
    COUNT_FIELD,
    DATE_FIELD,
    EMAIL_FIELD,
    EQ_TEXT_FIELD,
    NUMBER_FIELD,
    SELECT_FIELD,
    SLUG_PREFIX,
)

TENANT_SLUG = f"{SLUG_PREFIX}00"
USERNAME = f"{TENANT_SLUG}-manager"
TARGETS = {  # ms, for ours through the app's path (API for "api")
    "eq": 5.0,
    "eq api": 40.0,
    "range asc": 10.0,
    "range desc": 10.0,
    "range desc*": 10.0,
    "and": 20.0,
    "profile": 15.0,
}
UPDATES_TARGET = 1500  # per second
PROFILE_QUERIES_TARGET = 5
INDEX_MB_TARGET = 50  # custom-field indexes per 200K customers
SCENARIOS = (
    "eq",
    "range asc",
    "range desc",
    "range desc*",
    "and",
    "count",
    "profile",
    "eq email",
)
OURS_ONLY = {"range desc*", "eq email"}  # ours' own variants, not run on the baselines
DESCRIPTIONS = {
    "eq": f"equality on a text field: cf_{EQ_TEXT_FIELD}=<city>, first 50 by -created_at",
    "range asc": f"cf_{NUMBER_FIELD}__gte=a&__lte=b, ordering=cf_{NUMBER_FIELD}, first 50",
    "range desc": f"cf_{DATE_FIELD}__gte=d, ordering=-cf_{DATE_FIELD}, first 50",
    "range desc*": "the same with plain DESC instead of DESC NULLS LAST (no NULL can match)",
    "eq email": f"exact match on an email field: cf_{EMAIL_FIELD}=<address>, first 50",
    "and": f"cf_{SELECT_FIELD}=<option> AND cf_{DATE_FIELD}__gte=d, first 50 by -created_at",
    "count": f"COUNT(*) of cf_{COUNT_FIELD}=<option>",
    "profile": "one customer with its custom values (and the field definitions)",
}


@dataclass
class Context:
    tenant: object
    membership: object
    definitions: dict  # field_key -> FieldDefinition
    enum_ids: dict[str, int]
    cases: dict[str, list[dict]]
    update_ids: list[int]
    anchor: date


def build_context(*, iterations: int, seed: int) -> Context:
    from django.db import connection

    from customfields.models import FieldDefinition
    from customfields.services.values import active_definitions
    from tenancy.models import Membership, Tenant

    from .load import enum_value_ids

    tenant = Tenant.objects.filter(slug=TENANT_SLUG).first()
    membership = Membership.objects.filter(tenant=tenant, user__username=USERNAME).first()
    if tenant is None or membership is None:
        raise SystemExit("No bench data: run `python -m bench.customfields.generate` first.")
    definitions = active_definitions(tenant)
    rng = random.Random(seed)
    n = iterations
    tid = tenant.pk

    def column(key: str) -> str:
        return definitions[key].mapped_field_name

    with connection.cursor() as cur:
        city = column(EQ_TEXT_FIELD)
        cur.execute(
            f"SELECT {city}, count(*) FROM crm_customer WHERE tenant_id = %s AND {city} IS NOT "
            "NULL GROUP BY 1 ORDER BY 2 DESC, 1",
            [tid],
        )
        cities = [v for v, _ in cur.fetchall()]
        number = column(NUMBER_FIELD)
        cur.execute(
            f"SELECT percentile_disc(ARRAY[{','.join(str(q / 100) for q in range(101))}]) "
            f"WITHIN GROUP (ORDER BY {number}) FROM crm_customer WHERE tenant_id = %s",
            [tid],
        )
        quantiles = cur.fetchone()[0]
        cur.execute(
            f"SELECT max({column(DATE_FIELD)}) FROM crm_customer WHERE tenant_id = %s", [tid]
        )
        newest = cur.fetchone()[0]
        cur.execute(
            f"SELECT id FROM crm_customer WHERE tenant_id = %s AND {number} IS NOT NULL "
            "ORDER BY id",
            [tid],
        )
        with_number = [r[0] for r in cur.fetchall()]
        email = column(EMAIL_FIELD)
        cur.execute(
            f"SELECT {email} FROM crm_customer WHERE tenant_id = %s AND {email} IS NOT NULL "
            "ORDER BY id LIMIT 5000",
            [tid],
        )
        emails = [r[0] for r in cur.fetchall()]
    ranks = [0, 1, 3, 6, 10, 20, 35, 60, 100, 150]
    windows = [(10, 12), (50, 51), (90, 91), (25, 35), (75, 80), (97, 99), (0, 5), (60, 62)]
    days = [7, 30, 90, 180, 365, 14, 60, 730]
    options = definitions[SELECT_FIELD].select_options
    tiers = definitions[COUNT_FIELD].select_options
    profile_ids = sorted(rng.sample(with_number, n))
    cases = {
        "eq": [{"v": cities[ranks[i % len(ranks)] % len(cities)]} for i in range(n)],
        "range asc": [
            {"lo": quantiles[a], "hi": quantiles[b]}
            for a, b in (windows[i % len(windows)] for i in range(n))
        ],
        "range desc": [{"d": newest - timedelta(days=days[i % len(days)])} for i in range(n)],
        "range desc*": [{"d": newest - timedelta(days=days[i % len(days)])} for i in range(n)],
        "and": [
            {"opt": options[i % len(options)], "d": newest - timedelta(days=days[(i // 2) % 8])}
            for i in range(n)
        ],
        "count": [{"v": tiers[i % len(tiers)]} for i in range(n)],
        "profile": [{"id": profile_ids[i]} for i in range(n)],
        "eq email": [{"v": v} for v in rng.sample(emails, n)],
    }
    everything = FieldDefinition.objects.filter(tenant__slug__startswith=SLUG_PREFIX)
    return Context(
        tenant=tenant,
        membership=membership,
        definitions=definitions,
        enum_ids=enum_value_ids(everything),
        cases=cases,
        update_ids=with_number,
        anchor=newest,
    )
