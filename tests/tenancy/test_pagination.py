"""The capped count (tenancy.pagination): exact up to the cap, "N+" beyond, exact on demand,
and paging that goes on past the capped count. The cap is lowered to 3 so a handful of rows is
"a big list"; tests/crm/test_list_counts.py checks the API and the pages."""

import pytest
from django.core.paginator import EmptyPage
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
