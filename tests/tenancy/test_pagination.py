"""The capped count (tenancy.pagination): exact up to the cap, "N+" beyond, exact on demand,
and paging that goes on past the capped count. The cap is lowered to 3 so a handful of rows is
"a big list"; tests/crm/test_list_counts.py checks the API and the pages."""

from datetime import timedelta

import pytest
from django.core.paginator import EmptyPage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Lead
from tenancy import pagination
from tenancy.pagination import CappedPaginator
from tests.factories import LeadFactory

CAP = 3


@pytest.fixture(autouse=True)
def small_cap(monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", CAP)


@pytest.fixture
def leads(tenant_a):
    """Seven leads, newest last."""
    return LeadFactory.create_batch(7, tenant=tenant_a)


def ordered(tenant):
    return Lead.objects.filter(tenant=tenant).order_by("id")


def test_a_small_list_is_counted_exactly(tenant_a):
    LeadFactory.create_batch(CAP, tenant=tenant_a)
    paginator = CappedPaginator(ordered(tenant_a), 2)
    assert (paginator.count, paginator.count_is_exact, paginator.num_pages) == (CAP, True, 2)


def test_a_big_list_stops_counting_at_the_cap(tenant_a, leads):
    paginator = CappedPaginator(ordered(tenant_a), 2)
    assert (paginator.count, paginator.count_is_exact) == (CAP, False)
    assert pagination.count_figure(paginator) == f"{CAP}+"


def test_the_exact_count_on_demand(tenant_a, leads):
    paginator = CappedPaginator(ordered(tenant_a), 2, exact=True)
    assert (paginator.count, paginator.count_is_exact) == (7, True)
    assert pagination.count_figure(paginator) == "7"


def test_the_capped_count_reads_at_most_cap_plus_one_rows_unsorted(tenant_a, leads):
    with CaptureQueriesContext(connection) as queries:
        CappedPaginator(ordered(tenant_a), 2).count  # noqa: B018 (the count is the query)
    (sql,) = [q["sql"] for q in queries]
    assert "COUNT(" in sql.upper() and f"LIMIT {CAP + 1}" in sql.upper()
    assert "ORDER BY" not in sql.upper()


def test_pages_past_the_capped_count_still_work(tenant_a, leads):
    rows = list(ordered(tenant_a))
    paginator = CappedPaginator(ordered(tenant_a), 2)
    third = paginator.page(3)  # rows 5-6: past the capped count of 3
    assert list(third) == rows[4:6]
    assert third.has_next() and third.has_previous()
    assert (third.start_index(), third.end_index()) == (5, 6)
    fourth = paginator.page(third.next_page_number())
    assert list(fourth) == rows[6:] and not fourth.has_next()
    with pytest.raises(EmptyPage):
        paginator.page(5)
    with pytest.raises(EmptyPage):
        paginator.page(0)


def test_get_page_past_the_end_of_a_capped_list_gives_the_last_page(tenant_a, leads):
    page = CappedPaginator(ordered(tenant_a), 2).get_page(99)
    assert page.number == 4 and len(page) == 1
    assert page.paginator.count_is_exact and page.paginator.count == 7


def test_a_list_that_is_not_a_queryset_is_counted_exactly():
    paginator = CappedPaginator(list(range(10)), 2)
    assert (paginator.count, paginator.count_is_exact) == (10, True)


def test_a_wrapper_of_a_queryset_is_counted_through_it(tenant_a, leads):
    class Wrapper:  # like customfields' ValuesThenEmpty: rows read from `queryset`
        def __init__(self, queryset):
            self.queryset = queryset

        def __getitem__(self, key):
            return list(self.queryset)[key]

    paginator = CappedPaginator(Wrapper(ordered(tenant_a)), 2)
    assert (paginator.count, paginator.count_is_exact) == (CAP, False)
    assert len(paginator.page(4)) == 1


# A small result read by the keys its count found (`by_keys`).


def in_tenant(tenant):
    """The by-keys reading of `ordered(tenant)`: the same rows and order, unfiltered."""
    return lambda keys: pagination.with_keys(Lead.objects.filter(tenant=tenant), keys).order_by(
        "id"
    )


def odd_leads(tenant):
    return ordered(tenant).filter(id__in=[lead.pk for lead in ordered(tenant)][::2])


@pytest.fixture
def larger_cap(monkeypatch):
    """A cap above the seven leads, so their count is exact and their keys come with it."""
    monkeypatch.setattr(pagination, "COUNT_CAP", 10)


def test_a_small_result_is_paged_by_the_keys_its_count_found(tenant_a, tenant_b, leads, larger_cap):
    LeadFactory.create_batch(3, tenant=tenant_b)
    rows = list(odd_leads(tenant_a))  # 4 of the 7
    paginator = CappedPaginator(odd_leads(tenant_a), 3, by_keys=in_tenant(tenant_a))
    with CaptureQueriesContext(connection) as queries:
        first = paginator.page(1)
        shown = list(first)
    count_sql, page_sql = [q["sql"] for q in queries]
    assert (paginator.count, paginator.count_is_exact, paginator.num_pages) == (4, True, 2)
    assert shown == rows[:3] and first.has_next()
    # The page names the keys, not the filter that found them.
    assert "COUNT(" in count_sql.upper() and f"LIMIT {10 + 1}" in count_sql.upper()
    assert str(rows[0].pk) in page_sql and "LIMIT 3" in page_sql.upper()
    with CaptureQueriesContext(connection) as queries:
        second = paginator.page(2)
        assert list(second) == rows[3:] and not second.has_next()
    assert len(queries) == 1  # the count is not read again
    assert (second.start_index(), second.end_index()) == (4, 4)
    with pytest.raises(EmptyPage):
        paginator.page(3)


def test_keys_come_only_with_an_exact_count_of_at_most_keys_cap(tenant_a, leads, monkeypatch):
    # Over KEYS_CAP: counted as usual, paged through the queryset.
    monkeypatch.setattr(pagination, "COUNT_CAP", 10)
    monkeypatch.setattr(pagination, "KEYS_CAP", 5)
    paginator = CappedPaginator(ordered(tenant_a), 3, by_keys=in_tenant(tenant_a))
    assert paginator._counted == (7, None, False)
    assert list(paginator.page(3)) == list(ordered(tenant_a))[6:]
    # Over the count's own cap (3 here): no keys, and paging past the capped count still works.
    monkeypatch.setattr(pagination, "COUNT_CAP", CAP)
    monkeypatch.setattr(pagination, "KEYS_CAP", 1_000)
    paginator = CappedPaginator(ordered(tenant_a), 2, by_keys=in_tenant(tenant_a))
    assert (paginator.count, paginator.count_is_exact, paginator._counted[1]) == (CAP, False, None)
    assert list(paginator.page(4)) == list(ordered(tenant_a))[6:]


def test_an_empty_result_by_keys_reads_no_page(tenant_a, larger_cap):
    LeadFactory(tenant=tenant_a)
    # One statement, the count, for a filter that matches nothing; none for none().
    for rows, statements in (
        (ordered(tenant_a).filter(first_name="nobody"), 1),
        (Lead.objects.none(), 0),
    ):
        paginator = CappedPaginator(rows, 3, by_keys=in_tenant(tenant_a))
        with CaptureQueriesContext(connection) as queries:
            page = paginator.get_page(1)
            assert list(page) == [] and paginator.count == 0
        assert len(queries) == statements


def test_past_the_last_page_by_keys_gives_the_last_page(tenant_a, leads, larger_cap):
    paginator = CappedPaginator(odd_leads(tenant_a), 3, by_keys=in_tenant(tenant_a))
    page = paginator.get_page(99)
    assert page.number == 2 and list(page) == list(odd_leads(tenant_a))[3:]


def test_a_wrapper_is_never_paged_by_keys(tenant_a, leads, larger_cap):
    class Wrapper:
        def __init__(self, queryset):
            self.queryset = queryset

        def __getitem__(self, key):
            return list(self.queryset)[key]

    paginator = CappedPaginator(Wrapper(ordered(tenant_a)), 3, by_keys=in_tenant(tenant_a))
    assert paginator.by_keys is None and paginator._counted == (7, None, False)


@pytest.mark.parametrize(
    "order",
    [
        ["-lead_score", "-id"],
        ["first_name", "-id"],
        ["-next_follow_up_date", "-id"],  # NULLs first, as the page's own ORDER BY puts them
        ["next_follow_up_date", "id"],
    ],
)
def test_keys_in_the_lists_order_page_like_the_list(tenant_a, larger_cap, order):
    """With `keys_in_order`, PostgreSQL's count brings the keys sorted as the list is and each
    page reads only its own rows; SQLite brings them unsorted. Either way the pages are the
    list's, NULLs and ties included."""
    now = timezone.now()
    for i in range(9):
        LeadFactory(
            tenant=tenant_a,
            first_name=["Ann", "Bob", "Cy"][i % 3],
            lead_score=[5, 5, 1][i % 3],
            next_follow_up_date=None if i % 4 == 0 else now + timedelta(days=i % 3),
        )
    rows = list(Lead.objects.filter(tenant=tenant_a).order_by(*order))

    def by_keys(keys):
        return pagination.with_keys(Lead.objects.filter(tenant=tenant_a), keys).order_by(*order)

    paginator = CappedPaginator(
        Lead.objects.filter(tenant=tenant_a).order_by(*order),
        4,
        by_keys=by_keys,
        keys_in_order=order,
    )
    count, keys, in_order = paginator._counted
    assert (count, in_order) == (9, connection.vendor == "postgresql")
    if in_order:
        assert keys == [lead.pk for lead in rows]
    shown = []
    for number in paginator.page_range:
        with CaptureQueriesContext(connection) as queries:
            shown += list(paginator.page(number))
        if in_order:  # the page names only its own keys
            (sql,) = [q["sql"] for q in queries]
            page_keys = {lead.pk for lead in rows[(number - 1) * 4 : number * 4]}
            others = {lead.pk for lead in rows} - page_keys
            assert "LIMIT" not in sql.upper()
            assert not any(f"{key}," in sql or f"{key}]" in sql for key in others)
    assert shown == rows
