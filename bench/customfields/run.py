"""Time custom-field queries and writes for the largest tenant (cfb-00, 200,000 customers): ours
(crm_customer's typed slots, through the app's own code) under each slot index strategy, side by
side with the EAV, JSONB and naive baselines built from the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_cfbench \\
        .venv/bin/python -m bench.customfields.run [--strategies none,partial,tenant]
            [--iterations 40] [--writes 3000] [--explain] [--json PATH]

For every strategy in turn the script rebuilds crm_customer's slot indexes (bench/customfields/
strategies.py), then times each read scenario with varied parameters, round-robin over the
systems (ours through the ORM, ours as bare SQL, ours through the API in-process, and the three
baselines as bare SQL), so load elsewhere on the machine is shared out. Writes (single-field
updates, bulk insert) follow each phase. At the end the slot indexes are put back as the
migrations define them. Figures: p50/p95 per scenario and system, the ratio of each baseline to
ours, SQL statements per request, sizes, and for ours the planning time and locks per query.
"""

import argparse
import inspect
import json
import math
import os
import platform
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bench.leads import QueryLog, percentile

from . import baselines as bl
from . import strategies
from .data import (
    COUNT_FIELD,
    DATE_FIELD,
    EMAIL_FIELD,
    EQ_TEXT_FIELD,
    NUMBER_FIELD,
    SELECT_FIELD,
    SLUG_PREFIX,
    UPDATE_FIELD,
)

TENANT_SLUG = f"{SLUG_PREFIX}00"
USERNAME = f"{TENANT_SLUG}-manager"
RESULTS_DIR = Path(__file__).resolve().parent.parent / ".data"
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
WRITE_THREADS = 8


# ---------------------------------------------------------------------------------------------
# Parameters from the data (deterministic for a seed)


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

    from .generate import enum_value_ids

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


# ---------------------------------------------------------------------------------------------
# Systems: each runs a scenario case and returns how many SQL statements it sent


def ours_queryset(ctx: Context, scenario: str, p: dict):
    """The app's own path: filter_customers + custom_field_ordering, as the API composes them."""
    from django.db.models import F

    from crm.models import Customer
    from customfields.selectors.query import custom_field_ordering, filter_customers

    base = Customer.objects.for_tenant(ctx.tenant)
    t = ctx.tenant
    if scenario == "eq":
        return filter_customers(base, tenant=t, params={f"cf_{EQ_TEXT_FIELD}": p["v"]})[:50]
    if scenario == "range asc":
        qs = filter_customers(
            base,
            tenant=t,
            params={
                f"cf_{NUMBER_FIELD}__gte": str(p["lo"]),
                f"cf_{NUMBER_FIELD}__lte": str(p["hi"]),
            },
        )
        order = custom_field_ordering(ctx.definitions[NUMBER_FIELD], descending=False)
        return qs.order_by(order, "-id")[:50]
    if scenario in ("range desc", "range desc*"):
        qs = filter_customers(base, tenant=t, params={f"cf_{DATE_FIELD}__gte": p["d"].isoformat()})
        definition = ctx.definitions[DATE_FIELD]
        if "filtered" in inspect.signature(custom_field_ordering).parameters:
            # the app knows the field is filtered on too (see docs/benchmarks.md)
            order = custom_field_ordering(definition, descending=True, filtered=True)
        else:
            order = custom_field_ordering(definition, descending=True)
        if scenario == "range desc*":
            order = F(ctx.definitions[DATE_FIELD].mapped_field_name).desc()
        return qs.order_by(order, "-id")[:50]
    if scenario == "and":
        return filter_customers(
            base,
            tenant=t,
            params={f"cf_{SELECT_FIELD}": p["opt"], f"cf_{DATE_FIELD}__gte": p["d"].isoformat()},
        )[:50]
    if scenario == "count":
        return filter_customers(base, tenant=t, params={f"cf_{COUNT_FIELD}": p["v"]})
    if scenario == "eq email":
        return filter_customers(base, tenant=t, params={f"cf_{EMAIL_FIELD}": p["v"]})[:50]
    raise ValueError(scenario)


def ours_orm(ctx: Context, scenario: str, p: dict) -> object:
    from crm.models import Customer
    from customfields.services.values import active_definitions, read_values

    if scenario == "profile":
        customer = Customer.objects.for_tenant(ctx.tenant).prefetch_related("tags").get(pk=p["id"])
        return read_values(customer, active_definitions(ctx.tenant).values())
    qs = ours_queryset(ctx, scenario, p)
    return qs.count() if scenario == "count" else list(qs)


def captured_sql(ctx: Context, scenario: str, p: dict) -> list[tuple[str, tuple]]:
    """The statements ours sends for the case, minus lookups the baselines do not need either
    (definitions for a filter, tags for a profile)."""
    from django.db import connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        ours_orm(ctx, scenario, p)
    keep = []
    for _, sql, params in log.entries:
        if 'FROM "crm_customer"' in sql:
            keep.append((sql, params))
        elif scenario == "profile" and 'FROM "customfields_fielddefinition"' in sql:
            keep.append((sql, params))
    return keep


