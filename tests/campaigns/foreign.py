"""Campaigns' part of the crossing walks (tests/tenancy): tenant B's own catalogue entries,
template, a launched campaign with an execution, and the writes and filters that name them."""

from campaigns.api.analytics import CampaignAnalyticsViewSet
from campaigns.api.catalogue import (
    BudgetTypeViewSet,
    CampaignChannelViewSet,
    CampaignStatusViewSet,
    CampaignTemplateViewSet,
    CampaignTypeViewSet,
)
from campaigns.api.responses import CampaignResponseViewSet, RecommendationViewSet
from campaigns.api.triggers import CampaignTriggerViewSet
from campaigns.api.viewsets import CampaignViewSet, ExecutionViewSet, TemplateLibraryViewSet
from campaigns.automation.services import trigger_create
from campaigns.models import (
    BudgetType,
    Campaign,
    CampaignChannel,
    CampaignExecution,
    CampaignResponse,
    CampaignStatus,
    CampaignTemplate,
    CampaignTrigger,
    CampaignType,
    TriggerRun,
)
from campaigns.services.campaigns import campaign_create
from crm.models import Customer
from tenancy.actors import OPERATOR
from tenancy.services.config_entries import config_entry_create, spec_for
from tests.campaigns.factories import CampaignExecutionFactory


def build(world, tenant) -> None:
    world.campaign_type = config_entry_create(
        spec_for(CampaignType),
        by=OPERATOR,
        tenant=tenant,
        data={"type_code": "ZQXBETA_TYPE", "type_name": "Zqxbeta type"},
    )
    world.campaign_channel = config_entry_create(
        spec_for(CampaignChannel),
        by=OPERATOR,
        tenant=tenant,
        data={
            "channel_code": "ZQXBETA_MAIL",
            "channel_name": "Zqxbeta mail",
            "kind": "email",
            "integration_key": "zqxbeta-key",
        },
    )
    world.campaign_status = config_entry_create(
        spec_for(CampaignStatus),
        by=OPERATOR,
        tenant=tenant,
        data={"status_code": "ZQXBETA_ST", "status_name": "Zqxbeta status", "phase": "paused"},
    )
    world.budget_type = config_entry_create(
        spec_for(BudgetType),
        by=OPERATOR,
        tenant=tenant,
        data={"budget_type_code": "ZQXBETA_BT", "budget_type_name": "Zqxbeta budget"},
    )
    world.campaign_template = config_entry_create(
        spec_for(CampaignTemplate),
        by=OPERATOR,
        tenant=tenant,
        data={
            "template_name": "Zqxbeta template",
            "campaign_type": world.campaign_type,
            "default_channels": ["ZQXBETA_MAIL"],
        },
    )
    world.campaign = campaign_create(
        by=OPERATOR,
        tenant=tenant,
        data={"name": "Zqxbeta campaign", "campaign_type": world.campaign_type},
        channels=[world.campaign_channel],
        contents=[
            {"channel": world.campaign_channel, "subject": "Zqxbeta", "body": "zqxbeta body"}
        ],
    )
    customer = Customer.objects.create(
        tenant=tenant, first_name="Zqxbeta", last_name="Recipient", email="zqxbeta@b.example"
    )
    world.execution = CampaignExecutionFactory(campaign=world.campaign, customer=customer)
    world.campaign_response = CampaignResponse.objects.create(
        tenant=tenant,
        campaign=world.campaign,
        execution=world.execution,
        channel=world.campaign_channel,
        customer=customer,
        kind="click",
        url="https://zqxbeta.example/offer",
        user_agent="zqxbeta reader",
        occurred_at=world.campaign.created_at,
    )
    world.campaign_trigger = trigger_create(
        tenant=tenant,
        by=OPERATOR,
        data={
            "name": "Zqxbeta trigger",
            "campaign": world.campaign,
            "event_type": "zqxbeta_event",
            "actions": [{"type": "add_tag", "tag": "zqxbeta"}],
        },
    )
    world.trigger_run = TriggerRun.objects.create(
        tenant=tenant,
        trigger=world.campaign_trigger,
        customer=customer,
        event=1,
        event_type="zqxbeta_event",
        outcome="skipped",
        reason="condition_not_met",
    )


