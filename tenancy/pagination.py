"""Counts that never cost more than the page they go with, for the pages and the API alike.

A list's `COUNT(*)` visits every matching row; for a filter that matches 50,000 of a tenant's
rows that is many times the cost of the 50 shown. So a list counts at most COUNT_CAP + 1 rows
(`SELECT count(*) FROM (SELECT … LIMIT 10001)`): exact up to COUNT_CAP, "10,000+" beyond, and
exact on demand (`?count=exact`, the pages' "Count all" link). Statistics and exports count
everything, as they must.

Paging goes on past the capped count: a page beyond it is fetched with one row more than it
shows, which says whether there is a next one; a page with no rows is an EmptyPage as usual.
"""

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000
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

    def __init__(self, object_list, per_page, *, exact: bool = False, cap: int | None = None):
        super().__init__(object_list, per_page)
        # The rows to count: the queryset, or the one an ordered wrapper reads its rows from
        # (customfields' ValuesThenEmpty: values first, then the empty ones).
        rows = getattr(object_list, "queryset", object_list)
        self.rows = rows if isinstance(rows, QuerySet) else None
        self.exact = exact or self.rows is None
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def counted(self) -> int:
        """The exact count, or at most cap + 1 rows counted (the ordering is left out: the
        count does not depend on it, and sorting every matching row would cost what the cap
        saves)."""
        if self.exact:
            return super().count
        return self.rows.order_by()[: self.cap + 1].count()

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


def page_of(request, object_list, per_page: int) -> Page:
    """The page a list page shows for its GET parameters (`page`, `count`), as Django's
    get_page: a number that is not a page gives the first or the last."""
    paginator = CappedPaginator(object_list, per_page, exact=wants_exact_count(request.GET))
    return paginator.get_page(request.GET.get("page"))


def count_figure(paginator: Paginator) -> str:
    """The count as a page says it: "1234", or "10,000+" when it stopped at the cap."""
    if getattr(paginator, "count_is_exact", True):
        return str(paginator.count)
    return f"{paginator.count:,}+"
