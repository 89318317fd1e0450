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

  * on PostgreSQL, equal names (``lower(trim(first_name || ' ' || last_name))``), and names
    whose pg_trgm ``similarity`` is at least NAME_SIMILARITY (0.5): "Jon Smith" / "John
    Smith", "Анна Петрова" / "Ана Петрова" — trigrams work on any alphabet the database's
    ctype knows (the UTF-8 ones do Cyrillic, Greek, CJK …). Comparing is pairwise, so it is
    blocked: only names with the same two initials (first and last name's, in either order,
    so "Lee Ann" meets "Ann Lee") are compared, and a block of more than BLOCK_MAX customers
    (a big employer's Smiths) is matched on equal names only. A typo in a name's first letter
    is therefore not found by the group scan;
  * on SQLite (no pg_trgm), equal names only: the same ``lower(trim(full name))`` (SQLite's
    ``lower`` folds ASCII letters only, so a non-Latin pair must match exactly).

Groups are connected: when A~B and B~C by name, A, B and C are one group. Each group's ids are
ascending; groups come by reason (email, phone, name), then by their smallest id.

The keys are stored on every customer and kept by the database (``Customer.email_key``,
``name_key``, ``company_key``, ``name_block``: generated columns), so a tenant-wide grouping
reads them rather than computing them for 200,000 customers per request; only the scope's city
part, a slot that differs between tenants, is computed here.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db import connection, transaction
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
BLOCK_MAX = 200
CITY_KEY = "city"
QUERY_SETTINGS = ("work_mem = '64MB'", "jit = off", "enable_mergejoin = off")
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
    company = F("company_key")
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
    """Ids sharing `key` (an expression), as groups of 2 or more.

    PostgreSQL, for a stored key with a (tenant, key) INCLUDE (id) index (`email_key`,
    `phone`): one pass over that index in key order — an index-only scan, grouped as it
    streams (no hash table of 200,000 keys), the ids of each repeated key gathered as it goes.
    Elsewhere: the keys held more than once (one grouped pass), then their customers (a second
    pass, through the index on the key)."""
    keyed = rows.annotate(dup_key=key)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import ArrayAgg

        repeated = (
            keyed.values("dup_key").annotate(ids=ArrayAgg("pk"), n=Count("*")).filter(n__gt=1)
        )
        return [sorted(ids) for ids in repeated.values_list("ids", flat=True)]
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


def _name_groups(tenant: Tenant) -> list[list[int]]:
    """SQLite: equal names in the same scope."""
    city = city_definition(tenant)
    scoped = (
        _customers(tenant)
        .annotate(dup_scope=scope_expression(city), dup_name=F("name_key"))
        .exclude(dup_scope=_empty_scope(city))
        .exclude(dup_name="")
    )
    return _same_key_groups(
        scoped, Concat(F("dup_scope"), Value("\x1f"), F("dup_name"), output_field=CharField())
    )


def _postgresql_name_pairs(tenant: Tenant) -> list[tuple[int, int]]:
    """PostgreSQL: pairs of customers with similar names in the same scope, in one statement
    over one scan of the tenant's customers (the stored name keys and blocks, the scope built
    once per row, materialised): equal names by a count per (scope, name) with only the
    repeated ones' ids gathered — an array_agg state for each of 200,000 mostly single names
    spilled to disk —, similar ones as pairs within their (scope, block) blocks, each block
    numbered so the pairs' join compares integers, not the scope and block strings.

    The pairs' `similarity()` (each call extracts both names' trigrams again) is guarded by a
    lossless bound computed once per name: with A and B the two names' trigram sets,
    similarity = |A∩B| / |A∪B| ≥ t means |A∪B| ≤ (|A| + |B|) / (1 + t); a 128-bit signature
    of each set (a trigram's hash sets one bit) has popcount(sig A | sig B) ≤ |A∪B|, so a pair
    whose signatures' union has more bits than that is not similar, and is skipped unread."""
    city = city_definition(tenant)
    rows = (
        _customers(tenant)
        .annotate(k_scope=scope_expression(city))
        .exclude(name_key="")
        .exclude(k_scope=_empty_scope(city))
    )
    sql, params = rows.values_list(
        "pk", "name_key", "k_scope", "name_block"
    ).query.sql_with_params()
    query = f"""
        WITH named(id, n, s, b) AS MATERIALIZED ({sql}),
        blocks AS (
            SELECT s, b, row_number() OVER () AS k FROM named
            GROUP BY s, b HAVING count(*) BETWEEN 2 AND %s
        ),
        nb AS (
            SELECT named.id, named.n, blocks.k, g.l, g.s1, g.s2
            FROM named JOIN blocks USING (s, b),
            LATERAL (
                SELECT count(*)::int AS l,
                    bit_or(CASE WHEN h & 64 = 0 THEN 1::bigint << (h & 63) ELSE 0 END) AS s1,
                    bit_or(CASE WHEN h & 64 <> 0 THEN 1::bigint << (h & 63) ELSE 0 END) AS s2
                FROM (SELECT hashtext(t) AS h FROM unnest(show_trgm(named.n)) t) trigrams
            ) g
        )
        SELECT array_agg(id) FROM named JOIN
            (SELECT s, n FROM named GROUP BY s, n HAVING count(*) > 1) k USING (s, n)
            GROUP BY s, n
        UNION ALL
        SELECT ARRAY[x.id, y.id] FROM nb x JOIN nb y ON x.k = y.k AND x.id < y.id
            WHERE x.n <> y.n AND CASE
                WHEN %s * (bit_count((x.s1 | y.s1)::bit(64))
                    + bit_count((x.s2 | y.s2)::bit(64))) <= %s * (x.l + y.l)
                THEN similarity(x.n, y.n) >= %s
                ELSE false
            END
    """
    pairs: list[tuple[int, int]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        # One analytical statement: its hash tables in memory rather than sorts on disk, no JIT
        # compilation (a third of a second per run for nothing), and hash joins for the pairs
        # (the blocks' sizes are beyond the planner's estimate, which picks a merge join).
        for setting in QUERY_SETTINGS:
            cursor.execute(f"SET LOCAL {setting}")
        # The bound in integers: (1 + p/q) · bits ≤ l  ⇔  (q + p) · bits ≤ q · l.
        t = Fraction(NAME_SIMILARITY).limit_denominator(1000)
        bound = [t.denominator + t.numerator, t.denominator]
        cursor.execute(query, [*params, BLOCK_MAX, *bound, NAME_SIMILARITY])
        for (ids,) in cursor.fetchall():
            ids = sorted(ids)
            pairs += [(ids[0], other) for other in ids[1:]]
    return pairs


def _ordered(groups: list[list[int]], reason: str) -> list[DuplicateGroup]:
    return [DuplicateGroup(ids, reason) for ids in sorted(groups, key=lambda ids: ids[0])]


def duplicate_groups(*, tenant: Tenant, reason: str | None = None) -> list[DuplicateGroup]:
    """Every group of likely duplicates of the tenant (`reason`: only that reason's)."""
    reasons = [r for r in REASONS if reason in (None, r)]
    customers = _customers(tenant)
    found = {}
    if "email" in reasons:
        found["email"] = _same_key_groups(customers.exclude(email=""), F("email_key"))
    if "phone" in reasons:
        found["phone"] = _same_key_groups(customers.exclude(phone=""), F("phone"))
    if "name" in reasons:
        if connection.vendor == "postgresql":
            found["name"] = _components(_postgresql_name_pairs(tenant))
        else:
            found["name"] = _name_groups(tenant)
    return [group for r in reasons for group in _ordered(found[r], r)]


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
            customers.exclude(email="").filter(email_key=email).values_list("pk", flat=True)[:limit]
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
        similar = _similar_names(
            customers,
            city=city,
            scope=scope,
            name=name.lower(),
            name_first=values.get("first_name") or "",
            name_last=values.get("last_name") or "",
        )
        for pk in similar[:limit]:
            reasons.setdefault(pk, []).append("name")
    found = Customer.objects.for_tenant(tenant).in_bulk(list(reasons))
    return [Match(found[pk], reasons[pk]) for pk in sorted(reasons) if pk in found][:limit]


def _initials(first: str, last: str) -> list[str]:
    """Both orders: which is "least" is the database collation's to say."""
    a, b = first.strip().lower()[:1], last.strip().lower()[:1]
    return [a + b, b + a]


def _similar_names(
    customers: QuerySet, *, city, scope: str, name: str, name_first: str, name_last: str
) -> list[int]:
    company = scope.split(SCOPE_SEPARATOR)[0] if city is not None else scope
    # The company narrows through its index first (an empty company: the city alone).
    # `company <> ''` lets the planner use the partial (tenant, company_key) index.
    rows = customers.exclude(company="") if company else customers.filter(company="")
    rows = rows.filter(company_key=company)
    rows = rows.annotate(dup_scope=scope_expression(city), dup_name=F("name_key")).filter(
        dup_scope=scope
    )
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        block = _initials(name_first, name_last)
        rows = (
            rows.annotate(similar=TrigramSimilarity("dup_name", Value(name)))
            .filter(name_block__in=block)
            .filter(Q(dup_name=name) | Q(similar__gte=NAME_SIMILARITY))
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
