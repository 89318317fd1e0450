"""The milestone dashboard's figures come from the shared cache until the tenant's milestone
data change: a write through the services bumps the tenant's version after its commit, and the
page says when its figures were computed."""

import re
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from crm.services.leads import lead_archive
from milestones.models import LeadMilestone
from milestones.selectors.dashboard import MILESTONE_FIGURES
from tenancy.actors import OPERATOR
from tenancy.caching import figures_version
from tests.factories import LeadFactory

PAGE = "/milestones/bottlenecks/"


@pytest.fixture
def today(tenant):
    return timezone.localtime(timezone.now(), tenant.tzinfo).date()


@pytest.fixture
def contacted(make_lead, record, today):
    """One lead contacted 4 days after it came in."""
    lead = make_lead(created=today - timedelta(days=10))
    now = timezone.now()
    record(lead, "LEAD_GENERATED", today - timedelta(days=10), now=now)
    record(lead, "CONTACTED", today - timedelta(days=6), now=now)
    return lead


def affected(page: str) -> str:
    """The first transition's 'leads affected' cell."""
    return re.findall(r'<td class="num leads-affected">([^<]*)</td>', page)[0]


def test_a_warm_page_reads_the_cache_and_a_service_write_refreshes_it(
    client, manager_a, contacted, record, make_lead, today, types
):
    client.force_login(manager_a.user)
    first = client.get(PAGE).content.decode()
    assert affected(first) == "1"
    # A row written around the services does not move the cached figures...
    other = make_lead(created=today - timedelta(days=5))
    for code, days in (("LEAD_GENERATED", 5), ("CONTACTED", 3)):
        LeadMilestone.objects.create(
            tenant=other.tenant,
            lead=other,
            milestone_type=types[code],
            achieved_date=today - timedelta(days=days),
        )
    assert affected(client.get(PAGE).content.decode()) == "1"
    # ...a write through the services does, once it commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        record(make_lead(created=today - timedelta(days=2)), "LEAD_GENERATED", today, now=None)
    assert affected(client.get(PAGE).content.decode()) == "3"


def test_a_lead_archived_refreshes_the_figures(client, manager_a, contacted):
    client.force_login(manager_a.user)
    assert affected(client.get(PAGE).content.decode()) == "1"
    with TestCase.captureOnCommitCallbacks(execute=True):
        lead_archive(lead=contacted, by=OPERATOR)
    assert affected(client.get(PAGE).content.decode()) == "0"


def test_the_page_says_when_its_figures_were_computed(client, manager_a, contacted, tenant):
    client.force_login(manager_a.user)
    before = timezone.localtime(timezone.now(), tenant.tzinfo)
    page = client.get(PAGE).content.decode()
    shown = re.search(
        r"as of <time datetime=\"[^\"]+\">(\d\d:\d\d)</time> \(America/New_York\)", page
    )
    assert shown is not None
    assert shown.group(1) in {
        before.strftime("%H:%M"),
        (before + timedelta(minutes=1)).strftime("%H:%M"),
    }


def test_each_tenant_has_its_own_figures(client, manager_a, admin_b, contacted, tenant_b):
    client.force_login(manager_a.user)
    assert affected(client.get(PAGE).content.decode()) == "1"
    client.force_login(admin_b.user)
    LeadFactory(tenant=tenant_b)
    theirs = client.get(PAGE).content.decode()
    assert affected(theirs) == "0"
    assert figures_version(tenant_b.pk, MILESTONE_FIGURES) != figures_version(
        contacted.tenant_id, MILESTONE_FIGURES
    )


def test_refresh_now_recomputes(client, manager_a, contacted, record, make_lead, today, types):
    client.force_login(manager_a.user)
    assert affected(client.get(PAGE).content.decode()) == "1"
    other = make_lead(created=today - timedelta(days=5))
    LeadMilestone.objects.create(
        tenant=other.tenant,
        lead=other,
        milestone_type=types["LEAD_GENERATED"],
        achieved_date=today - timedelta(days=5),
    )
    assert affected(client.get(PAGE).content.decode()) == "1"
    page = client.get(PAGE, {"refresh": "1"}).content.decode()
    assert affected(page) == "2" and "Refresh now" in page
