"""Every campaign write service checks its actor itself, whichever way in calls it: managers and
admins of the tenant (and the operator) build and run campaigns; an agent, or an admin of another
tenant, is refused with PermissionDenied before anything is read or written — a refused launch
creates no executions."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from campaigns.models import (
    AdMetric,
    Campaign,
    CampaignChannelPlan,
    CampaignExecution,
    CampaignResponse,
    CampaignTemplate,
    CampaignType,
    CampaignVariant,
)
from campaigns.services import campaigns as campaign_services
from campaigns.services import launch, metrics, tracking
from tenancy.actors import OPERATOR
from tenancy.services.config_entries import config_entry_create, spec_for

from .conftest import channel, status

pytestmark = pytest.mark.django_db


@pytest.fixture
def template_a(tenant_a):
    return config_entry_create(
        spec_for(CampaignTemplate),
        by=OPERATOR,
        tenant=tenant_a,
        data={
            "template_name": "Welcome offer",
            "campaign_type": CampaignType.objects.get(tenant=tenant_a, type_code="EMAIL_BLAST"),
            "default_channels": ["EMAIL"],
            "content": {"EMAIL": {"subject": "Hi {{ first_name }}", "body": "Welcome!"}},
        },
    )


@pytest.fixture
def launched(tenant_a, customers, email_campaign, django_capture_on_commit_callbacks):
    """The email campaign with Facebook added, launched by the operator (nothing sent yet)."""
    campaign_services.campaign_update(
        by=OPERATOR,
        campaign=email_campaign,
        data={},
        channels=[channel(tenant_a, "EMAIL"), channel(tenant_a, "FACEBOOK")],
    )
    with django_capture_on_commit_callbacks(execute=False):
        return launch.campaign_launch(by=OPERATOR, campaign=email_campaign)


def snapshot(tenant) -> tuple:
    """Everything a campaign write could change in the tenant."""
    campaigns = Campaign.objects.filter(tenant=tenant).order_by("pk")
    return (
        list(
            campaigns.values_list(
                "pk", "name", "budget", "status_id", "launched_at", "completed_at", "updated_at"
            )
        ),
        list(CampaignChannelPlan.objects.filter(tenant=tenant).values_list("pk", "channel_id")),
        list(CampaignVariant.objects.filter(tenant=tenant).values_list("pk", "subject", "body")),
        list(CampaignExecution.objects.filter(tenant=tenant).values_list("pk", "status")),
        CampaignResponse.objects.filter(tenant=tenant).count(),
        AdMetric.objects.filter(tenant=tenant).count(),
    )


def draft_writes(tenant, campaign, template):
    """Each write on a draft campaign (or creating one), as (name, call(by))."""
    email = channel(tenant, "EMAIL")
    return {
        "campaign_create": lambda by: campaign_services.campaign_create(
            by=by, tenant=tenant, data={"name": "Theirs"}, channels=[email]
        ),
        "campaign_create_from_template": lambda by: campaign_services.campaign_create_from_template(
            by=by, template=template, data={"name": "Theirs"}
        ),
        "campaign_update": lambda by: campaign_services.campaign_update(
            by=by, campaign=campaign, data={"name": "Renamed"}
        ),
        "campaign_delete": lambda by: campaign_services.campaign_delete(by=by, campaign=campaign),
        "campaign_edit": lambda by: launch.campaign_edit(
            by=by, campaign=campaign, data={"name": "Renamed"}, status=status(tenant, "ACTIVE")
        ),
        "campaign_transition": lambda by: launch.campaign_transition(
            by=by, campaign=campaign, status=status(tenant, "ACTIVE")
        ),
        "campaign_launch": lambda by: launch.campaign_launch(by=by, campaign=campaign),
    }


def running_writes(tenant, campaign):
    """Each write on a launched campaign, as (name, call(by))."""
    customer = campaign.executions.order_by("pk").first().customer
    return {
        "campaign_pause": lambda by: launch.campaign_pause(by=by, campaign=campaign),
        "campaign_resume": lambda by: launch.campaign_resume(by=by, campaign=campaign),
        "campaign_complete": lambda by: launch.campaign_complete(by=by, campaign=campaign),
        "ad_metric_record": lambda by: metrics.ad_metric_record(
            by=by,
            campaign=campaign,
            channel=channel(tenant, "FACEBOOK"),
            day=campaign.launched_at.date(),
            impressions=100,
            clicks=3,
            spend=Decimal("2.50"),
        ),
        "record_conversion": lambda by: tracking.record_conversion(
            by=by, campaign=campaign, value=Decimal("10"), customer=customer
        ),
    }


DRAFT_WRITES = [
    "campaign_create",
    "campaign_create_from_template",
    "campaign_update",
    "campaign_delete",
    "campaign_edit",
    "campaign_transition",
    "campaign_launch",
]
RUNNING_WRITES = [
    "campaign_pause",
    "campaign_resume",
    "campaign_complete",
    "ad_metric_record",
    "record_conversion",
]


@pytest.mark.parametrize("who", ["agent_a", "admin_b"])
@pytest.mark.parametrize("name", DRAFT_WRITES)
def test_a_draft_is_written_by_no_agent_and_no_other_tenant(
    request, tenant_a, customers, email_campaign, template_a, name, who
):
    by = request.getfixturevalue(who)
    before = snapshot(tenant_a)
    with pytest.raises(PermissionDenied):
        draft_writes(tenant_a, email_campaign, template_a)[name](by)
    assert snapshot(tenant_a) == before
    assert not CampaignExecution.objects.exists()


@pytest.mark.parametrize("who", ["agent_a", "admin_b"])
@pytest.mark.parametrize("name", RUNNING_WRITES)
def test_a_running_campaign_is_run_by_no_agent_and_no_other_tenant(
    request, tenant_a, launched, name, who
):
    by = request.getfixturevalue(who)
    if name == "campaign_resume":
        launch.campaign_pause(by=OPERATOR, campaign=launched)
    before = snapshot(tenant_a)
    with pytest.raises(PermissionDenied):
        running_writes(tenant_a, launched)[name](by)
    assert snapshot(tenant_a) == before


def test_a_refused_launch_creates_no_executions(tenant_a, agent_a, admin_b, email_campaign):
    for by in (agent_a, admin_b):
        with pytest.raises(PermissionDenied):
            launch.campaign_launch(by=by, campaign=email_campaign)
    email_campaign.refresh_from_db()
    assert email_campaign.launched_at is None
    assert email_campaign.status.status_code == "DRAFT"
    assert not CampaignExecution.objects.exists()


def test_an_inactive_manager_is_refused(tenant_a, manager_a, email_campaign):
    manager_a.is_active = False
    manager_a.save()
    with pytest.raises(PermissionDenied):
        launch.campaign_launch(by=manager_a, campaign=email_campaign)
    assert not CampaignExecution.objects.exists()


@pytest.mark.parametrize("who", ["manager_a", "admin_a"])
def test_managers_and_admins_build_and_run_campaigns(
    request, tenant_a, customers, template_a, who, django_capture_on_commit_callbacks
):
    by = request.getfixturevalue(who)
    email, facebook = channel(tenant_a, "EMAIL"), channel(tenant_a, "FACEBOOK")
    campaign = campaign_services.campaign_create(
        by=by,
        tenant=tenant_a,
        data={"name": "Ours", "budget": 100},
        channels=[email, facebook],
        contents=[{"channel": email, "subject": "Hi", "body": "Hello {{ first_name }}"}],
    )
    assert campaign.created_by == by.user
    campaign = campaign_services.campaign_update(by=by, campaign=campaign, data={"name": "Ours 2"})
    with django_capture_on_commit_callbacks(execute=False):
        campaign = launch.campaign_launch(by=by, campaign=campaign)
    assert campaign.executions.exists()
    campaign = launch.campaign_pause(by=by, campaign=campaign)
    campaign = launch.campaign_resume(by=by, campaign=campaign)
    metrics.ad_metric_record(
        by=by,
        campaign=campaign,
        channel=facebook,
        day=campaign.launched_at.date(),
        impressions=10,
        clicks=1,
        spend=Decimal("1"),
    )
    tracking.record_conversion(by=by, campaign=campaign, value=Decimal("5"))
    campaign = launch.campaign_complete(by=by, campaign=campaign)
    assert campaign.status.status_code == "COMPLETED"
    draft = campaign_services.campaign_create_from_template(
        by=by, template=template_a, data={"name": "From the template"}
    )
    assert draft.created_by == by.user
    campaign_services.campaign_delete(by=by, campaign=draft)
    assert not Campaign.objects.filter(pk=draft.pk).exists()
