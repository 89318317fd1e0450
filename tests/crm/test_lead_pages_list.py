"""The lead list page: filters and search, archived leads on request, whitelisted ordering,
paging, htmx, and a query count that does not grow with the rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    LeadStatus,
)
from tests.factories import LeadFactory


def test_filters_and_search_narrow_the_list(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Zelda", status=LeadStatus.CONTACTED)
    LeadFactory(tenant=tenant_a, first_name="Yorick", status=LeadStatus.NEW)
    client = login(manager_a)
    by_status = client.get(reverse("crm:lead-list"), {"status": "CONTACTED"})
    assert [lead.first_name for lead in by_status.context["leads"]] == ["Zelda"]
    by_search = client.get(reverse("crm:lead-list"), {"search": "yori"})
    assert [lead.first_name for lead in by_search.context["leads"]] == ["Yorick"]


def test_invalid_filter_input_shows_the_errors(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a)
    response = login(manager_a).get(
        reverse("crm:lead-list"), {"lead_score_min": "500", "created_after": "someday"}
    )
    content = response.content.decode()
    assert "Check the filters" in content
    assert "Score from: Ensure this value is less than or equal to 100." in content
    assert "Created from: Enter a valid date." in content
    assert not response.context["leads"]


def test_archived_leads_are_listed_only_on_request(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Gone", archived_at=timezone.now())
    client = login(manager_a)
    assert "Gone" not in client.get(reverse("crm:lead-list")).content.decode()
    shown = client.get(reverse("crm:lead-list"), {"include_archived": "on"})
    assert "Gone" in shown.content.decode()


def test_ordering_is_whitelisted(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Low", lead_score=10)
    LeadFactory(tenant=tenant_a, first_name="High", lead_score=90)
    client = login(manager_a)
    ordered = client.get(reverse("crm:lead-list"), {"ordering": "-lead_score"})
    assert [lead.first_name for lead in ordered.context["leads"]] == ["High", "Low"]
    ordered = client.get(reverse("crm:lead-list"), {"ordering": "lead_score"})
    assert [lead.first_name for lead in ordered.context["leads"]] == ["Low", "High"]
    unknown = client.get(reverse("crm:lead-list"), {"ordering": "assigned_to__password"})
    assert unknown.status_code == 200
    assert [lead.first_name for lead in unknown.context["leads"]] == ["High", "Low"]  # newest


def test_pages_of_25_50_or_100(login, manager_a, tenant_a):
    LeadFactory.create_batch(30, tenant=tenant_a)
    client = login(manager_a)
    first = client.get(reverse("crm:lead-list"))
    assert len(first.context["leads"]) == 25
    assert "<strong>30</strong> leads" in first.content.decode()
    assert len(client.get(reverse("crm:lead-list"), {"page": 2}).context["leads"]) == 5
    assert len(client.get(reverse("crm:lead-list"), {"page_size": 50}).context["leads"]) == 30
    odd = client.get(reverse("crm:lead-list"), {"page_size": 7, "page": "x"})
    assert len(odd.context["leads"]) == 25


def test_an_htmx_request_gets_only_the_results(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, first_name="Partial")
    response = login(manager_a).get(reverse("crm:lead-list"), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "Partial" in content
    assert "<html" not in content and 'id="lead-filters"' not in content
    assert "HX-Request" in response["Vary"]


def test_the_list_queries_do_not_grow_with_the_rows(login, manager_a, tenant_a):
    client = login(manager_a)
    client.get(reverse("crm:lead-list"))  # fills the shared cache of the filter's lists
    counts = []
    for batch in (1, 24):
        LeadFactory.create_batch(batch, tenant=tenant_a, assigned_to=manager_a.user)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("crm:lead-list"))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_doubled_minus_in_the_sort_is_ignored_not_a_crash(login, manager_a):
    response = login(manager_a).get(reverse("crm:lead-list"), {"ordering": "--lead_score"})
    assert response.status_code == 200


def test_filters_fold_with_a_summary_of_what_is_on(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, status="NEW", lead_score=95)
    client = login(manager_a)
    plain = client.get(reverse("crm:lead-list")).content.decode()
    assert '<details class="filter-fold">' in plain and "Filters</span>" in plain
    on = client.get(reverse("crm:lead-list"), {"status": "NEW", "lead_score_min": "90"})
    html = on.content.decode()
    assert "Filters (2)" in html
    assert "Status: New · Score from: 90" in html
    # An htmx change swaps the results and, out of band, the summary.
    partial = client.get(
        reverse("crm:lead-list"), {"status": "CONTACTED"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'id="filters-on" hx-swap-oob="true"' in partial and "Status: Contacted" in partial


def test_contradictory_filters_say_why_nothing_matched(login, manager_a, tenant_a):
    LeadFactory(tenant=tenant_a, lead_score=50)
    html = (
        login(manager_a)
        .get(
            reverse("crm:lead-list"),
            {
                "lead_score_min": "90",
                "lead_score_max": "10",
                "created_after": "2026-05-02",
                "created_before": "2026-05-01",
            },
        )
        .content.decode()
    )
    assert "Score from 90 is above score to 10: no lead has both." in html
    assert "Created from 2026-05-02 is after created until 2026-05-01" in html


def test_sub_sources_are_ticks_not_a_multi_select(login, manager_a, tenant_a):
    html = login(manager_a).get(reverse("crm:lead-list"), {"sub_source": "FACEBOOK"}).content
    html = html.decode()
    assert 'type="checkbox" name="sub_source" value="FACEBOOK"' in html
    assert '<select name="sub_source"' not in html and " multiple" not in html
    assert "Sub-source: " in html  # in the summary of what is on


def test_a_tag_filter_pages_by_the_keys_its_count_found(
    login, manager_a, agent_a, agent_a2, tenant_a, tenant_b
):
    """A small tagged result is read by the keys the count found (tenancy.pagination): the same
    leads, order and pages as the filter gives, nothing of another tenant's same-named tag, and
    an agent still sees only theirs."""
    from crm.models import LeadTag, Tag
    from crm.services.tags import set_tags

    tagged = []
    for i in range(7):
        lead = LeadFactory(
            tenant=tenant_a,
            first_name=f"Tagged{i}",
            lead_score=10 * i,
            assigned_to=(agent_a if i % 2 else agent_a2).user,
        )
        set_tags(owner=lead, through=LeadTag, names=["vip"])
        tagged.append(lead)
    LeadFactory.create_batch(3, tenant=tenant_a)  # untagged
    foreign = LeadFactory(tenant=tenant_b, first_name="Foreign")
    set_tags(owner=foreign, through=LeadTag, names=["vip"])
    assert Tag.objects.filter(name="vip").count() == 2

    url = reverse("crm:lead-list")
    by_score = sorted(tagged, key=lambda lead: -lead.lead_score)
    client = login(manager_a)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url, {"tags": "vip", "ordering": "-lead_score", "page_size": 25})
    assert [lead.pk for lead in first.context["leads"]] == [lead.pk for lead in by_score]
    assert first.context["page_obj"].paginator.count == 7
    (page_sql,) = [
        q["sql"]
        for q in queries
        if "ORDER BY" in q["sql"] and '"crm_lead"."lead_score" DESC' in q["sql"]
    ]
    assert "crm_leadtag" not in page_sql  # read by keys, the tag filter not run again

    agent = login(agent_a).get(url, {"tags": "vip", "ordering": "-lead_score"})
    assert [lead.pk for lead in agent.context["leads"]] == [
        lead.pk for lead in by_score if lead.assigned_to_id == agent_a.user_id
    ]


def test_a_search_pages_by_the_keys_its_count_found(login, manager_a, tenant_a, tenant_b):
    """A small search result is read by the keys its count found, in the list's order on
    PostgreSQL: the same leads and pages as the search gives, nothing of another tenant's."""
    for i in range(7):
        LeadFactory(tenant=tenant_a, first_name=f"Quixote{i}", lead_score=(3 * i) % 7)
    LeadFactory.create_batch(3, tenant=tenant_a)
    LeadFactory(tenant=tenant_b, first_name="Quixote-foreign")
    url = reverse("crm:lead-list")
    params = {"search": "quixote", "ordering": "lead_score", "page_size": 25}
    with CaptureQueriesContext(connection) as queries:
        response = login(manager_a).get(url, params)
    shown = [lead.first_name for lead in response.context["leads"]]
    pages = [q["sql"] for q in queries if '"crm_lead"."first_name"' in q["sql"]]
    assert pages and not any("search_text" in sql for sql in pages)
    assert sorted(shown) == [f"Quixote{i}" for i in range(7)]
    assert [(3 * int(name[-1])) % 7 for name in shown] == sorted((3 * i) % 7 for i in range(7))
