"""Which of some customers match which of many compiled conditions, in one statement.

Smart-tag rules and segments are re-evaluated for the customers a change touched; with 50
segments and 20 rules that is one SELECT of the changed rows with one boolean column per
condition, not 70 queries. The booleans are the same SQL the conditions compile to in a
WHERE clause (a NULL comparison is "no match" in both), so a customer matches here exactly
when `Customer.objects.filter(q)` would return it."""

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

from django.db.models import BooleanField, ExpressionWrapper, Q, Value

from tenancy.models import Tenant

from ..models import Customer

# Columns per statement: a batch of customers is read once per this many conditions.
MAX_CONDITIONS_PER_STATEMENT = 100

K = TypeVar("K", bound=Hashable)


def _flag(q: Q) -> ExpressionWrapper | Value:
    return Value(True) if not q else ExpressionWrapper(q, output_field=BooleanField())


def matching(
    *, tenant: Tenant, conditions: Mapping[K, Q], customer_ids: Iterable[int]
) -> dict[K, set[int]]:
    """{key: ids of `customer_ids` (of this tenant) that match conditions[key]}."""
    ids = sorted(set(customer_ids))
    found: dict[K, set[int]] = {key: set() for key in conditions}
    if not ids or not conditions:
        return found
    keys = list(conditions)
    for start in range(0, len(keys), MAX_CONDITIONS_PER_STATEMENT):
        chunk = keys[start : start + MAX_CONDITIONS_PER_STATEMENT]
        names = {key: f"m{i}" for i, key in enumerate(chunk)}
        rows = (
            Customer.objects.for_tenant(tenant)
            .filter(pk__in=ids)
            .annotate(**{names[key]: _flag(conditions[key]) for key in chunk})
            .values_list("pk", *names.values())
        )
        for pk, *flags in rows:
            for key, flag in zip(chunk, flags, strict=True):
                if flag:
                    found[key].add(pk)
    return found
