"""The source performance page's figures come from the tenant's figures cache: served again
without a lead query, stale as soon as a lead or source changes (never a stale figure after a
lead is created), never another tenant's, recomputed on "Refresh now"; the API stays exact."""

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Lead, LeadSource, LeadStatus
from crm.services.leads import lead_archive, lead_bulk_status, lead_create
from tenancy.caching import cached_figures, figures_version
from tenancy.services.config_entries import config_entry_update
from tests.crm.leads import source

PAGE = reverse("crm:source-performance")


def add_lead(tenant, by, code="WEBSITE", **data):
    return lead_create(
        tenant=tenant,
        by=by,
        data={"first_name": "F", "email": "f@example.org", "source": source(tenant, code), **data},
    )


def generated(client, code="WEBSITE", **params):
    response = client.get(PAGE, {"source": code, **params})
    assert response.status_code == 200
    return response, response.context["performance"]["leads_generated"]


def lead_queries(client, code="WEBSITE") -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(PAGE, {"source": code})
    return sum('"crm_lead"' in query["sql"] for query in queries.captured_queries)


def test_the_page_says_as_of_and_reads_no_lead_twice(login, manager_a, tenant_a):
    add_lead(tenant_a, manager_a)
    client = login(manager_a)
    response, count = generated(client)
    assert count == 1
    content = response.content.decode()
    assert "Figures as of" in content and "Refresh now" in content and "refresh=1" in content
    assert lead_queries(client) == 0  # the second request computes nothing


def test_no_stale_figure_after_a_lead_is_created(
    login, manager_a, tenant_a, django_capture_on_commit_callbacks
):
    client = login(manager_a)
    assert generated(client)[1] == 0
    with django_capture_on_commit_callbacks(execute=True):
        add_lead(tenant_a, manager_a)
    assert generated(client)[1] == 1
    with django_capture_on_commit_callbacks(execute=True):
        lead = add_lead(tenant_a, manager_a, status=LeadStatus.NEW)
    assert generated(client)[1] == 2
    with django_capture_on_commit_callbacks(execute=True):
        lead_bulk_status(tenant=tenant_a, by=manager_a, lead_ids=[lead.pk], status="WON")
    assert client.get(PAGE).context["performance"]["leads_converted"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        lead_archive(lead=lead, by=manager_a)
    assert generated(client)[1] == 1


def test_a_source_change_makes_the_figures_stale(
    login, admin_a, manager_a, tenant_a, django_capture_on_commit_callbacks
):
    client = login(manager_a)
    generated(client)
    website = source(tenant_a, "WEBSITE")
    with django_capture_on_commit_callbacks(execute=True):
        config_entry_update(website, data={"source_name": "Our site"}, by=admin_a)
    assert client.get(PAGE).context["performance"]["source_name"] == "Our site"


def test_a_rolled_back_change_bumps_nothing(tenant_a, manager_a):
    before = figures_version(tenant_a.pk, "leads")
    try:
        with transaction.atomic():
            add_lead(tenant_a, manager_a)
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert figures_version(tenant_a.pk, "leads") == before


def test_refresh_recomputes_what_no_service_announced(login, manager_a, tenant_a, api):
    client = login(manager_a)
    assert generated(client)[1] == 0
    # Written around the services (as a script on the database would): no bump.
    Lead.objects.create(
        tenant=tenant_a, first_name="Raw", source=source(tenant_a, "WEBSITE"), lead_score=10
    )
    response, count = generated(client)
    assert count == 0  # the cached figure, with its time on the page
    assert generated(client, refresh="1")[1] == 1
    assert generated(client)[1] == 1  # the refreshed figure is the one kept
    # The API computes exactly on every call (scripts read back what they just wrote).
    performance = api(manager_a).get("/api/v1/customization/lead-sources/WEBSITE/performance/")
    assert performance.json()["leads_generated"] == 1
    assert api(manager_a).get("/api/v1/leads/statistics/").json()["total_leads"] == 1


def test_one_tenants_cached_figures_are_never_anothers(
    login, manager_a, admin_b, tenant_a, tenant_b
):
    for _ in range(3):
        add_lead(tenant_a, manager_a)
    add_lead(tenant_b, admin_b)
    assert generated(login(manager_a))[1] == 3
    response, count = generated(login(admin_b))
    assert count == 1
    assert [row["leads_generated"] for row in response.context["compared"]][0] == 1
    assert sum(p["leads_generated"] for p in response.context["trends"]["lines"]) == 1


def test_the_same_name_and_parts_for_two_tenants_are_two_entries(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        figures = cached_figures(
            tenant_id=tenant.pk, scope="leads", name="x", compute=lambda t=tenant: t.slug
        )
        assert figures.value == tenant.slug and not figures.cached
    again = cached_figures(tenant_id=tenant_b.pk, scope="leads", name="x", compute=lambda: "?")
    assert again.value == tenant_b.slug and again.cached


def test_another_tenants_source_is_still_refused(login, agent_a, tenant_b):
    LeadSource.objects.create(tenant=tenant_b, source_code="BETA_FAIR", source_name="Beta fair")
    response = login(agent_a).get(PAGE, {"source": "BETA_FAIR", "refresh": "1"})
    assert response.context["performance"] is None
    assert "Beta fair" not in response.content.decode()


def test_the_team_figures_on_today_follow_a_new_lead(
    login, manager_a, tenant_a, django_capture_on_commit_callbacks
):
    def new_leads(client) -> int:
        team = client.get("/").context["team"]
        panel = next(item["panel"] for item in team if item["panel"].key == "team-leads")
        assert "counted at" in panel.definition
        return next(f.value for f in panel.figures if f.label == "New")

    client = login(manager_a)
    assert new_leads(client) == 0
    with django_capture_on_commit_callbacks(execute=True):
        add_lead(tenant_a, manager_a, status=LeadStatus.NEW)
    assert new_leads(client) == 1


def test_an_agent_never_gets_the_managers_counts(tenant_a, manager_a, agent_a, agent_a2):
    from crm.selectors.leads import live_lead_counts

    add_lead(tenant_a, manager_a, assigned_to=agent_a2.user)
    add_lead(tenant_a, manager_a)
    for who, expected in ((manager_a, 2), (agent_a, 1), (agent_a2, 2), (manager_a, 2)):
        counted = live_lead_counts(tenant=tenant_a, membership=who, statuses=["NEW"])
        assert counted.value == {"NEW": expected}