class SQLSystem:
    """Runs prepared statements; `prepare` builds (sql, params) lists per case."""

    name = ""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.prepared: dict[str, list[list[tuple[str, tuple]]]] = {}

    def statements(self, scenario: str, p: dict) -> list[tuple[str, tuple]]:
        raise NotImplementedError

    def run(self, scenario: str, i: int) -> int:
        from django.db import connection

        cases = self.ctx.cases[scenario]
        p = cases[i % len(cases)]
        count = 0
        with connection.cursor() as cur:
            for sql, params in self.statements(scenario, p):
                cur.execute(sql, params)
                cur.fetchall()
                count += 1
        return count


class OursSQL(SQLSystem):
    name = "ours SQL"
    table = "crm_customer"

    def prepare(self, scenario: str) -> None:
        for p in self.ctx.cases[scenario]:
            self.prepared[(scenario, repr(p))] = [
                (sql.replace('"crm_customer"', f'"{self.table}"'), params)
                for sql, params in captured_sql(self.ctx, scenario, p)
            ]

    def statements(self, scenario, p):
        return self.prepared[(scenario, repr(p))]


class Naive(OursSQL):
    name = "naive"
    table = bl.NAIVE


class JSONBSystem(SQLSystem):
    name = "JSONB"

    def statements(self, scenario, p):
        t, tid = bl.JSONB, self.ctx.tenant.pk
        cols = "*"
        num, day = f"(custom->>'{NUMBER_FIELD}')::numeric", f"(custom->>'{DATE_FIELD}')"
        if scenario == "eq":
            doc = json.dumps({EQ_TEXT_FIELD: p["v"]})
            return [
                (
                    f"SELECT {cols} FROM {t} WHERE tenant_id = %s AND custom @> %s::jsonb "
                    "ORDER BY created_at DESC, id DESC LIMIT 50",
                    (tid, doc),
                )
            ]
        if scenario == "range asc":
            return [
                (
                    f"SELECT {cols} FROM {t} WHERE tenant_id = %s AND {num} >= %s AND {num} <= %s "
                    f"ORDER BY {num} ASC NULLS LAST, id DESC LIMIT 50",
                    (tid, p["lo"], p["hi"]),
                )
            ]
        if scenario == "range desc":
            return [
                (
                    f"SELECT {cols} FROM {t} WHERE tenant_id = %s AND {day} >= %s "
                    f"ORDER BY {day} DESC NULLS LAST, id DESC LIMIT 50",
                    (tid, p["d"].isoformat()),
                )
            ]
        if scenario == "and":
            doc = json.dumps({SELECT_FIELD: p["opt"]})
            return [
                (
                    f"SELECT {cols} FROM {t} WHERE tenant_id = %s AND custom @> %s::jsonb "
                    f"AND {day} >= %s ORDER BY created_at DESC, id DESC LIMIT 50",
                    (tid, doc, p["d"].isoformat()),
                )
            ]
        if scenario == "count":
            doc = json.dumps({COUNT_FIELD: p["v"]})
            return [
                (
                    f"SELECT count(*) FROM {t} WHERE tenant_id = %s AND custom @> %s::jsonb",
                    (tid, doc),
                )
            ]
        if scenario == "profile":
            return [
                (f"SELECT {cols} FROM {t} WHERE tenant_id = %s AND id = %s", (tid, p["id"])),
                definitions_sql(tid),
            ]
        raise ValueError(scenario)


def definitions_sql(tenant_id: int) -> tuple[str, tuple]:
    return (
        "SELECT * FROM customfields_fielddefinition WHERE tenant_id = %s AND is_active "
        'ORDER BY "order", id',
        (tenant_id,),
    )


