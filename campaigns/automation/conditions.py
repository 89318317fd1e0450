"""Trigger conditions: crm's condition language over the customer, plus `event.<key>` rules
evaluated against the event's data with the same operators.

    {"all": [{"field": "event.amount", "op": "gte", "value": 100},
             {"field": "tags", "op": "has", "value": "vip"}]}

The customer part compiles to a Q as everywhere (crm.conditions); each `event.` rule is a plain
Python test of the event's data, which the compiler replaces by an always-true or always-false
Q before the query runs, whatever the nesting of all/any/not. So every trigger of a batch, for
each distinct pattern of its event-rule outcomes (usually one or two), is one CASE expression,
and a batch's triggers are judged together in one customer query per few dozen of them
(`matching_events`).

`event.<key>` names a key of the event's data; a dotted key walks nested objects
(`event.order.total`). Operators: eq, ne, gt, gte, lt, lte, contains, startswith, in, is_set,
is_empty. gt/gte/lt/lte compare numbers (a number, or a text of one, in the data); eq/ne compare
numbers as numbers and texts as texts; contains/startswith ignore case. A key the event does not
carry matches only `ne` and `is_empty`. An unknown operator, a badly typed value or a key that
is not a name is a validation error, as in the rest of the language."""

import json
import re
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Case, Q, Value, When

from crm.conditions import MAX_LIST, NUL_MESSAGE, Compiler, ConditionProblem
from crm.models import Customer
from tenancy.models import Tenant

