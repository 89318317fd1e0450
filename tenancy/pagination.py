"""Counts that never cost more than the page they go with, for the pages and the API alike.

A list's `COUNT(*)` visits every matching row; for a filter that matches 50,000 of a tenant's
rows that is many times the cost of the 50 shown. So a list counts at most COUNT_CAP + 1 rows
(`SELECT count(*) FROM (SELECT … LIMIT 10001)`): exact up to COUNT_CAP, "10,000+" beyond, and
exact on demand (`?count=exact`, the pages' "Count all" link). Statistics and exports count
everything, as they must.

Paging goes on past the capped count: a page beyond it is fetched with one row more than it
shows, which says whether there is a next one; a page with no rows is an EmptyPage as usual.

A small result is found once: a list that gives `by_keys` (its rows as shown, unfiltered, for
a list of primary keys) has the capped count bring back the keys it counted when there are at
most KEYS_CAP of them, and its page is read by those keys, sorted and sliced as usual. A filter
whose matches are costly to find (a trigram search, a tag's links checked lead by lead) is then
run once per request instead of twice, and the page reads the matched rows by primary key. With
`keys_in_order` (the list's ordering), PostgreSQL's count also sorts the keys as the list is,
so a page reads only its own rows. The list decides: for a filter whose page can stop early (an
index in the list's order), reading by keys costs more than it saves.
"""

from collections.abc import Callable, Sequence

from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property

COUNT_CAP = 10_000
# At most this many matches come back with the capped count as keys to read the page by; more
# would cost the count more to gather and carry than the page saves.
KEYS_CAP = 1_000
# `?count=exact` asks for the exact figure; blank or absent is the capped count.
COUNT_PARAM = "count"
EXACT = "exact"


def wants_exact_count(params) -> bool:
    """Whether the GET parameters ask for the exact count (anything but "exact" is capped;
    the API refuses other values itself, see tenancy.api.pagination)."""
    return params.get(COUNT_PARAM, "") == EXACT