class EAVSystem(SQLSystem):
    """django-eav2's shapes: `pk IN (SELECT entity_id FROM value WHERE attribute = … AND
    value_x = …)` per filter, then the page's values in one query (as a prefetch would)."""

    name = "EAV"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.attr = {key: d.pk for key, d in ctx.definitions.items()}
        self.all_attrs = sorted(self.attr.values())
        self.cols = ", ".join(f"e.{c}" for c in bl.CORE_COLUMNS)

    def _in(self, attr_key: str, condition: str) -> str:
        return (
            f"e.id IN (SELECT v.entity_id FROM {bl.EAV_VALUE} v WHERE v.entity_ct_id = "
            f"{bl.ENTITY_CT} AND v.attribute_id = {self.attr[attr_key]} AND {condition})"
        )

    def run(self, scenario: str, i: int) -> int:
        from django.db import connection

        cases = self.ctx.cases[scenario]
        p = cases[i % len(cases)]
        tid = self.ctx.tenant.pk
        e, v = bl.EAV_ENTITY, bl.EAV_VALUE
        page_order = "ORDER BY e.created_at DESC, e.id DESC LIMIT 50"
        with connection.cursor() as cur:
            if scenario == "count":
                cur.execute(
                    f"SELECT count(*) FROM {e} e WHERE e.tenant_id = %s AND "
                    + self._in(COUNT_FIELD, "v.value_enum_id = %s"),
                    (tid, self.ctx.enum_ids[p["v"]]),
                )
                cur.fetchall()
                return 1
            if scenario == "profile":
                cur.execute(f"SELECT * FROM {e} WHERE tenant_id = %s AND id = %s", (tid, p["id"]))
                cur.fetchall()
                cur.execute(
                    f"SELECT a.slug, a.name, a.datatype, v.value_text, v.value_float, "
                    f"v.value_date, v.value_bool, ev.value FROM {v} v "
                    f"JOIN {bl.EAV_ATTRIBUTE} a ON a.id = v.attribute_id "
                    f"LEFT JOIN {bl.EAV_ENUM} ev ON ev.id = v.value_enum_id "
                    "WHERE v.entity_ct_id = %s AND v.attribute_id = ANY(%s) "
                    "AND v.entity_id = %s",
                    (bl.ENTITY_CT, self.all_attrs, p["id"]),
                )
                cur.fetchall()
                return 2
            if scenario == "eq":
                sql = f"SELECT {self.cols} FROM {e} e WHERE e.tenant_id = %s AND " + self._in(
                    EQ_TEXT_FIELD, "v.value_text = %s"
                )
                cur.execute(f"{sql} {page_order}", (tid, p["v"]))
            elif scenario in ("range asc", "range desc"):
                key = NUMBER_FIELD if scenario == "range asc" else DATE_FIELD
                column = "value_float" if scenario == "range asc" else "value_date"
                bounds = (
                    (f"v.{column} >= %s AND v.{column} <= %s", (float(p["lo"]), float(p["hi"])))
                    if scenario == "range asc"
                    else (f"v.{column} >= %s", (p["d"],))
                )
                direction = "ASC" if scenario == "range asc" else "DESC"
                cur.execute(
                    f"SELECT {self.cols}, v.{column} FROM {e} e JOIN {v} v ON v.entity_id = e.id "
                    f"WHERE e.tenant_id = %s AND v.entity_ct_id = {bl.ENTITY_CT} AND "
                    f"v.attribute_id = {self.attr[key]} AND {bounds[0]} "
                    f"ORDER BY v.{column} {direction} NULLS LAST, e.id DESC LIMIT 50",
                    (tid, *bounds[1]),
                )
            elif scenario == "and":
                sql = (
                    f"SELECT {self.cols} FROM {e} e WHERE e.tenant_id = %s AND "
                    + self._in(SELECT_FIELD, "v.value_enum_id = %s")
                    + " AND "
                    + self._in(DATE_FIELD, "v.value_date >= %s")
                )
                cur.execute(f"{sql} {page_order}", (tid, self.ctx.enum_ids[p["opt"]], p["d"]))
            else:
                raise ValueError(scenario)
            ids = [row[0] for row in cur.fetchall()]
            cur.execute(
                f"SELECT v.entity_id, a.slug, v.value_text, v.value_float, v.value_date, "
                f"v.value_bool, ev.value FROM {v} v "
                f"JOIN {bl.EAV_ATTRIBUTE} a ON a.id = v.attribute_id "
                f"LEFT JOIN {bl.EAV_ENUM} ev ON ev.id = v.value_enum_id "
                "WHERE v.entity_ct_id = %s AND v.attribute_id = ANY(%s) AND v.entity_id = ANY(%s)",
                (bl.ENTITY_CT, self.all_attrs, ids),
            )
            cur.fetchall()
            return 2


class OursORM:
    name = "ours ORM"

    def __init__(self, ctx):
        self.ctx = ctx

    def run(self, scenario: str, i: int) -> int:
        from django.db import connection

        cases = self.ctx.cases[scenario]
        log = QueryLog()
        with connection.execute_wrapper(log):
            ours_orm(self.ctx, scenario, cases[i % len(cases)])
        return len(log.entries)


def api_query(scenario: str, p: dict) -> dict:
    if scenario == "eq":
        return {f"cf_{EQ_TEXT_FIELD}": p["v"]}
    if scenario == "range asc":
        return {
            f"cf_{NUMBER_FIELD}__gte": p["lo"],
            f"cf_{NUMBER_FIELD}__lte": p["hi"],
            "ordering": f"cf_{NUMBER_FIELD}",
        }
    if scenario == "range desc":
        return {f"cf_{DATE_FIELD}__gte": p["d"].isoformat(), "ordering": f"-cf_{DATE_FIELD}"}
    if scenario == "and":
        return {f"cf_{SELECT_FIELD}": p["opt"], f"cf_{DATE_FIELD}__gte": p["d"].isoformat()}
    raise ValueError(scenario)


class OursAPI:
    """GET through the whole Django stack in-process (DRF APIClient, token auth)."""

    name = "ours API"
    scenarios = ("eq", "range asc", "range desc", "and", "profile")

    def __init__(self, ctx):
        from urllib.parse import urlencode

        from rest_framework.authtoken.models import Token
        from rest_framework.test import APIClient

        self.ctx = ctx
        token, _ = Token.objects.get_or_create(user=ctx.membership.user)
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        self.urls = {}
        for scenario in self.scenarios:
            urls = []
            for p in ctx.cases[scenario]:
                if scenario == "profile":
                    urls.append(f"/api/v1/customers/{p['id']}/")
                    continue
                query = api_query(scenario, p)
                urls.append(f"/api/v1/customers/?{urlencode(query)}")
            self.urls[scenario] = urls

    def run(self, scenario: str, i: int) -> int:
        from django.db import connection

        urls = self.urls[scenario]
        log = QueryLog()
        with connection.execute_wrapper(log):
            response = self.client.get(urls[i % len(urls)])
        if response.status_code != 200:
            raise SystemExit(
                f"{urls[i % len(urls)]} -> {response.status_code}: {response.content[:300]!r}"
            )
        return len(log.entries)


