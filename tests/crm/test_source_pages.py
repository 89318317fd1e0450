"""The source performance page: metrics and charts of a source, the default source when none is
chosen, date errors, and another tenant's source refused."""

from django.urls import reverse

from crm.models import (
    LeadSource,
    LeadStatus,
    LeadSubSource,
)
from crm.services.leads import lead_create
from tests.crm.leads import source


def test_source_performance_shows_metrics_and_charts(login, manager_a, tenant_a):
    social = source(tenant_a, "SOCIAL")
    facebook = LeadSubSource.objects.get(tenant=tenant_a, sub_source_code="FACEBOOK")
    for status in (LeadStatus.WON, LeadStatus.NEW):
        lead_create(
            tenant=tenant_a,
            by=manager_a,
            data={
                "first_name": "F",
                "email": "f@example.org",
                "source": social,
                "sub_source": facebook,
                "status": status,
            },
        )
    response = login(manager_a).get(reverse("crm:source-performance"), {"source": "SOCIAL"})
    content = response.content.decode()
    performance = response.context["performance"]
    assert performance["leads_generated"] == 2 and performance["conversion_rate"] == 50.0
    assert content.count("<svg") == 3  # all sources, this source by sub-source, the trends
    assert "<td>Facebook</td>" in content and "FACEBOOK" not in content  # words, not codes
    assert "Conversion rate</strong> is leads won" in content  # explained in the page
    assert "docs/metrics.md" not in content  # not a file name


def test_source_performance_defaults_to_the_default_source(login, agent_a):
    response = login(agent_a).get(reverse("crm:source-performance"))
    assert response.context["performance"]["source_code"] == "WEBSITE"


def test_source_performance_shows_date_errors(login, agent_a):
    response = login(agent_a).get(
        reverse("crm:source-performance"),
        {"source": "WEBSITE", "start_date": "2024-05-10", "end_date": "2024-05-01"},
    )
    assert response.context["performance"] is None
    assert "The start date is after the end date." in response.content.decode()
    bad = login(agent_a).get(reverse("crm:source-performance"), {"start_date": "May"})
    assert "Use a date in YYYY-MM-DD form." in bad.content.decode()


def test_source_performance_refuses_another_tenants_source(login, agent_a, tenant_b):
    LeadSource.objects.create(tenant=tenant_b, source_code="BETA_FAIR", source_name="Beta fair")
    response = login(agent_a).get(reverse("crm:source-performance"), {"source": "BETA_FAIR"})
    content = response.content.decode()
    assert response.context["performance"] is None
    assert "Select a valid choice" in content and "BETA_FAIR" not in content


def test_every_source_side_by_side_with_its_chart(login, manager_a, tenant_a):
    from crm.models import LeadSource
    from tests.factories import LeadFactory

    website = LeadSource.objects.get(tenant=tenant_a, source_code="WEBSITE", deleted_at=None)
    referral = LeadSource.objects.get(tenant=tenant_a, source_code="REFERRAL", deleted_at=None)
    LeadFactory.create_batch(3, tenant=tenant_a, source=website)
    LeadFactory(tenant=tenant_a, source=referral, status="WON")
    response = login(manager_a).get(reverse("crm:source-performance"), {"source": "WEBSITE"})
    compared = {row["source_code"]: row for row in response.context["compared"]}
    assert compared["WEBSITE"]["leads_generated"] == 3
    assert compared["REFERRAL"]["leads_converted"] == 1
    assert set(compared) == set(
        LeadSource.objects.for_tenant(tenant_a).live().values_list("source_code", flat=True)
    )
    html = response.content.decode()
    assert "All sources side by side" in html and 'id="all-sources-chart-title"' in html
    assert html.count("<svg") == 3  # the comparison, the source's sub-sources, the trends
