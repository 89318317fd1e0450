"""customization/lead-sources/, …/{code}/sub-sources/, customization/lead-channels/."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from tenancy.api.fields import StrictFieldsMixin
from tenancy.dates import parse_date_range, parse_days
from tenancy.models import Role
from tenancy.scoping import TenantModelViewSet

from ..models import LeadChannel, LeadSource, LeadSubSource
from ..selectors import sources as source_selectors
from ..services import sources as source_services

CODE_REGEX = "[A-Z0-9_]+"
CONFIG_WRITE_ROLES = (Role.ADMIN,)


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
        fields = [
            "source_code",
            "source_name",
            "source_type",
            "description",
            "icon",
            "color_hex",
            "display_order",
            "is_active",
            "is_default",
            "score_bonus",
            "metadata",
            "leads_generated",
            "conversion_count",
            "conversion_rate",
            "created_at",
            "updated_at",
        ]
        validators = []  # uniqueness among live rows is checked by the service


class LeadSubSourceSerializer(StrictFieldsMixin, CountersMixin, serializers.ModelSerializer):
    source_code = serializers.CharField(source="source.source_code", read_only=True)
    last_activity_date = serializers.SerializerMethodField()

    def get_last_activity_date(self, obj) -> datetime | None:
        return self.counters(obj).last_activity_date

    class Meta:
        model = LeadSubSource
        fields = [
            "source_code",
            "sub_source_code",
            "sub_source_name",
            "description",
            "icon",
            "display_order",
            "is_active",
            "cost_per_lead",
            "total_cost",
            "metadata",
            "leads_generated",
            "conversion_count",
            "conversion_rate",
            "last_activity_date",
            "created_at",
            "updated_at",
        ]
        validators = []


class LeadChannelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = LeadChannel
        fields = [
            "channel_code",
            "channel_name",
            "description",
            "display_order",
            "is_active",
            "metadata",
            "created_at",
            "updated_at",
        ]
        validators = []


class ConfigViewSet(TenantModelViewSet):
    """Code-addressed configuration: everyone reads, tenant admins write; DELETE is soft."""

    write_roles = CONFIG_WRITE_ROLES
    lookup_value_regex = CODE_REGEX
    filterset_fields = ["is_active"]
    ordering_fields = ["display_order", "created_at"]
    ordering = ["display_order"]

    def get_queryset(self):
        return super().get_queryset().live()

    def reload(self, obj):
        return self.get_queryset().get(pk=obj.pk)

    def perform_create(self, serializer):
        serializer.instance = self.reload(self.create_entry(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = self.reload(
            self.update_entry(serializer.instance, serializer.validated_data)
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, **kwargs):
        self.deactivate_entry(self.get_object())
        return Response(self.get_serializer(self.reload(self.get_object())).data)

    def deactivate_entry(self, entry):
        source_services.entry_deactivate(entry=entry)

    def perform_destroy(self, instance):
        source_services.entry_delete(entry=instance)


class CountersViewMixin:
    """Serializers of sources and sub-sources read their counters from one grouped query per
    request (`counters()`), not from a join per row."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self.request, "tenant"):
            context["counters"] = self.counters()
        return context


class LeadSourceViewSet(CountersViewMixin, ConfigViewSet):
    queryset = LeadSource.objects.all()
    serializer_class = LeadSourceSerializer
    lookup_field = "source_code"
    filterset_fields = ["is_active", "source_type"]

    def counters(self):
        return source_selectors.source_counters(tenant=self.tenant)

    def create_entry(self, data):
        return source_services.source_create(
            tenant=self.tenant, data=data, created_by=self.request.user
        )

    def update_entry(self, source, data):
        return source_services.source_update(source=source, data=data)

    def deactivate_entry(self, entry):
        source_services.source_deactivate(source=entry)

    def perform_destroy(self, instance):
        source_services.source_delete(source=instance)

    @extend_schema(
        parameters=[
            OpenApiParameter("start_date", str, description="YYYY-MM-DD, default 30 days ago"),
            OpenApiParameter("end_date", str, description="YYYY-MM-DD, default today"),
        ],
        responses=dict,
    )
    @action(detail=True, methods=["get"])
    def performance(self, request, **kwargs):
        period = parse_date_range(
            tenant=self.tenant,
            start_date=request.query_params.get("start_date"),
            end_date=request.query_params.get("end_date"),
        )
        return Response(
            source_selectors.source_performance(
                tenant=self.tenant, source=self.get_object(), period=period
            )
        )

    @extend_schema(parameters=[OpenApiParameter("days", int)], responses=dict)
    @action(detail=False, methods=["get"])
    def trends(self, request):
        days = parse_days(request.query_params.get("days"))
        return Response(source_selectors.source_trends(tenant=self.tenant, days=days))


class LeadSubSourceViewSet(CountersViewMixin, ConfigViewSet):
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

    def create_entry(self, data):
        return source_services.sub_source_create(
            source=self.get_source(), data=data, created_by=self.request.user
        )

    def update_entry(self, sub_source, data):
        return source_services.sub_source_update(sub_source=sub_source, data=data)


class LeadChannelViewSet(ConfigViewSet):
    queryset = LeadChannel.objects.all()
    serializer_class = LeadChannelSerializer
    lookup_field = "channel_code"

    def create_entry(self, data):
        return source_services.channel_create(
            tenant=self.tenant, data=data, created_by=self.request.user
        )

    def update_entry(self, channel, data):
        return source_services.channel_update(channel=channel, data=data)


__all__ = ["LeadChannelViewSet", "LeadSourceViewSet", "LeadSubSourceViewSet"]