# ---------------------------------------------------------------------------------------------
# Timing


@dataclass
class Samples:
    ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    def p(self, q: float) -> float:
        return percentile(self.ms, q)


def time_reads(systems, ctx: Context, *, iterations: int, warmup: int, only=None):
    """{scenario: {system: Samples}}, round-robin over scenarios and systems.

    Within an iteration each system runs a different case of the scenario (system k takes case
    i + 7k), and the systems' order rotates from one iteration to the next: no system reads
    pages the one before it has just brought into the cache for the same parameters, and each
    takes every position equally often. Over the run every system runs every case."""
    results: dict[str, dict[str, Samples]] = {}
    by_scenario: dict[str, list] = {}
    for scenario in SCENARIOS:
        if only and only not in scenario:
            continue
        for system in systems:
            if isinstance(system, OursAPI) and scenario not in system.scenarios:
                continue
            if scenario in OURS_ONLY and system.name not in ("ours ORM", "ours SQL"):
                continue
            by_scenario.setdefault(scenario, []).append(system)
            results.setdefault(scenario, {})[system.name] = Samples()
    for scenario, members in by_scenario.items():
        for system in members:
            if hasattr(system, "prepare"):  # compile every case before timing
                system.prepare(scenario)
            for i in range(warmup):
                system.run(scenario, i)
    offsets = {system.name: 7 * k for k, system in enumerate(systems)}
    for i in range(iterations):
        for scenario, members in by_scenario.items():
            turn = i % len(members)
            for system in members[turn:] + members[:turn]:
                started = time.perf_counter()
                queries = system.run(scenario, i + offsets[system.name])
                results[scenario][system.name].ms.append((time.perf_counter() - started) * 1000)
                results[scenario][system.name].queries.append(queries)
    return results


def planner_cost(ctx: Context, scenario: str = "eq", runs: int = 30) -> dict:
    """Planning time of ours' main statement (EXPLAIN without ANALYZE), and the relation locks a
    query on crm_customer takes (the planner opens every index of the table)."""
    from django.db import connection, transaction

    sql, params = captured_sql(ctx, scenario, ctx.cases[scenario][0])[0]
    times = []
    with connection.cursor() as cur:
        for _ in range(runs):
            cur.execute(f"EXPLAIN (SUMMARY ON) {sql}", params)
            plan = [row[0] for row in cur.fetchall()]
            line = next(x for x in plan if x.startswith("Planning Time"))
            times.append(float(line.split(":")[1].split()[0]))
        with transaction.atomic():
            cur.execute(sql, params)
            cur.fetchall()
            cur.execute(
                "SELECT count(*), count(*) FILTER (WHERE NOT fastpath) FROM pg_locks "
                "WHERE pid = pg_backend_pid() AND locktype = 'relation'"
            )
            locks, slow = cur.fetchone()
    return {"planning_ms_p50": statistics.median(times), "locks": locks, "locks_not_fastpath": slow}


def explain(ctx: Context, scenario: str, p: dict) -> str:
    from django.db import connection

    out = []
    with connection.cursor() as cur:
        for sql, params in captured_sql(ctx, scenario, p):
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            out.append("\n".join(row[0] for row in cur.fetchall()))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Writes


def update_statement(system: str, ctx: Context) -> str:
    d = ctx.definitions[UPDATE_FIELD]
    if system in ("ours", "naive"):
        table = "crm_customer" if system == "ours" else bl.NAIVE
        return f"UPDATE {table} SET {d.mapped_field_name} = %s, updated_at = now() WHERE id = %s"
    if system == "JSONB":
        return (
            f"UPDATE {bl.JSONB} SET custom = jsonb_set(custom, '{{{UPDATE_FIELD}}}', "
            "to_jsonb(%s::numeric)), updated_at = now() WHERE id = %s"
        )
    if system == "EAV":
        return (
            f"UPDATE {bl.EAV_VALUE} SET value_float = %s, modified = now() WHERE entity_ct_id = "
            f"{bl.ENTITY_CT} AND attribute_id = {d.pk} AND entity_id = %s"
        )
    raise ValueError(system)


