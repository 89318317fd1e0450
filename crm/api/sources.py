"""customization/lead-sources/, …/{code}/sub-sources/, customization/lead-channels/."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from tenancy.api.config import ConfigViewSet, serializer_fields
from tenancy.api.fields import StrictFieldsMixin
from tenancy.api.schema import DAYS_PARAMETER, PERIOD_PARAMETERS, REFUSED
from tenancy.dates import parse_date_range, parse_days

from ..models import LeadChannel, LeadSource, LeadSubSource
from ..selectors import sources as source_selectors
from ..services import sources as source_services
from . import figures


class CountersMixin(serializers.Serializer):
    """Counters from the `counters` map the view computes once per request ({pk: Counters})."""

    leads_generated = serializers.SerializerMethodField()
    conversion_count = serializers.SerializerMethodField()
    conversion_rate = serializers.SerializerMethodField()

    def counters(self, obj) -> source_selectors.Counters:
        return self.context["counters"].get(obj.pk, source_selectors.NO_LEADS)

    def get_leads_generated(self, obj) -> int:
        return self.counters(obj).leads_generated

    def get_conversion_count(self, obj) -> int:
        return self.counters(obj).conversion_count

    def get_conversion_rate(self, obj) -> float:
        return self.counters(obj).conversion_rate


class LeadSourceSerializer(StrictFieldsMixin, CountersMixin, serializers.ModelSerializer):
    class Meta:
        model = LeadSource
        fields = serializer_fields(
            source_services.SOURCES, "leads_generated", "conversion_count", "conversion_rate"
        )
        validators = []  # uniqueness among live rows is checked by the service


class LeadSubSourceSerializer(StrictFieldsMixin, CountersMixin, serializers.ModelSerializer):
    source_code = serializers.CharField(source="source.source_code", read_only=True)
    last_activity_date = serializers.SerializerMethodField()

    def get_last_activity_date(self, obj) -> datetime | None:
        return self.counters(obj).last_activity_date

    class Meta:
        model = LeadSubSource
        fields = serializer_fields(
            source_services.SUB_SOURCES,
            "source_code",
            "leads_generated",
            "conversion_count",
            "conversion_rate",
            "last_activity_date",
        )
        validators = []


class LeadChannelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = LeadChannel
        fields = serializer_fields(source_services.CHANNELS)
        validators = []


class CountersViewMixin:
    """Serializers of sources and sub-sources read their counters from one grouped query per
    request (`counters()`), not from a join per row."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self.request, "tenant"):
            context["counters"] = self.counters()
        return context


class LeadSourceViewSet(CountersViewMixin, ConfigViewSet):
    spec = source_services.SOURCES
    queryset = LeadSource.objects.all()
    serializer_class = LeadSourceSerializer
    lookup_field = "source_code"
    filterset_fields = ["is_active", "source_type"]

    def counters(self):
        return source_selectors.source_counters(tenant=self.tenant)

    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: figures.SourcePerformanceSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["get"])
    def performance(self, request, **kwargs):
        source = self.get_object()  # another tenant's source is a 404 before the dates are read
        period = parse_date_range(
            tenant=self.tenant,
            start_date=request.query_params.get("start_date"),
            end_date=request.query_params.get("end_date"),
        )
        data = source_selectors.source_performance(tenant=self.tenant, source=source, period=period)
        return Response(figures.SourcePerformanceSerializer(data).data)

    @extend_schema(
        parameters=[DAYS_PARAMETER],
        responses={200: figures.SourceTrendsSerializer, 400: REFUSED},
    )
    @action(detail=False, methods=["get"])
    def trends(self, request):
        days = parse_days(request.query_params.get("days"))
        data = source_selectors.source_trends(tenant=self.tenant, days=days)
        return Response(figures.SourceTrendsSerializer(data).data)


class LeadSubSourceViewSet(CountersViewMixin, ConfigViewSet):
    spec = source_services.SUB_SOURCES
    queryset = LeadSubSource.objects.all()
    serializer_class = LeadSubSourceSerializer
    lookup_field = "sub_source_code"

    def get_source(self) -> LeadSource:
        return get_object_or_404(
            LeadSource.objects.for_tenant(self.tenant).live(),
            source_code=self.kwargs["source_code"],
        )

    def get_queryset(self):
        qs = super().get_queryset().filter(source__source_code=self.kwargs["source_code"])
        return qs.select_related("source")

    def counters(self):
        return source_selectors.sub_source_counters(tenant=self.tenant, source=self.get_source())

    def list(self, request, *args, **kwargs):
        self.get_source()  # another tenant's (or a deleted) source is a 404, not an empty list
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        self.get_source()  # 404 before validating the body when the source is not ours
        return super().create(request, *args, **kwargs)

    def parents(self):
        return {"source": self.get_source()}


class LeadChannelViewSet(ConfigViewSet):
    spec = source_services.CHANNELS
    queryset = LeadChannel.objects.all()
    serializer_class = LeadChannelSerializer
    lookup_field = "channel_code"


__all__ = ["LeadChannelViewSet", "LeadSourceViewSet", "LeadSubSourceViewSet"]
