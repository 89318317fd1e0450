"""Likely duplicate customers of a tenant, and the existing customers a new one matches.

Three reasons, each its own grouping (a customer is in at most one group per reason):

- ``email``: the same address once trimmed and case-folded (``lower(trim(email))``, the SQL of
  ``tenancy.validators.normalize_email``); empty addresses match nothing.
- ``phone``: the same number. ``Customer.phone`` is stored normalised (``Customer.clean`` runs
  ``normalize_phone`` on every service write: ``+1 (555) 123-4567`` is kept as ``+15551234567``),
  so equal numbers are equal strings.
- ``name``: similar names in the same *scope*. The scope is the company (trimmed, case-folded)
  and, when the tenant has an active custom field keyed ``city`` (or labelled "City"), the city
  too: ``company|city``. So two Ann Lees at Acme in London and Paris are not duplicates, two Ann
  Lees without a company in the same city are, and a customer with neither company nor city has
  no scope and is never grouped by name. Within a scope:

  * on PostgreSQL, names (``lower(trim(first_name || ' ' || last_name))``) whose pg_trgm
    ``similarity`` is at least NAME_SIMILARITY (0.5): "Jon Smith" / "John Smith", "Анна
    Петрова" / "Ана Петрова" — trigrams work on any alphabet the database's ctype knows (the
    UTF-8 ones do Cyrillic, Greek, CJK …). Comparing is pairwise, so a scope of more than
    SIMILAR_SCOPE_MAX customers (a big employer) is matched on equal names only;
  * on SQLite (no pg_trgm), equal names only: the same ``lower(trim(full name))`` (SQLite's
    ``lower`` folds ASCII letters only, so a non-Latin pair must match exactly).

Groups are connected: when A~B and B~C by name, A, B and C are one group. Each group's ids are
ascending; groups come by reason (email, phone, name), then by their smallest id.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Concat, Lower, Trim

from customfields.models import FieldDefinition
from tenancy.models import Tenant
from tenancy.validators import normalize_email

from ..models import Customer

REASONS = {
    "email": "Same email",
    "phone": "Same phone",
    "name": "Similar name in the same company",
}
NAME_SIMILARITY = 0.5
SIMILAR_SCOPE_MAX = 200
CITY_KEY = "city"
SCOPE_SEPARATOR = "|"


@dataclass(frozen=True)
class DuplicateGroup:
    customers: list[int]
    reason: str

    @property
    def reason_text(self) -> str:
        return REASONS[self.reason]


def city_definition(tenant: Tenant) -> FieldDefinition | None:
    """The tenant's active text or select field keyed `city` (or labelled City), if any."""
    fields = FieldDefinition.objects.for_tenant(tenant).filter(
        is_active=True, field_type__in=("text", "select")
    )
    return (
        fields.filter(field_key=CITY_KEY).first()
        or fields.filter(field_label__iexact=CITY_KEY).order_by("pk").first()
    )


def _norm(expression) -> Any:
    return Lower(Trim(expression))


def name_expression():
    return _norm(Concat("first_name", Value(" "), "last_name", output_field=CharField()))


def _city_expression(definition: FieldDefinition):
    if definition.in_slot:
        return Coalesce(F(definition.mapped_field_name), Value(""), output_field=CharField())
    return Coalesce(
        KeyTextTransform(definition.field_key, "custom_fields_extra"),
        Value(""),
        output_field=CharField(),
    )


def scope_expression(city: FieldDefinition | None):
    """company, or company|city when the tenant has a city field ("" when neither)."""
    company = _norm("company")
    if city is None:
        return company
    return Concat(
        company, Value(SCOPE_SEPARATOR), _norm(_city_expression(city)), output_field=CharField()
    )


def _empty_scope(city: FieldDefinition | None) -> str:
    return SCOPE_SEPARATOR if city is not None else ""


def _customers(tenant: Tenant) -> QuerySet:
    return Customer.objects.for_tenant(tenant).order_by()


def _same_key_groups(rows: QuerySet, key) -> list[list[int]]:
    """Ids sharing `key` (an expression), as groups of 2 or more: the keys held more than once
    (one grouped pass), then their customers (a second pass, through the index on the key)."""
    keyed = rows.annotate(dup_key=key)
    repeated = keyed.values("dup_key").annotate(n=Count("pk")).filter(n__gt=1).values("dup_key")
    groups: dict[Any, list[int]] = {}
    for k, pk in (
        keyed.filter(dup_key__in=repeated).values_list("dup_key", "pk").order_by("dup_key", "pk")
    ):
        groups.setdefault(k, []).append(pk)
    return [ids for ids in groups.values() if len(ids) > 1]


def _components(pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return [sorted(ids) for ids in groups.values() if len(ids) > 1]


def _similar_name_pairs(scoped: QuerySet) -> list[tuple[int, int]]:
    """PostgreSQL: pairs of customers in the same scope (of at most SIMILAR_SCOPE_MAX) whose
    names' trigram similarity reaches NAME_SIMILARITY. The candidate rows are the ORM's SQL;
    the self-join is written here (hash-joined on the scope)."""
    sql, params = scoped.values_list("pk", "dup_name", "dup_scope").query.sql_with_params()
    query = f"""
        WITH c(id, name, scope) AS MATERIALIZED ({sql}),
        small AS (
            SELECT scope FROM c GROUP BY scope HAVING count(*) BETWEEN 2 AND %s
        ),
        cs AS (SELECT c.id, c.name, c.scope FROM c JOIN small USING (scope))
        SELECT a.id, b.id FROM cs a JOIN cs b ON a.scope = b.scope AND a.id < b.id
        WHERE similarity(a.name, b.name) >= %s
    """
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, SIMILAR_SCOPE_MAX, NAME_SIMILARITY])
        return [tuple(row) for row in cursor.fetchall()]


