"""The shapes of the campaign API's figures (analytics, audience counts, previews, recorded
conversions). The views pass what the selectors compute through these serializers, so the
schema is exactly what is sent. Money is a JSON number with two decimals, rates are
percentages; a figure that cannot be computed (nothing to divide by) is null. Definitions:
docs/metrics.md, "## Campaigns"."""

from rest_framework import serializers

from tenancy.api.fields import Money

from ..models import ChannelKind


def _rate(help_text: str = "") -> serializers.FloatField:
    return serializers.FloatField(help_text=help_text or "A percentage, 2 decimals (0 when empty).")


def _ratio(help_text: str) -> Money:
    return Money(allow_null=True, help_text=help_text + " Null when nothing to divide by.")


class DerivedFiguresSerializer(serializers.Serializer):
    """Counts of messages by what became of them, the rates between them, cost and return."""

    audience = serializers.IntegerField(
        help_text="Messages planned (one per customer and channel)."
    )
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField(help_text="Sent minus bounced.")
    delivery_confirmed = serializers.IntegerField()
    bounced = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField()
    pending = serializers.IntegerField()
    in_flight = serializers.IntegerField()
    opened = serializers.IntegerField(
        help_text="Sent messages opened or clicked by a person (machine opens only with "
        "include_machine_opens)."
    )
    machine_opened = serializers.IntegerField(
        help_text="Sent messages opened by nothing but a machine (a mail proxy's prefetch or a "
        "security scanner; docs/metrics.md, Machine opens)."
    )
    machine_opens_included = serializers.BooleanField(
        help_text="Whether `opened` and the open rates count machine opens."
    )
    machine_opens_left_out = serializers.IntegerField(
        help_text="Messages left out of `opened` because only a machine opened them."
    )
    clicked = serializers.IntegerField()
    converted = serializers.IntegerField()
    delivery_rate = _rate()
    open_rate = _rate()
    click_rate = _rate()
    click_to_open_rate = _rate()
    conversion_rate = _rate()
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    messaging_cost = Money()
    ad_spend = Money()
    cost = Money()
    revenue = Money()
    roi = serializers.FloatField(allow_null=True, help_text="(revenue − cost) ÷ cost, percent.")
    cpm = _ratio("Cost per 1000 impressions.")
    ctr = _rate("Clicks ÷ impressions, percent.")
    cpc = _ratio("Cost per click.")


class ChannelFiguresSerializer(DerivedFiguresSerializer):
    """One channel of a campaign; `budget` and `budget_used` only when the channel has a budget
    of its own (a per-channel budget type)."""

    channel_code = serializers.CharField()
    channel_name = serializers.CharField()
    kind = serializers.CharField(help_text=f"The channel's kind: {', '.join(ChannelKind.values)}.")
    budget = Money(required=False)
    budget_used = serializers.FloatField(required=False, allow_null=True)


class VariantFiguresSerializer(DerivedFiguresSerializer):
    channel_code = serializers.CharField()
    variant = serializers.CharField(help_text="A, B, … (empty for a message without content).")


class ABTestSerializer(serializers.Serializer):
    """The variant with the best click rate against the runner-up (two-proportion z-test)."""

    channel_code = serializers.CharField()
    metric = serializers.CharField()
    test = serializers.CharField()
    leader = serializers.CharField(allow_null=True)
    runner_up = serializers.CharField(allow_null=True)
    z = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    significant = serializers.BooleanField()
    winner = serializers.CharField(allow_null=True, help_text="The leader when significant.")


class DayFiguresSerializer(serializers.Serializer):
    date = serializers.DateField()
    sent = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()
    converted = serializers.IntegerField()
    revenue = Money()


