"""Figures that ad and social platforms report, entered through the API by the tenant's managers
and admins (or by the operator)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from tenancy.actors import Actor

from ..models import AdMetric, Campaign, CampaignChannel
from .campaigns import require_campaign_writer


@transaction.atomic
def ad_metric_record(
    *,
    campaign: Campaign,
    channel: CampaignChannel,
    day: date,
    impressions: int,
    clicks: int,
    spend: Decimal,
    by: Actor,
) -> AdMetric:
    """Set a day's impressions, clicks and spend for one of the campaign's ad channels
    (entering the same day again replaces it)."""
    require_campaign_writer(by, tenant=campaign.tenant)
    if not campaign.plans.filter(channel=channel).exists():
        raise ValidationError({"channel": ["Not a channel of this campaign."]})
    if channel.sends_messages:
        raise ValidationError({"channel": ["Message channels count their own sends."]})
    if clicks > impressions:
        raise ValidationError({"clicks": ["More clicks than impressions."]})
    metric, _ = AdMetric.objects.update_or_create(
        tenant=campaign.tenant,
        campaign=campaign,
        channel=channel,
        date=day,
        defaults={"impressions": impressions, "clicks": clicks, "spend": spend},
    )
    return metric