EVENT_PREFIX = "event."
EVENT_OPS = (
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "startswith",
    "in",
    "is_set",
    "is_empty",
)
NUMBER_ONLY = {"gt", "gte", "lt", "lte"}
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,4}\Z")
TRUE = Q(pk__isnull=False)
FALSE = Q(pk__in=[])
_MISSING = object()
NUMBER_LIMIT = Decimal(2**63 - 1)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal) or isinstance(value, str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def check_event_rule(key: str, op: Any, value: Any, at: str) -> None:
    """Raise ConditionProblem when the rule could never be evaluated."""
    if not KEY_PATTERN.match(key):
        raise ConditionProblem(
            at + "field", "Name a key of the event's data, e.g. event.amount or event.order.total."
        )
    if op not in EVENT_OPS:
        raise ConditionProblem(at + "op", f"Event values take one of {', '.join(EVENT_OPS)}.")
    if op in ("is_set", "is_empty"):
        return
    values = value if op == "in" else [value]
    if op == "in" and (not isinstance(value, list) or not value or len(value) > MAX_LIST):
        raise ConditionProblem(at + "value", f"'in' takes a list of 1 to {MAX_LIST} values.")
    for item in values:
        if isinstance(item, str) and "\x00" in item:
            raise ConditionProblem(at + "value", NUL_MESSAGE)
        number = None if isinstance(item, bool | str) else _number(item)
        if op in NUMBER_ONLY:
            number = _number(item)
        if number is not None and not -NUMBER_LIMIT <= number <= NUMBER_LIMIT:
            # An event's data holds no integer beyond 64 bits (tenancy.events): a bound past
            # that would match everything or nothing without a word.
            raise ConditionProblem(
                at + "value", f"Give a number between {-NUMBER_LIMIT} and {NUMBER_LIMIT}."
            )
        if op in NUMBER_ONLY:
            if _number(item) is None:
                raise ConditionProblem(at + "value", "Give a number.")
        elif op in ("contains", "startswith"):
            if not isinstance(item, str) or not item or len(item) > 500:
                raise ConditionProblem(at + "value", "Give a text of 1 to 500 characters.")
        elif not isinstance(item, str | int | float | bool) or (
            isinstance(item, str) and len(item) > 500
        ):
            raise ConditionProblem(at + "value", "Give a text, number or true/false value.")
        elif isinstance(item, float) and _number(item) is None:
            raise ConditionProblem(at + "value", "Give a finite number.")


def _lookup(data: Mapping, key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _equal(found: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(found, bool):
        return found is wanted if isinstance(found, bool) and isinstance(wanted, bool) else False
    a, b = _number(found), _number(wanted)
    if a is not None and b is not None and not (isinstance(found, str) and isinstance(wanted, str)):
        return a == b
    return isinstance(found, str) and isinstance(wanted, str) and found == wanted


def _judge(found: Any, op: str, value: Any) -> bool:
    """Whether what the event's data holds at a rule's key (_MISSING: nothing) satisfies it."""
    empty = found is _MISSING or found is None or found == ""
    if op == "is_set":
        return not empty
    if op == "is_empty":
        return empty
    if op == "ne":
        return found is _MISSING or not _equal(found, value)
    if found is _MISSING:
        return False
    if op == "eq":
        return _equal(found, value)
    if op == "in":
        return any(_equal(found, item) for item in value)
    if op in NUMBER_ONLY:
        a, b = _number(found), _number(value)
        if a is None or b is None:
            return False
        return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]
    if not isinstance(found, str):
        return False
    if op == "contains":
        return value.casefold() in found.casefold()
    return found.casefold().startswith(value.casefold())


class TriggerCompiler(Compiler):
    """crm's compiler with the `event.` namespace. `outcomes`: the event rules' results in the
    order the compiler meets them (None: only check the condition, every event rule true)."""

    def __init__(self, tenant: Tenant, *, outcomes: list[bool] | None = None, **kwargs):
        super().__init__(tenant, **kwargs)
        self.outcomes = outcomes
        self.event_rules: list[tuple[str, str, Any]] = []
        # (condition as JSON, outcomes) -> its Q, for the batch this compiler serves.
        self.compiled: dict[tuple[str, tuple[bool, ...]], Q] = {}
        # Condition as JSON -> its event rules (None: it no longer compiles).
        self.rules_of: dict[str, list[tuple[str, str, Any]] | None] = {}
        # (condition as JSON, rule index, what the data holds at its key) -> the rule's outcome:
        # a batch's events carry a few distinct values (a tag, a carrier, an amount).
        self.judged: dict[tuple, bool] = {}
        # (condition as JSON, outcomes) -> its CASE over the customer table as (SQL, params),
        # or None when it needs a join (matching_events).
        self.sql: dict[tuple[str, tuple[bool, ...]], tuple[str, list] | None] = {}

    def compile_one(self, condition: Any, *, segment_id: int | None = None):
        self.event_rules = []
        return super().compile_one(condition, segment_id=segment_id)

    def rule(self, rule: Mapping, path: str) -> Q:
        name = rule.get("field")
        if isinstance(name, str) and name.startswith(EVENT_PREFIX):
            at = f"{path + '.' if path else ''}"
            key, op, value = name.removeprefix(EVENT_PREFIX), rule.get("op"), rule.get("value")
            check_event_rule(key, op, value, at)
            index = len(self.event_rules)
            self.event_rules.append((key, op, value))
            if self.outcomes is None:
                return TRUE
            return TRUE if self.outcomes[index] else FALSE
        return super().rule(rule, path)


def check_trigger_condition(condition: Any, *, tenant: Tenant, field: str = "conditions") -> list:
    """Validate a trigger's condition; answers its event rules [(key, op, value)] in order.
    ValidationError({field: [where and why]})."""
    compiler = TriggerCompiler(tenant)
    try:
        compiler.compile_one(condition)
    except ConditionProblem as problem:
        raise ValidationError({field: [str(problem)]}) from None
    return list(compiler.event_rules)


def customer_condition_q(condition: Any, *, tenant: Tenant, now=None) -> Q:
    """The customer part alone, every event rule taken as true: who would match now, given a
    matching event (the builder's live count)."""
    compiler = TriggerCompiler(tenant, now=now)
    try:
        return compiler.compile_one(condition)[0]
    except ConditionProblem as problem:
        raise ValidationError({"conditions": [str(problem)]}) from None


ANNOTATIONS_PER_QUERY = 40


def _judged(memo: dict, text: str, n: int, rule: tuple[str, str, Any], data: Mapping) -> bool:
    """Rule n of the condition `text` on an event's data, remembered by what the data holds
    at its key (by its type too: True is not 1)."""
    key, op, value = rule
    found = _lookup(data, key)
    try:
        memo_key = (text, n, found.__class__, found)
        return memo[memo_key]
    except KeyError:
        memo[memo_key] = outcome = _judge(found, op, value)
        return outcome
    except TypeError:  # a list or an object: not remembered
        return _judge(found, op, value)


def matching_events(
    checks: list[tuple[Any, list[tuple[int, Mapping]]]],
    *,
    tenant: Tenant,
    compiler: TriggerCompiler,
) -> list[set[int]]:
    """For each (condition, events [(customer_id, data)]) of `checks`, the indexes of the events
    for which the condition holds. The event rules are tested in Python; each distinct pattern
    of their outcomes makes the condition one customer expression, and all of them, for every
    condition of `checks`, are read in a few customer queries (a CASE each, read for the
    customers of its condition's events): the whole list is judged against the customers as
    they are at that moment. A condition that no longer compiles (a field it names was
    deleted) matches no event. `compiler`: a TriggerCompiler of the tenant (it reads the
    field definitions once)."""
    expressions: dict[str, Q] = {}
    keys: dict[str, tuple[str, tuple[bool, ...]]] = {}  # label -> (condition, pattern)
    plans: list[list[tuple[int, int, str | bool]]] = []
    for condition, events in checks:
        plan: list[tuple[int, int, str | bool]] = []  # (event index, customer id, expression)
        plans.append(plan)
        text = json.dumps(condition, sort_keys=True)
        if text not in compiler.rules_of:
            compiler.outcomes = None
            try:
                compiler.compile_one(condition)
                compiler.rules_of[text] = list(compiler.event_rules)
            except ConditionProblem:
                compiler.rules_of[text] = None
        rules = compiler.rules_of[text]
        if rules is None:
            continue
        names: dict[tuple[bool, ...], str | bool] = {}
        for index, (customer_id, data) in enumerate(events):
            pattern = tuple(
                _judged(compiler.judged, text, n, rule, data) for n, rule in enumerate(rules)
            )
            if pattern not in names:
                key = (text, pattern)
                if key not in compiler.compiled:
                    compiler.outcomes = list(pattern)
                    compiler.compiled[key] = compiler.compile_one(condition)[0]
                q = compiler.compiled[key]
                if not q:  # no condition at all: every event
                    names[pattern] = True
                else:
                    names[pattern] = f"m{len(expressions)}"
                    expressions[names[pattern]] = q
                    keys[names[pattern]] = key
            plan.append((index, customer_id, names[pattern]))
    # Each expression is read only for its condition's customers: together with those of the
    # conditions over the same customers (the triggers of one event type, in a round), at most
    # ANNOTATIONS_PER_QUERY to a query.
    by_customers: dict[frozenset[int], list[str]] = defaultdict(list)
    for (_, events), plan in zip(checks, plans, strict=True):
        ids = frozenset(customer_id for customer_id, _ in events)
        by_customers[ids].extend(dict.fromkeys(n for _, _, n in plan if n is not True))
    holds: set[tuple[str, int]] = set()
    for ids, labels in by_customers.items():
        for start in range(0, len(labels), ANNOTATIONS_PER_QUERY):
            chunk = labels[start : start + ANNOTATIONS_PER_QUERY]
            rows = _flags(
                tenant,
                sorted(ids),
                [(keys[label], expressions[label]) for label in chunk],
                compiler,
            )
            for pk, *flags in rows:
                holds.update((label, pk) for label, flag in zip(chunk, flags, strict=True) if flag)
    return [
        {index for index, customer_id, name in plan if name is True or (name, customer_id) in holds}
        for plan in plans
    ]


def _case(q: Q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def _case_sql(q: Q) -> tuple[str, list] | None:
    """The condition as a CASE over the customer table alone, as SQL and parameters; None
    when it needs a join (it is then read through the ORM)."""
    query = Customer.objects.all().query
    query.get_initial_alias()
    resolved = _case(q).resolve_expression(query, allow_joins=True, reuse=None)
    if len(query.alias_map) != 1:
        return None
    sql, params = query.get_compiler(connection=connection).compile(resolved)
    return sql, list(params)


def _flags(
    tenant: Tenant,
    ids: list[int],
    conditions: list[tuple[tuple[str, tuple[bool, ...]], Q]],
    compiler: TriggerCompiler,
) -> list[tuple]:
    """(customer pk, one flag per condition) for these customers of the tenant. Each
    condition's CASE is compiled once a batch (`compiler.sql`: a batch's second round and
    its later queries reuse it) and the query is written out, not built by the ORM: building
    ~40 annotations a query, twice a batch, was most of the matching's time."""
    parts = []
    for key, q in conditions:
        if key not in compiler.sql:
            compiler.sql[key] = _case_sql(q)
        parts.append(compiler.sql[key])
    if any(part is None for part in parts):
        labels = [f"m{n}" for n in range(len(conditions))]
        return list(
            Customer.objects.for_tenant(tenant)
            .filter(pk__in=ids)
            .annotate(**{label: _case(q) for label, (_, q) in zip(labels, conditions, strict=True)})
            .values_list("pk", *labels)
        )
    quote = connection.ops.quote_name
    table = quote(Customer._meta.db_table)
    columns = ", ".join(sql for sql, _ in parts)
    holders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {table}.{quote('id')}, {columns} FROM {table} "
            f"WHERE {table}.{quote('tenant_id')} = %s AND {table}.{quote('id')} IN ({holders})",
            [*(param for _, params in parts for param in params), tenant.pk, *ids],
        )
        return cursor.fetchall()