class CampaignAnalyticsSerializer(DerivedFiguresSerializer):
    """Everything about one campaign: totals, per channel, per variant with the A/B verdict,
    and per day since launch (empty before launch)."""

    campaign_id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField(help_text="The campaign's status code.")
    leads = serializers.IntegerField(help_text="Leads attributed to the campaign.")
    cpl = _ratio("Cost per lead.")
    budget = Money()
    budget_used = serializers.FloatField(allow_null=True, help_text="Cost ÷ budget, percent.")
    unsubscribed = serializers.IntegerField()
    channels = ChannelFiguresSerializer(many=True)
    variants = VariantFiguresSerializer(many=True)
    ab_tests = ABTestSerializer(many=True)
    daily = DayFiguresSerializer(many=True)


class TypePerformanceSerializer(serializers.Serializer):
    """How a campaign type's campaigns did, all time."""

    type_code = serializers.CharField()
    type_name = serializers.CharField()
    total_campaigns = serializers.IntegerField()
    active_campaigns = serializers.IntegerField()
    completed_campaigns = serializers.IntegerField()
    total_budget = Money()
    average_budget = _ratio("Total budget ÷ campaigns.")
    total_spent = Money()
    total_revenue = Money()
    total_leads = serializers.IntegerField()
    total_conversions = serializers.IntegerField()
    messages_sent = serializers.IntegerField()
    average_cpl = _ratio("Spend ÷ leads.")
    conversion_rate = _rate("Conversions ÷ leads, percent.")
    roi = serializers.FloatField(allow_null=True)
    budget_used = serializers.FloatField(allow_null=True)


class ChannelPerformanceSerializer(serializers.Serializer):
    """How a channel did over a period (tenant time)."""

    channel_code = serializers.CharField()
    channel_name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    campaign_count = serializers.IntegerField()
    total_budget = Money()
    total_spent = Money()
    total_impressions = serializers.IntegerField()
    total_clicks = serializers.IntegerField()
    total_leads = serializers.IntegerField()
    total_conversions = serializers.IntegerField()
    total_revenue = Money()
    messages_sent = serializers.IntegerField()
    cpl = _ratio("Spend ÷ leads.")
    cpm = _ratio("Cost per 1000 impressions.")
    ctr = _rate("Clicks ÷ impressions, percent.")
    cpc = _ratio("Cost per click.")
    conversion_rate = _rate("Conversions ÷ leads, percent.")
    roi = serializers.FloatField(allow_null=True)


class TrendDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    campaigns_launched = serializers.IntegerField()
    sent = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField(help_text="Message clicks plus ad clicks.")
    conversions = serializers.IntegerField()
    revenue = Money()
    spend = Money()


class ChannelTrendDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    sent = serializers.IntegerField()
    clicked = serializers.IntegerField()
    conversions = serializers.IntegerField()


class ChannelTrendSerializer(serializers.Serializer):
    channel_code = serializers.CharField()
    channel_name = serializers.CharField()
    sent = serializers.IntegerField()
    clicked = serializers.IntegerField()
    conversions = serializers.IntegerField()
    series = ChannelTrendDaySerializer(many=True)


class TrendsSerializer(serializers.Serializer):
    """Campaign activity per day over the last `days` days, in total and per channel."""

    days = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    series = TrendDaySerializer(many=True)
    channels = ChannelTrendSerializer(many=True)


class AudienceCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="The customers the audience condition selects.")


class PreviewAnswerSerializer(serializers.Serializer):
    """The message as a customer would get it (before tracking links)."""

    channel = serializers.CharField()
    customer = serializers.IntegerField(
        allow_null=True, help_text="The customer shown; null for the sample customer."
    )
    customer_name = serializers.CharField()
    html = serializers.BooleanField(help_text="Whether `body` is HTML (email).")
    subject = serializers.CharField(allow_blank=True)
    body = serializers.CharField(allow_blank=True)


class ConversionAnswerSerializer(serializers.Serializer):
    """The recorded conversion."""

    id = serializers.IntegerField()
    execution = serializers.IntegerField(
        allow_null=True, help_text="The message it is attributed to, if any."
    )
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