def update_rate(system: str, ctx: Context, *, n: int, threads: int, seed: int) -> float:
    """Single-row UPDATEs of one custom field, each its own transaction (autocommit), spread
    over `threads` connections; returns updates/s."""
    import psycopg
    from django.db import connection

    s = connection.settings_dict
    dsn = (
        f"host={s['HOST'] or 'localhost'} port={s['PORT'] or 5432} dbname={s['NAME']} "
        f"user={s['USER']}" + (f" password={s['PASSWORD']}" if s["PASSWORD"] else "")
    )
    rng = random.Random(f"{seed}:{system}:updates")
    ids = rng.sample(ctx.update_ids, n)
    values = [Decimal(rng.randint(0, 5000)) + Decimal("0.5") for _ in range(n)]
    sql = update_statement(system, ctx)
    if system == "EAV":
        values = [float(v) for v in values]
    chunks = [list(range(k, n, threads)) for k in range(threads)]
    conns = [psycopg.connect(dsn, autocommit=True) for _ in range(threads)]

    def work(conn, idx):
        for j in idx:
            conn.execute(sql, (values[j], ids[j]))

    workers = [
        threading.Thread(target=work, args=(conn, idx))
        for conn, idx in zip(conns, chunks, strict=True)
    ]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    for conn in conns:
        conn.close()
    return n / elapsed


