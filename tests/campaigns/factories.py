"""Factories of campaign rows, made as the app makes them (as the operator unless `by` says
otherwise): a campaign through campaign_create, so it is a draft in the tenant's initial status,
of the tenant's default type unless `campaign_type` is given, with its budget, audience and
content checked; an execution as the launch makes it (create_executions: a row per customer of
the audience and message channel, the variant chosen by weight, the address and any skip reason
by channel)."""

import factory

from campaigns.models import Campaign, CampaignExecution
from campaigns.services.campaigns import audience_queryset, campaign_create
from campaigns.services.launch import create_executions, message_channels
from tenancy.actors import OPERATOR


class CampaignFactory(factory.django.DjangoModelFactory):
    """CampaignFactory(tenant=..., contents=[{"channel": ..., "subject": ..., "body": ...}],
    **fields of the campaign). Its channels are those of its contents unless `channels` is
    given; `channel_budgets` and `template` go to campaign_create as they are."""

    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    contents = ()
    channels = factory.LazyAttribute(
        lambda c: list(dict.fromkeys(content["channel"] for content in c.contents))
    )

    @classmethod
    def _create(
        cls,
        model_class,
        *args,
        tenant,
        channels,
        contents,
        by=OPERATOR,
        channel_budgets=None,
        template=None,
        **data,
    ):
        return campaign_create(
            tenant=tenant,
            by=by,
            data=data,
            channels=channels,
            channel_budgets=channel_budgets,
            contents=contents,
            template=template,
        )


class CampaignExecutionFactory(factory.django.DjangoModelFactory):
    """CampaignExecutionFactory(campaign=..., customer=..., channel=..., **fields): the
    customer's execution on the channel, made by create_executions, which writes the rows of the
    campaign's whole audience (and leaves those that exist alone). Without a customer, the
    audience's first (by id); without a channel, the campaign's first message channel. Any
    other `fields` (a sent_at, a status) are then written over the row, as the sender would."""

    class Meta:
        model = CampaignExecution

    customer = factory.LazyAttribute(
        lambda e: (
            audience_queryset(tenant=e.campaign.tenant, condition=e.campaign.audience)
            .order_by("pk")
            .first()
        )
    )
    channel = factory.LazyAttribute(lambda e: message_channels(e.campaign)[0])

    @classmethod
    def _create(cls, model_class, *args, campaign, customer, channel, **fields):
        create_executions(campaign)
        execution = model_class.objects.get(campaign=campaign, customer=customer, channel=channel)
        if fields:
            model_class.objects.filter(pk=execution.pk).update(**fields)
            execution.refresh_from_db()
        return execution