def snapshot(world) -> tuple:
    campaign = Campaign.objects.get(pk=world.campaign.pk)
    return (
        campaign.name,
        campaign.status_id,
        campaign.launched_at,
        CampaignExecution.objects.filter(campaign=campaign).count(),
        campaign.responses.count(),
        campaign.ad_metrics.count(),
        CampaignType.objects.get(pk=world.campaign_type.pk).type_name,
        CampaignChannel.objects.get(pk=world.campaign_channel.pk).integration_key,
        CampaignStatus.objects.get(pk=world.campaign_status.pk).deleted_at,
        BudgetType.objects.get(pk=world.budget_type.pk).is_active,
        CampaignTemplate.objects.get(pk=world.campaign_template.pk).template_name,
        Campaign.objects.filter(tenant=world.campaign.tenant).count(),
        CampaignTrigger.objects.get(pk=world.campaign_trigger.pk).name,
        CampaignTrigger.objects.filter(tenant=world.campaign.tenant).count(),
        TriggerRun.objects.filter(trigger=world.campaign_trigger).count(),
    )


DETAIL_KWARGS = {
    CampaignTypeViewSet: lambda w: {"type_code": w.campaign_type.type_code},
    CampaignChannelViewSet: lambda w: {"channel_code": w.campaign_channel.channel_code},
    CampaignStatusViewSet: lambda w: {"status_code": w.campaign_status.status_code},
    BudgetTypeViewSet: lambda w: {"budget_type_code": w.budget_type.budget_type_code},
    CampaignTemplateViewSet: lambda w: {"pk": w.campaign_template.pk},
    TemplateLibraryViewSet: lambda w: {"pk": w.campaign_template.pk},
    CampaignViewSet: lambda w: {"pk": w.campaign.pk},
    ExecutionViewSet: lambda w: {"pk": w.execution.pk},
    CampaignResponseViewSet: lambda w: {"pk": w.campaign_response.pk},
    CampaignTriggerViewSet: lambda w: {"pk": w.campaign_trigger.pk},
    CampaignAnalyticsViewSet: lambda w: {
        "type_code": w.campaign_type.type_code,
        "channel_code": w.campaign_channel.channel_code,
    },
}

FOREIGN_POSTS = {
    "campaign-list": lambda w, a: [
        {"name": "X", "campaign_type": w.campaign_type.type_code},
        {"name": "X", "budget_type": w.budget_type.budget_type_code},
        {"name": "X", "channels": [w.campaign_channel.channel_code]},
        {"name": "X", "audience": {"field": "custom.zqxbeta_code", "op": "eq", "value": "x"}},
    ],
    "campaign-trigger-list": lambda w, a: [
        {
            "name": "X",
            "campaign": w.campaign.pk,
            "event_type": "purchase",
            "actions": [{"type": "send"}],
        },
    ],
    "campaign-audience-count": lambda w, a: [
        {"audience": {"field": "custom.zqxbeta_code", "op": "eq", "value": "x"}}
    ],
    "campaign-template-list": lambda w, a: [
        {"template_name": "X", "campaign_type_code": w.campaign_type.type_code},
        {
            "template_name": "X",
            "campaign_type_code": "EMAIL_BLAST",
            "default_channels": ["ZQXBETA_MAIL"],
        },
    ],
}
OWN_POSTS = {
    "campaign-type-list",
    "campaign-channel-list",
    "campaign-status-list",
    "budget-type-list",
}
FOREIGN_FILTERS = {
    "campaign-list": {
        "campaign_type": lambda w: w.campaign_type.type_code,
        "channel": lambda w: w.campaign_channel.channel_code,
    },
    "campaign-execution-list": {
        "campaign": lambda w: w.campaign.pk,
        "channel": lambda w: w.campaign_channel.channel_code,
    },
    "campaign-trigger-list": {"campaign": lambda w: w.campaign.pk},
    "campaign-response-list": {
        "campaign": lambda w: w.campaign.pk,
        "channel": lambda w: w.campaign_channel.channel_code,
        "customer": lambda w: w.execution.customer_id,
    },
}
LIST_ONLY = {RecommendationViewSet}
ADMIN_OBJECTS = {
    CampaignTrigger: lambda w: w.campaign_trigger,
    CampaignType: lambda w: w.campaign_type,
    CampaignChannel: lambda w: w.campaign_channel,
    CampaignStatus: lambda w: w.campaign_status,
    BudgetType: lambda w: w.budget_type,
    CampaignTemplate: lambda w: w.campaign_template,
}
