"""Ours, the system under test, three ways: through the ORM (the app's own path), as the bare
statements it sends, and through the API in-process. Each runs a scenario's case and returns
how many SQL statements it sent."""

import inspect

from bench.lib.querylog import QueryLog

from .context import Context
from .data import COUNT_FIELD, DATE_FIELD, EMAIL_FIELD, EQ_TEXT_FIELD, NUMBER_FIELD, SELECT_FIELD


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
        return log.count


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
        return log.count
