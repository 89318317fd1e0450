"""customization/campaigns/analytics/…: a campaign type's and a channel's performance, and the
trends. The figures come from campaigns.selectors.analytics and are sent through the
serializers of .figures, which the schema documents."""

from datetime import date

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from tenancy.api.schema import DAYS_PARAMETER, REFUSED
from tenancy.dates import DEFAULT_DAYS, parse_date, parse_date_range, parse_days
from tenancy.scoping import TenantViewSetMixin

from ..models import CampaignChannel, CampaignType
from ..selectors import analytics
from . import figures

# A report's days, as far as every time zone can turn their midnights into instants.
EARLIEST = date(1900, 1, 1)
LATEST = date(9999, 12, 30)


class PeriodQuerySerializer(serializers.Serializer):
    """The period of a report: whole days in the tenant's time zone, both included."""

    start_date = serializers.DateField(
        required=False,
        help_text=f"Default: {DEFAULT_DAYS} days up to end_date. From {EARLIEST} to {LATEST}.",
    )
    end_date = serializers.DateField(
        required=False,
        help_text=f"Default: today. From {EARLIEST} to {LATEST}.",
    )

    def to_internal_value(self, data):
        # Read as every report reads dates (tenancy.dates: a blank one is the default), with
        # every error at once.
        days, errors = {}, {}
        for name in self.fields:
            try:
                day = parse_date(data.get(name), field=name)
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
            if day is not None and not EARLIEST <= day <= LATEST:
                errors[name] = [f"Give a date from {EARLIEST} to {LATEST}."]
            elif day is not None:
                days[name] = day
        if errors:
            raise serializers.ValidationError(errors)
        return days


DAYS = DAYS_PARAMETER


class CampaignAnalyticsViewSet(TenantViewSetMixin, viewsets.GenericViewSet):
    """How the tenant's campaigns perform, by type, by channel and per day; every member reads
    them."""

    queryset = CampaignType.objects.none()
    pagination_class = None

    @extend_schema(responses=figures.TypePerformanceSerializer)
    def type_performance(self, request, type_code):
        campaign_type = get_object_or_404(
            CampaignType.objects.for_tenant(self.tenant).live(), type_code=type_code
        )
        data = analytics.type_performance(tenant=self.tenant, campaign_type=campaign_type)
        return Response(figures.TypePerformanceSerializer(data).data)

    @extend_schema(
        parameters=[PeriodQuerySerializer],
        responses={200: figures.ChannelPerformanceSerializer, 400: REFUSED},
    )
    def channel_performance(self, request, channel_code):
        channel = get_object_or_404(
            CampaignChannel.objects.for_tenant(self.tenant).live(), channel_code=channel_code
        )
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        dates = {name: day.isoformat() for name, day in query.validated_data.items()}
        period = parse_date_range(
            tenant=self.tenant, start_date=dates.get("start_date"), end_date=dates.get("end_date")
        )
        data = analytics.channel_performance(tenant=self.tenant, channel=channel, period=period)
        return Response(figures.ChannelPerformanceSerializer(data).data)

    @extend_schema(parameters=[DAYS], responses={200: figures.TrendsSerializer, 400: REFUSED})
    def trends(self, request):
        days = parse_days(request.query_params.get("days"))
        data = analytics.campaign_trends(tenant=self.tenant, days=days)
        return Response(figures.TrendsSerializer(data).data)
