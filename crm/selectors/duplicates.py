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
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Concat, Greatest, Least, Left, Lower, Trim

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


def name_expression():
    return _norm(Concat("first_name", Value(" "), "last_name", output_field=CharField()))


def initials_expression():
    """The block similar names are compared in: the first letters of the first and last
    names, in either order ("al" for Ann Lee and for Lee Ann). The first letter is cut before
    it is lower-cased and again after (lower of one letter can be two): the same letter as
    lower-casing the whole name first, at a fraction of the cost over 200,000 rows."""

    def initial(name: str):
        return Left(Lower(Left(Trim(name), 1)), 1)

    first, last = initial("first_name"), initial("last_name")
    return Concat(Least(first, last), Greatest(first, last), output_field=CharField())


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


def _name_groups(tenant: Tenant) -> list[list[int]]:
    """SQLite: equal names in the same scope."""
    city = city_definition(tenant)
    scoped = (
        _customers(tenant)
        .annotate(dup_scope=scope_expression(city), dup_name=name_expression())
        .exclude(dup_scope=_empty_scope(city))
        .exclude(dup_name="")
    )
    return _same_key_groups(
        scoped, Concat(F("dup_scope"), Value("\x1f"), F("dup_name"), output_field=CharField())
    )


def _postgresql_groups(tenant: Tenant, reasons: list[str]) -> dict[str, list[list[int]]]:
    """PostgreSQL: every reason in one statement over one scan of the tenant's customers (the
    keys computed by the ORM's expressions, materialised once): exact keys found repeated by a
    count (a hash table of keys and counts) and only their customers' ids gathered with
    array_agg — an array_agg state for each of 200,000 mostly single keys made the hash
    aggregate spill to disk —, similar names as pairs within their (scope, initials) blocks,
    joined into groups here."""
    city = city_definition(tenant)
    rows = _customers(tenant).annotate(
        k_email=_norm("email"),
        k_phone=F("phone"),
        k_name=name_expression(),
        k_scope=scope_expression(city),
        k_block=initials_expression(),
    )
    sql, params = rows.values_list(
        "pk", "k_email", "k_phone", "k_name", "k_scope", "k_block"
    ).query.sql_with_params()
    parts, args = [], []
    if "email" in reasons:
        parts.append(
            "SELECT 'email', array_agg(id) FROM c JOIN "
            "(SELECT e FROM c WHERE e <> '' GROUP BY e HAVING count(*) > 1) k USING (e) "
            "GROUP BY e"
        )
    if "phone" in reasons:
        parts.append(
            "SELECT 'phone', array_agg(id) FROM c JOIN "
            "(SELECT p FROM c WHERE p <> '' GROUP BY p HAVING count(*) > 1) k USING (p) "
            "GROUP BY p"
        )
    if "name" in reasons:
        parts.append(
            "SELECT 'name', array_agg(id) FROM named JOIN "
            "(SELECT s, n FROM named GROUP BY s, n HAVING count(*) > 1) k USING (s, n) "
            "GROUP BY s, n"
        )
        parts.append(
            "SELECT 'pair', ARRAY[x.id, y.id] FROM nb x JOIN nb y "
            "ON x.s = y.s AND x.b = y.b AND x.id < y.id "
            "WHERE x.n <> y.n AND similarity(x.n, y.n) >= %s"
        )
        args.append(NAME_SIMILARITY)
    query = f"""
        WITH c(id, e, p, n, s, b) AS MATERIALIZED ({sql}),
        named AS (SELECT * FROM c WHERE s <> %s AND n <> ''),
        blocks AS (
            SELECT s, b FROM named GROUP BY s, b HAVING count(*) BETWEEN 2 AND %s
        ),
        nb AS (SELECT named.* FROM named JOIN blocks USING (s, b))
        {" UNION ALL ".join(parts)}
    """
    found: dict[str, list[list[int]]] = {r: [] for r in reasons}
    pairs: list[tuple[int, int]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        # One analytical statement: its hash tables in memory rather than sorts on disk, no JIT
        # compilation (a third of a second per run for nothing), and hash joins for the pairs
        # (the blocks' sizes are beyond the planner's estimate, which picks a merge join).
        for setting in QUERY_SETTINGS:
            cursor.execute(f"SET LOCAL {setting}")
        cursor.execute(query, [*params, _empty_scope(city), BLOCK_MAX, *args])
        for reason, ids in cursor.fetchall():
            ids = sorted(ids)
            if reason == "pair" or reason == "name":
                pairs += [(ids[0], other) for other in ids[1:]]
            else:
                found[reason].append(ids)
    if "name" in reasons:
        found["name"] = _components(pairs)
    return found


def _ordered(groups: list[list[int]], reason: str) -> list[DuplicateGroup]:
    return [DuplicateGroup(ids, reason) for ids in sorted(groups, key=lambda ids: ids[0])]


def duplicate_groups(*, tenant: Tenant, reason: str | None = None) -> list[DuplicateGroup]:
    """Every group of likely duplicates of the tenant (`reason`: only that reason's)."""
    reasons = [r for r in REASONS if reason in (None, r)]
    if connection.vendor == "postgresql":
        found = _postgresql_groups(tenant, reasons)
    else:
        customers = _customers(tenant)
        found = {}
        if "email" in reasons:
            found["email"] = _same_key_groups(customers.exclude(email=""), _norm("email"))
        if "phone" in reasons:
            found["phone"] = _same_key_groups(customers.exclude(phone=""), F("phone"))
        if "name" in reasons:
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
            customers.exclude(email="")
            .annotate(k=_norm("email"))
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
    # `company <> ''` lets the planner use the partial (tenant, lower(trim(company))) index.
    rows = customers.exclude(company="") if company else customers.filter(company="")
    rows = rows.annotate(dup_company=_norm("company")).filter(dup_company=company)
    rows = rows.annotate(dup_scope=scope_expression(city), dup_name=name_expression()).filter(
        dup_scope=scope
    )
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        block = _initials(name_first, name_last)
        rows = (
            rows.annotate(
                dup_block=initials_expression(),
                similar=TrigramSimilarity("dup_name", Value(name)),
            )
            .filter(dup_block__in=block)
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