class CappedPage(Page):
    """A page of a list whose count stopped at the cap: whether a next page exists is known
    from the extra row fetched with it, not from the count."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return self.start_index() + len(self) - 1


class CappedPaginator(Paginator):
    """Django's Paginator with the capped count: `count` is exact when `count_is_exact`,
    else it is `cap` and there are more. A list that is not read from a queryset is counted
    exactly (it is in memory already)."""

    def __init__(
        self,
        object_list,
        per_page,
        *,
        exact: bool = False,
        cap: int | None = None,
        by_keys: Callable[[Sequence], QuerySet] | None = None,
        keys_in_order: Sequence[str] = (),
    ):
        super().__init__(object_list, per_page)
        # The rows to count: the queryset, or the one an ordered wrapper reads its rows from
        # (customfields' ValuesThenEmpty: values first, then the empty ones).
        rows = getattr(object_list, "queryset", object_list)
        self.rows = rows if isinstance(rows, QuerySet) else None
        self.exact = exact or self.rows is None
        self.cap = COUNT_CAP if cap is None else cap
        # Only a plain queryset is paged by keys: a wrapper orders its rows in its own way.
        self.by_keys = by_keys if rows is object_list and self.rows is not None else None
        self.keys_in_order = keys_in_order

    @cached_property
    def _counted(self) -> tuple[int, list | None, bool]:
        """(the count, the keys counted or None, whether they are in the list's order): the
        exact count, or at most cap + 1 rows counted (the ordering is left out: the count does
        not depend on it, and sorting every matching row would cost what the cap saves), with
        their keys when the list reads its page by keys and there are at most KEYS_CAP."""
        if self.exact:
            return super().count, None, False
        if self.by_keys is None:
            return self.rows.order_by()[: self.cap + 1].count(), None, False
        # Keys only for a count that is exact, so they are every row the list has.
        most = min(KEYS_CAP, self.cap)
        return count_with_keys(self.rows, self.cap, most, self.keys_in_order)

    @cached_property
    def counted(self) -> int:
        return self._counted[0]

    @cached_property
    def count_is_exact(self) -> bool:
        return self.exact or self.counted <= self.cap

    @cached_property
    def count(self) -> int:
        return self.counted if self.count_is_exact else self.cap

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            if self.count_is_exact or int(number) < 1:
                raise
            return int(number)  # past the capped count: page() finds out whether it has rows

    def page(self, number):
        _count, keys, in_order = self._counted
        if keys is not None:  # a small result: its page read by the keys the count found
            number = self.validate_number(number)
            bottom = (number - 1) * self.per_page
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            if not keys:
                rows = self.rows.none()
            elif in_order:  # the page's own keys, read in the list's order
                rows = self.by_keys(keys[bottom:top])
            else:
                rows = self.by_keys(keys)[bottom:top]
            return self._get_page(rows, number, self)
        if self.count_is_exact:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number):
        """A valid page whatever is asked, as Django's: past the end of a capped list, the
        last page, which takes the exact count to find."""
        try:
            return super().get_page(number)
        except EmptyPage:
            exact = CappedPaginator(self.object_list, self.per_page, exact=True)
            return exact.get_page(number)


def count_with_keys(
    rows: QuerySet, cap: int, most: int, order: Sequence[str] = ()
) -> tuple[int, list | None, bool]:
    """(how many rows `rows` has, counting at most cap + 1; their primary keys if there are at
    most `most`, else None; whether the keys are in `order`), in one statement on PostgreSQL
    and SQLite; elsewhere the count alone.

    `order` (field names, "-" for descending, as `order_by` takes them) puts the keys in the
    list's order, on PostgreSQL: worth it where the count reads the rows' heap anyway (a
    trigram search rechecks every match), so the page need only read its own rows. The keys are
    gathered only when the count turns out small (the CASE's subquery runs only then)."""
    connection = connections[rows.db]
    if connection.vendor not in ("postgresql", "sqlite") or rows.query.combinator:
        return rows.order_by()[: cap + 1].count(), None, False
    ordered = bool(order) and connection.vendor == "postgresql"
    # The key (and the order's columns) under names of their own, for the outer statement.
    inner = rows.order_by().annotate(paging_key=F("pk"))
    columns, terms = ["paging_key"], []
    for i, term in enumerate(order if ordered else ()):
        name = f"paging_order_{i}"
        inner = inner.annotate(**{name: F(term.removeprefix("-"))})
        columns.append(name)
        terms.append(f"{name} {'DESC' if term.startswith('-') else 'ASC'}")
    try:
        sql, params = (
            inner.values_list(*columns)[: cap + 1].query.get_compiler(using=rows.db).as_sql()
        )
    except EmptyResultSet:  # a queryset that matches nothing by construction (none())
        return 0, [], False
    most = int(most)
    if ordered:
        statement = (
            f"WITH paged AS MATERIALIZED ({sql}) "
            f"SELECT counted.n, CASE WHEN counted.n <= {most} THEN "
            f"(SELECT array_agg(paging_key ORDER BY {', '.join(terms)}) FROM paged) END "
            "FROM (SELECT COUNT(*) AS n FROM paged) counted"
        )
    else:
        gather = "array_agg" if connection.vendor == "postgresql" else "group_concat"
        statement = (
            f"SELECT COUNT(*), CASE WHEN COUNT(*) <= {most} THEN {gather}(paging_key) END "
            f"FROM ({sql}) paged"
        )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        count, gathered = cursor.fetchone()
    if count > most:
        return count, None, False
    if not count:
        return 0, [], ordered
    if isinstance(gathered, str):  # SQLite's comma-separated keys
        to_key = rows.model._meta.pk.to_python
        gathered = [to_key(key) for key in gathered.split(",")]
    return count, list(gathered), ordered


def with_keys(queryset: QuerySet, keys: Sequence) -> QuerySet:
    """`queryset` narrowed to these primary keys: `pk = ANY(%s)` with the keys as one array on
    PostgreSQL (a thousand `IN` placeholders cost the driver more to bind than the page costs
    to read), `pk IN (…)` elsewhere."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return queryset.filter(pk__in=keys)
    meta, quote = queryset.model._meta, connection.ops.quote_name
    column = f"{quote(meta.db_table)}.{quote(meta.pk.column)}"
    return queryset.filter(
        RawSQL(f"{column} = ANY(%s)", (list(keys),), output_field=BooleanField())
    )


def page_of(
    request,
    object_list,
    per_page: int,
    *,
    by_keys: Callable[[Sequence], QuerySet] | None = None,
    keys_in_order: Sequence[str] = (),
) -> Page:
    """The page a list page shows for its GET parameters (`page`, `count`), as Django's
    get_page: a number that is not a page gives the first or the last. `by_keys` and
    `keys_in_order`: see the module's docstring and `count_with_keys`."""
    paginator = CappedPaginator(
        object_list,
        per_page,
        exact=wants_exact_count(request.GET),
        by_keys=by_keys,
        keys_in_order=keys_in_order,
    )
    return paginator.get_page(request.GET.get("page"))


def count_figure(paginator: Paginator) -> str:
    """The count as a page says it: "1234", or "10,000+" when it stopped at the cap."""
    if getattr(paginator, "count_is_exact", True):
        return str(paginator.count)
    return f"{paginator.count:,}+"
