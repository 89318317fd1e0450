from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from milestones.models import MilestoneTemplate, MilestoneType
from milestones.services.lead_milestones import milestone_record
from tenancy.actors import OPERATOR
from tests.factories import LeadFactory

NY = ZoneInfo("America/New_York")
# The fixed clock of these tests: 10 March 2026, noon in New York.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=NY)
TODAY = date(2026, 3, 10)

TYPES = "/api/v1/customization/milestone-types/"
TEMPLATES = "/api/v1/customization/milestone-templates/"
MILESTONES = "/api/v1/customization/milestones/"


@pytest.fixture
def tenant(tenant_a):
    """Tenant A in New York: its days start at New York midnight."""
    tenant_a.timezone = "America/New_York"
    tenant_a.save()
    return tenant_a


@pytest.fixture
def types(tenant):
    return {t.type_code: t for t in MilestoneType.objects.for_tenant(tenant)}


@pytest.fixture
def standard(tenant):
    return MilestoneTemplate.objects.get(tenant=tenant, is_default=True)


@pytest.fixture
def make_lead(tenant):
    def make(created=date(2026, 1, 1), **fields):
        created_at = datetime(created.year, created.month, created.day, 9, 0, tzinfo=NY)
        return LeadFactory(tenant=tenant, created_at=created_at, **fields)

    return make


@pytest.fixture
def record(types):
    """record(lead, code, day, status="completed", **fields) through the service."""

    def record(lead, code, day, status="completed", by=OPERATOR, now=NOW, **fields):
        return milestone_record(
            lead=lead,
            by=by,
            data={"milestone_type": types[code], "status": status, "achieved_date": day, **fields},
            now=now,
        )

    return record