def update_cost(system: str, ctx: Context, *, n: int, seed: int) -> dict:
    """Single-row UPDATEs inside one transaction (no commit per row), rolled back: µs per update
    (the CPU, I/O and index maintenance cost without the commit), and from EXPLAIN (ANALYZE,
    WAL) of a sample, WAL records, full-page images and bytes per update."""
    from django.db import connection, transaction

    rng = random.Random(f"{seed}:{system}:batch")
    ids = rng.sample(ctx.update_ids, n)
    sql = update_statement(system, ctx)

    def value():
        number = rng.randint(0, 5000)
        return float(number) if system == "EAV" else Decimal(number)

    wal = {"WAL Records": 0, "WAL FPI": 0, "WAL Bytes": 0}
    sample = ids[: n // 10]
    with connection.cursor() as cur:
        try:
            with transaction.atomic():
                started = time.perf_counter()
                for cid in ids[n // 10 :]:
                    cur.execute(sql, (value(), cid))
                elapsed = time.perf_counter() - started
                for cid in sample:
                    cur.execute(f"EXPLAIN (ANALYZE, WAL, FORMAT JSON) {sql}", (value(), cid))
                    plan = cur.fetchone()[0][0]["Plan"]
                    for key in wal:
                        wal[key] += plan.get(key, 0)
                raise _Rollback
        except _Rollback:
            pass
    return {
        "us": elapsed / (n - len(sample)) * 1e6,
        "wal_records": wal["WAL Records"] / len(sample),
        "wal_fpi": wal["WAL FPI"] / len(sample),
        "wal_bytes": wal["WAL Bytes"] / len(sample),
    }


class _Rollback(Exception):
    pass


def service_update_rate(ctx: Context, *, n: int, seed: int) -> dict:
    """customer_update with one custom field through the app's service (validation, save,
    history), after loading the customer as the API does; one process."""
    from django.db import connection

    from crm.models import Customer
    from crm.services.customers import customer_update

    rng = random.Random(f"{seed}:service-updates")
    ids = rng.sample(ctx.update_ids, n)
    log = QueryLog()
    started = time.perf_counter()
    with connection.execute_wrapper(log):
        for cid in ids:
            customer = Customer.objects.for_tenant(ctx.tenant).get(pk=cid)
            customer_update(
                customer=customer,
                by=ctx.membership,
                data={},
                custom_fields={UPDATE_FIELD: str(rng.randint(0, 5000))},
            )
    elapsed = time.perf_counter() - started
    return {"per_s": n / elapsed, "queries": len(log.entries) / n}


def _service_worker(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.db import connections

    connections.close_all()
    ctx_ids, n, seed, k = args
    from crm.models import Customer
    from crm.services.customers import customer_update
    from tenancy.models import Membership, Tenant

    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    membership = Membership.objects.get(tenant=tenant, user__username=USERNAME)
    rng = random.Random(f"{seed}:service-worker:{k}")
    started = time.perf_counter()
    for cid in ctx_ids:
        customer = Customer.objects.for_tenant(tenant).get(pk=cid)
        customer_update(
            customer=customer,
            by=membership,
            data={},
            custom_fields={UPDATE_FIELD: str(rng.randint(0, 5000))},
        )
    return time.perf_counter() - started


def service_update_rate_parallel(ctx: Context, *, n: int, processes: int, seed: int) -> float:
    import multiprocessing

    from django.db import connections

    rng = random.Random(f"{seed}:service-parallel")
    ids = rng.sample(ctx.update_ids, n)
    parts = [(ids[k::processes], n, seed, k) for k in range(processes)]
    connections.close_all()
    pool = multiprocessing.get_context("fork").Pool(processes)
    try:
        started = time.perf_counter()
        pool.map(_service_worker, parts)
        elapsed = time.perf_counter() - started
    finally:
        pool.close()
        pool.join()
    return n / elapsed


def new_customers(ctx: Context, *, n: int, seed: int) -> list:
    """n new customers of the largest tenant, as the generator makes them (other seed)."""
    from datetime import UTC, datetime

    from customfields.models import FieldDefinition

    from .data import plan_tenants
    from .generate import TenantStream

    plan = plan_tenants(seed=3, tenants=50, total=1_000_000, largest=200_000)[0]
    definitions = list(FieldDefinition.objects.for_tenant(ctx.tenant))
    anchor = datetime.combine(ctx.anchor, datetime.min.time(), tzinfo=UTC)
    stream = TenantStream(plan, ctx.tenant, definitions, seed=seed + 1000, anchor=anchor)
    base = 50_000_000
    now = anchor.timestamp()
    return [(base + k, *stream.customer(now - k)) for k in range(n)]


def bulk_insert_rate(layout: str, ctx: Context, rows: list) -> dict:
    """COPY the rows (with every index of the layout in place) in one transaction, rolled
    back; customers/s and, for EAV, value rows/s."""
    from django.db import connection, transaction

    from .generate import copy_rows

    values = sum(len(v) for _, _, v in rows)
    with connection.cursor() as cur:
        try:
            with transaction.atomic():
                started = time.perf_counter()
                copy_rows(cur, rows, enum_ids=ctx.enum_ids, layouts=(layout,))
                elapsed = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            pass
    out = {"per_s": len(rows) / elapsed}
    if layout == "eav":
        out["value_rows_per_s"] = values / elapsed
    return out


def service_create_rate(ctx: Context, rows: list) -> dict:
    """customer_create (validation of every value, save, history), one process; rolled back."""
    from django.db import connection, transaction

    from crm.services.customers import customer_create

    log = QueryLog()
    try:
        with transaction.atomic(), connection.execute_wrapper(log):
            started = time.perf_counter()
            for _, core, values in rows:
                customer_create(
                    tenant=ctx.tenant,
                    by=ctx.membership,
                    data={"first_name": core[1], "last_name": core[2], "email": core[3]},
                    custom_fields={d.field_key: v for d, v in values.items()},
                )
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return {"per_s": len(rows) / elapsed, "queries": len(log.entries) / len(rows)}


def vacuum(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"VACUUM (ANALYZE) {table}")


# ---------------------------------------------------------------------------------------------
# Sizes


def sizes(ctx: Context) -> dict:
    from django.db import connection

    from crm.models import Customer

    total = Customer.objects.count()
    scale = 200_000 / total
    out = {}
    with connection.cursor() as cur:

        def rel(sql, *params):
            cur.execute(sql, params)
            return cur.fetchone()[0] or 0

        def table(name):
            return rel("SELECT pg_table_size(%s::regclass)", name), rel(
                "SELECT pg_indexes_size(%s::regclass)", name
            )

        heap, idx = table("crm_customer")
        slot = strategies.slot_index_sizes(ctx.tenant.pk)
        custom = slot["tenant_bytes"] if slot["tenant_bytes"] else slot["bytes"] * scale
        out["ours"] = {
            "table": heap,
            "indexes": idx,
            "custom_indexes": slot["bytes"],
            "custom_indexes_per_200k": custom,
            "slot_indexes": slot["count"],
        }
        heap, idx = table(bl.NAIVE)
        naive_slots = rel(
            "SELECT sum(pg_relation_size(c.oid)) FROM pg_class c WHERE c.relname LIKE %s",
            f"{bl.NAIVE}_custom_%",
        )
        out["naive"] = {
            "table": heap,
            "indexes": idx,
            "custom_indexes": naive_slots,
            "custom_indexes_per_200k": float(naive_slots) * scale,
        }
        heap, idx = table(bl.JSONB)
        gin = rel("SELECT pg_relation_size(%s::regclass)", f"{bl.JSONB}_custom_gin")
        out["JSONB"] = {
            "table": heap,
            "indexes": idx,
            "custom_indexes": gin,
            "custom_indexes_per_200k": float(gin) * scale,
        }
        eheap, eidx = table(bl.EAV_ENTITY)
        vheap, vidx = table(bl.EAV_VALUE)
        small = sum(sum(table(t)) for t in (bl.EAV_ATTRIBUTE, bl.EAV_ENUM))
        out["EAV"] = {
            "table": eheap + vheap + small,
            "indexes": eidx + vidx,
            "custom_indexes": vidx,
            "custom_indexes_per_200k": float(vidx) * scale,
        }
    return out


# ---------------------------------------------------------------------------------------------
# Printing


def fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def mb(value: float) -> str:
    return f"{value / 1024 / 1024:,.1f}"


def print_phase(strategy: str, reads: dict, planner: dict) -> None:
    print(f"\n=== ours with slot index strategy '{strategy}' ===")
    print(
        f"planning time of the equality query p50 {planner['planning_ms_p50']:.2f} ms; "
        f"relation locks per query on crm_customer {planner['locks']} "
        f"({planner['locks_not_fastpath']} outside the fast path)"
    )
    for scenario, by_system in reads.items():
        print(f"\n{scenario}: {DESCRIPTIONS[scenario]}")
        ours = by_system.get("ours SQL")
        for name, s in by_system.items():
            ratio = ""
            if ours and name in ("EAV", "JSONB", "naive"):
                ratio = f"  {s.p(50) / ours.p(50):6.1f}× ours SQL"
            q = sorted(s.queries)[len(s.queries) // 2]
            print(f"  {name:<10} p50 {s.p(50):8.2f} ms  p95 {s.p(95):8.2f} ms  queries {q}{ratio}")


def summary_table(phases: dict, baselines: dict) -> str:
    """Markdown: one row per scenario, p50 ms of ours per strategy and of each baseline."""
    strategies_run = list(phases)
    head = (
        "| scenario | target | "
        + " | ".join(f"ours ORM [{s}]" for s in strategies_run)
        + " | ours API ["
        + strategies_run[-1]
        + "] | EAV | JSONB | naive |"
    )
    lines = [head, "|" + "---|" * (len(strategies_run) + 6)]
    for scenario in SCENARIOS:
        cells = []
        for s in strategies_run:
            sample = phases[s]["reads"].get(scenario, {}).get("ours ORM")
            cells.append(fmt(sample.p(50), 2) if sample else "—")
        api = phases[strategies_run[-1]]["reads"].get(scenario, {}).get("ours API")
        cells.append(fmt(api.p(50), 1) if api else "—")
        for name in ("EAV", "JSONB", "naive"):
            sample = baselines.get(scenario, {}).get(name)
            cells.append(fmt(sample.p(50), 2) if sample else "—")
        target = TARGETS.get(scenario)
        lines.append(
            f"| {scenario} | {fmt(target, 0) if target else '—'} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def environment() -> dict:
    import django
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost"):
            cur.execute(f"SHOW {name}")
            settings[name] = cur.fetchone()[0]
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": version,
        "pg_settings": settings,
        "cpus": os.cpu_count(),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def merge(into: dict, reads: dict, names=("EAV", "JSONB", "naive")) -> None:
    for scenario, by_system in reads.items():
        for name in names:
            if name in by_system:
                target = into.setdefault(scenario, {}).setdefault(name, Samples())
                target.ms += by_system[name].ms
                target.queries += by_system[name].queries


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategies", default=",".join(strategies.STRATEGIES))
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--writes", type=int, default=3000, help="updates per write test")
    parser.add_argument("--inserts", type=int, default=10_000, help="rows per bulk insert")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--only", default="", help="read scenarios whose name contains this")
    parser.add_argument("--no-writes", action="store_true")
    parser.add_argument(
        "--no-baselines", action="store_true", help="time ours only (no baseline queries between)"
    )
    parser.add_argument("--keep", action="store_true", help="leave the last strategy in place")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE ours' slowest")
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "customfields.json")
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)

    from .generate import setup

    setup(args.allow_any_database)
    from django.db import connection

    from bench._setup import database_label

    with connection.cursor() as cur:
        cur.execute("SET statement_timeout = '120s'")
    env = environment()
    print(
        f"{database_label()}: PostgreSQL {env['postgresql']} {env['pg_settings']}; "
        f"{env['cpus']} CPUs; Python {env['python']}, Django {env['django']}"
    )
    print(f"load average before the run: {env['load_average']}")
    ctx = build_context(iterations=args.iterations, seed=args.seed)
    print(
        f"tenant {ctx.tenant.slug}: {len(ctx.update_ids):,} customers with {NUMBER_FIELD}; "
        f"{len(ctx.definitions)} active fields; {args.iterations} iterations per scenario"
    )
    systems_base = [] if args.no_baselines else [EAVSystem(ctx), JSONBSystem(ctx), Naive(ctx)]
    phases: dict[str, dict] = {}
    baseline_reads: dict = {}
    insert_rows = None if args.no_writes else new_customers(ctx, n=args.inserts, seed=args.seed)
    chosen = [s.strip() for s in args.strategies.split(",") if s.strip()]
    try:
        for k, strategy in enumerate(chosen):
            build = strategies.apply(strategy)
            ours = [OursORM(ctx), OursSQL(ctx), OursAPI(ctx)]
            planner = planner_cost(ctx)
            reads = time_reads(
                [*ours, *systems_base],
                ctx,
                iterations=args.iterations,
                warmup=args.warmup,
                only=args.only,
            )
            merge(baseline_reads, reads)
            print_phase(strategy, reads, planner)
            phase = {"build_s": build, "reads": reads, "planner": planner}
            if args.explain:
                for scenario, by_system in reads.items():
                    s = by_system["ours ORM"]
                    worst = max(range(len(s.ms)), key=s.ms.__getitem__)
                    cases = ctx.cases[scenario]
                    print(f"\n-- EXPLAIN {scenario} (slowest case, {s.ms[worst]:.1f} ms)")
                    print(explain(ctx, scenario, cases[worst % len(cases)]))
            if not args.no_writes:
                writes = {
                    "rate": update_rate("ours", ctx, n=args.writes, threads=WRITE_THREADS, seed=k),
                    "rate_1": update_rate("ours", ctx, n=args.writes // 5, threads=1, seed=k),
                    "cost": update_cost("ours", ctx, n=2000, seed=k),
                    "service": service_update_rate(ctx, n=300, seed=k),
                    "service_parallel": service_update_rate_parallel(
                        ctx, n=1200, processes=4, seed=k
                    ),
                    "insert": bulk_insert_rate("ours", ctx, insert_rows),
                    "service_create": service_create_rate(ctx, insert_rows[:200]),
                }
                vacuum("crm_customer", "customfields_fieldhistory")
                phase["writes"] = writes
                print(
                    f"\nwrites (ours, {strategy}): {writes['rate']:,.0f} updates/s over "
                    f"{WRITE_THREADS} connections ({writes['rate_1']:,.0f}/s on one), "
                    f"{writes['cost']['us']:,.0f} µs per update inside one transaction "
                    f"({writes['cost']['wal_records']:.0f} WAL records, "
                    f"{writes['cost']['wal_fpi']:.1f} full-page images, "
                    f"{writes['cost']['wal_bytes'] / 1024:.0f} kB); "
                    f"service path {writes['service']['per_s']:,.0f} updates/s in one process "
                    f"({writes['service']['queries']:.1f} queries each), "
                    f"{writes['service_parallel']:,.0f}/s in 4 processes; bulk COPY "
                    f"{writes['insert']['per_s']:,.0f} customers/s; customer_create "
                    f"{writes['service_create']['per_s']:,.0f}/s"
                )
            phase["sizes"] = sizes(ctx)
            print(
                f"slot indexes: {phase['sizes']['ours']['slot_indexes']}, "
                f"{mb(phase['sizes']['ours']['custom_indexes'])} MB in all, "
                f"{mb(phase['sizes']['ours']['custom_indexes_per_200k'])} MB per 200K customers"
                f" (build {build:.0f} s)"
            )
            phases[strategy] = phase
        baseline_writes = {}
        if not args.no_writes and not args.no_baselines:
            for name, layout in (("EAV", "eav"), ("JSONB", "jsonb"), ("naive", "naive")):
                baseline_writes[name] = {
                    "rate": update_rate(name, ctx, n=args.writes, threads=WRITE_THREADS, seed=99),
                    "rate_1": update_rate(name, ctx, n=args.writes // 5, threads=1, seed=99),
                    "cost": update_cost(name, ctx, n=2000, seed=99),
                    "insert": bulk_insert_rate(layout, ctx, insert_rows),
                }
                print(f"writes ({name}): {baseline_writes[name]}")
            vacuum(bl.EAV_VALUE, bl.EAV_ENTITY, bl.JSONB, bl.NAIVE)
    finally:
        if not args.keep:
            strategies.restore()
    base_sizes = sizes(ctx)
    print("\n" + summary_table(phases, baseline_reads))
    print_writes_and_sizes(phases, baseline_writes, base_sizes)
    if args.json:
        dump(args.json, env, phases, baseline_reads, baseline_writes, base_sizes, args)
        print(f"\nwrote {args.json}")


def wal(w: dict) -> str:
    c = w.get("cost")
    if not c:
        return "—"
    return f"{c['wal_records']:.0f} / {c['wal_fpi']:.1f} / {c['wal_bytes'] / 1024:.1f}"


def print_writes_and_sizes(phases, baseline_writes, base_sizes) -> None:
    print(
        "\n| system | updates/s (8 conns) | updates/s (1 conn) | µs/update in 1 txn | "
        "bulk insert customers/s | table MB | indexes MB | custom-field indexes MB | per 200K |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for strategy, phase in phases.items():
        w = phase.get("writes", {})
        z = phase["sizes"]["ours"]
        print(
            f"| ours [{strategy}] | {fmt(w.get('rate'), 0)} | {fmt(w.get('rate_1'), 0)} | "
            f"{fmt(w.get('cost', {}).get('us'), 0)} | {wal(w)} | "
            f"{fmt(w.get('insert', {}).get('per_s'), 0)} | "
            f"{mb(z['table'])} | {mb(z['indexes'])} | {mb(z['custom_indexes'])} | "
            f"{mb(z['custom_indexes_per_200k'])} |"
        )
    for name in ("EAV", "JSONB", "naive"):
        w = baseline_writes.get(name, {})
        z = base_sizes[name]
        print(
            f"| {name} | {fmt(w.get('rate'), 0)} | {fmt(w.get('rate_1'), 0)} | "
            f"{fmt(w.get('cost', {}).get('us'), 0)} | {wal(w)} | "
            f"{fmt(w.get('insert', {}).get('per_s'), 0)} | "
            f"{mb(z['table'])} | {mb(z['indexes'])} | {mb(z['custom_indexes'])} | "
            f"{mb(z['custom_indexes_per_200k'])} |"
        )


def dump(path: Path, env, phases, baseline_reads, baseline_writes, base_sizes, args) -> None:
    def reads_json(reads):
        return {
            scenario: {
                name: {
                    "p50_ms": s.p(50),
                    "p95_ms": s.p(95),
                    "queries": sorted(s.queries)[len(s.queries) // 2],
                }
                for name, s in by_system.items()
            }
            for scenario, by_system in reads.items()
        }

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "environment": env,
                "iterations": args.iterations,
                "phases": {
                    s: {
                        **{k: v for k, v in p.items() if k != "reads"},
                        "reads": reads_json(p["reads"]),
                    }
                    for s, p in phases.items()
                },
                "baselines": {
                    "reads": reads_json(baseline_reads),
                    "writes": baseline_writes,
                    "sizes": base_sizes,
                },
            },
            indent=2,
            default=str,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