def _name_groups(tenant: Tenant) -> list[list[int]]:
    city = city_definition(tenant)
    scoped = (
        _customers(tenant)
        .annotate(dup_scope=scope_expression(city), dup_name=name_expression())
        .exclude(dup_scope=_empty_scope(city))
        .exclude(dup_name="")
    )
    exact = _same_key_groups(
        scoped, Concat(F("dup_scope"), Value("\x1f"), F("dup_name"), output_field=CharField())
    )
    if connection.vendor != "postgresql":
        return exact
    pairs = [(ids[0], other) for ids in exact for other in ids[1:]]
    return _components([*pairs, *_similar_name_pairs(scoped)])


def _ordered(groups: list[list[int]], reason: str) -> list[DuplicateGroup]:
    return [DuplicateGroup(ids, reason) for ids in sorted(groups, key=lambda ids: ids[0])]


def duplicate_groups(*, tenant: Tenant, reason: str | None = None) -> list[DuplicateGroup]:
    """Every group of likely duplicates of the tenant (`reason`: only that reason's)."""
    found: list[DuplicateGroup] = []
    customers = _customers(tenant)
    if reason in (None, "email"):
        emails = customers.exclude(email="")
        found += _ordered(_same_key_groups(emails, _norm("email")), "email")
    if reason in (None, "phone"):
        phones = customers.exclude(phone="")
        found += _ordered(_same_key_groups(phones, F("phone")), "phone")
    if reason in (None, "name"):
        found += _ordered(_name_groups(tenant), "name")
    return found


# ---------------------------------------------------------------------------------------------
# One customer, or the values of one about to be


@dataclass(frozen=True)
class Match:
    customer: Customer
    reasons: list[str]

    @property
    def reason_text(self) -> str:
        words = {"email": "same email", "phone": "same phone", "name": "similar name"}
        return ", ".join(words[r] for r in self.reasons)


def _values_of(customer: Customer, city: FieldDefinition | None) -> dict[str, Any]:
    values = {
        "email": customer.email,
        "phone": customer.phone,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "company": customer.company,
    }
    if city is not None:
        if city.in_slot:
            values[CITY_KEY] = getattr(customer, city.mapped_field_name) or ""
        else:
            values[CITY_KEY] = (customer.custom_fields_extra or {}).get(city.field_key) or ""
    return values


def duplicates_of(
    *,
    tenant: Tenant,
    customer: Customer | None = None,
    values: Mapping[str, Any] | None = None,
    limit: int = 20,
) -> list[Match]:
    """The tenant's existing customers that `customer` (or a customer with `values`:
    email, phone, first_name, last_name, company and `city`) would be a duplicate of, by the
    rules above, with the reasons; the customer itself excluded. At most `limit`, oldest
    first. A few index lookups: the duplicate warning of the create page and the profile."""
    city = city_definition(tenant)
    if customer is not None:
        values = _values_of(customer, city)
    values = dict(values or {})
    customers = _customers(tenant)
    if customer is not None:
        customers = customers.exclude(pk=customer.pk)
    reasons: dict[int, list[str]] = {}
    email = normalize_email(values.get("email") or "")
    if email:
        for pk in (
            customers.annotate(k=_norm("email"))
            .filter(k=email)
            .values_list("pk", flat=True)[:limit]
        ):
            reasons.setdefault(pk, []).append("email")
    phone = (values.get("phone") or "").strip()
    if phone:
        for pk in customers.filter(phone=phone).values_list("pk", flat=True)[:limit]:
            reasons.setdefault(pk, []).append("phone")
    name = " ".join([(values.get("first_name") or ""), (values.get("last_name") or "")]).strip()
    company = (values.get("company") or "").strip().lower()
    scope = company
    if city is not None:
        scope = f"{company}{SCOPE_SEPARATOR}{str(values.get(CITY_KEY) or '').strip().lower()}"
    if name and scope != _empty_scope(city):
        for pk in _similar_names(customers, city=city, scope=scope, name=name.lower())[:limit]:
            reasons.setdefault(pk, []).append("name")
    found = Customer.objects.for_tenant(tenant).in_bulk(list(reasons))
    return [Match(found[pk], reasons[pk]) for pk in sorted(reasons) if pk in found][:limit]


def _similar_names(customers: QuerySet, *, city, scope: str, name: str) -> list[int]:
    company = scope.split(SCOPE_SEPARATOR)[0] if city is not None else scope
    # The company narrows through its index first (an empty company: the city alone).
    rows = customers.annotate(dup_company=_norm("company")).filter(dup_company=company)
    rows = rows.annotate(dup_scope=scope_expression(city), dup_name=name_expression()).filter(
        dup_scope=scope
    )
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        rows = rows.annotate(similar=TrigramSimilarity("dup_name", Value(name))).filter(
            Q(dup_name=name) | Q(similar__gte=NAME_SIMILARITY)
        )
    else:
        rows = rows.filter(dup_name=name)
    return list(rows.order_by("pk").values_list("pk", flat=True))


def group_for(
    *, tenant: Tenant, customer: Customer, reason: str | None = None
) -> list[DuplicateGroup]:
    """`customers/duplicates/?customer=<id>`: for each reason, the customer and those it
    matches for that reason (ids ascending)."""
    matches = duplicates_of(tenant=tenant, customer=customer, limit=100)
    groups = []
    for r in REASONS:
        if reason not in (None, r):
            continue
        ids = [m.customer.pk for m in matches if r in m.reasons]
        if ids:
            groups.append(DuplicateGroup(sorted([customer.pk, *ids]), r))
    return groups


__all__ = ["DuplicateGroup", "Match", "REASONS", "duplicate_groups", "duplicates_of", "group_for"]
