"""The campaign API: the catalogue under customization/, campaigns/ with their actions, the
template library, executions, and the analytics routes under customization/campaigns/analytics/.
Thin: every rule is in the services and selectors; campaigns and templates are listed and
fetched through their selectors (`campaigns_visible_to` / `campaign_for`, `templates_available`
/ `campaign_template_for`), as on the pages."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tenancy.api.config import ConfigViewSet
from tenancy.api.ordering import StrictOrderingFilter
from tenancy.dates import parse_date_range, parse_days
from tenancy.scoping import TenantModelViewSet, TenantReadOnlyViewSet, TenantViewSetMixin

from ..models import (
    BudgetType,
    Campaign,
    CampaignChannel,
    CampaignExecution,
    CampaignStatus,
    CampaignTemplate,
    CampaignType,
    ExecutionStatus,
)
from ..selectors import analytics
from ..selectors.campaigns import campaign_for, campaigns_visible_to
from ..selectors.templates import campaign_template_for, templates_available
from ..services import campaigns as campaign_services
from ..services import catalogue, launch, metrics, tracking
from ..services.campaigns import CAMPAIGN_WRITE_ROLES
from . import serializers as s


class CampaignTypeViewSet(ConfigViewSet):
    spec = catalogue.TYPES
    queryset = CampaignType.objects.all()
    serializer_class = s.CampaignTypeSerializer
    lookup_field = "type_code"


class CampaignChannelViewSet(ConfigViewSet):
    spec = catalogue.CHANNELS
    queryset = CampaignChannel.objects.all()
    serializer_class = s.CampaignChannelSerializer
    lookup_field = "channel_code"
    filterset_fields = ["is_active", "kind"]


class CampaignStatusViewSet(ConfigViewSet):
    spec = catalogue.STATUSES
    queryset = CampaignStatus.objects.all()
    serializer_class = s.CampaignStatusSerializer
    lookup_field = "status_code"


class BudgetTypeViewSet(ConfigViewSet):
    spec = catalogue.BUDGET_TYPES
    queryset = BudgetType.objects.all()
    serializer_class = s.BudgetTypeSerializer
    lookup_field = "budget_type_code"


class CampaignTemplateViewSet(ConfigViewSet):
    spec = catalogue.TEMPLATES
    """customization/campaign-templates/ by id."""

    queryset = CampaignTemplate.objects.select_related("campaign_type")
    serializer_class = s.CampaignTemplateSerializer
    lookup_field = "pk"
    lookup_value_regex = r"\d+"


class TemplateLibraryViewSet(TenantViewSetMixin, viewsets.GenericViewSet):
    """campaigns/templates/ (the active templates) and …/{id}/create/."""

    queryset = CampaignTemplate.objects.select_related("campaign_type")
    serializer_class = s.CampaignTemplateSerializer
    write_roles = CAMPAIGN_WRITE_ROLES
    filterset_fields: list = []
    ordering_fields = ["display_order", "template_name"]
    ordering = ["display_order"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CampaignTemplate.objects.none()
        return templates_available(tenant=self.tenant)

    def get_object(self):
        template = campaign_template_for(
            tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"]
        )
        self.check_object_permissions(self.request, template)
        return template

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=s.FromTemplateSerializer, responses=s.CampaignSerializer)
    def create_campaign(self, request, pk):
        template = self.get_object()
        body = s.FromTemplateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        campaign = campaign_services.campaign_create_from_template(
            template=template, data=body.validated_data, by=self.membership
        )
        return Response(
            campaign_data(campaign, self.get_serializer_context()), status=status.HTTP_201_CREATED
        )


def campaign_data(campaign: Campaign, context: dict) -> dict:
    campaign = _with_relations(Campaign.objects.filter(pk=campaign.pk)).get()
    context = {
        **context,
        "spend": analytics.campaign_spend(Campaign.objects.filter(pk=campaign.pk)),
    }
    return s.CampaignSerializer(campaign, context=context).data


def _with_relations(queryset):
    return queryset.select_related("campaign_type", "status", "budget_type").prefetch_related(
        "channels", "plans__channel", "variants__channel"
    )


class CampaignFilterSet(django_filters.FilterSet):
    campaign_type = django_filters.ModelChoiceFilter(
        queryset=lambda request: CampaignType.objects.for_tenant(request.tenant),
        to_field_name="type_code",
    )
    status = django_filters.ModelChoiceFilter(
        queryset=lambda request: CampaignStatus.objects.for_tenant(request.tenant),
        to_field_name="status_code",
    )
    channel = django_filters.ModelChoiceFilter(
        queryset=lambda request: CampaignChannel.objects.for_tenant(request.tenant),
        to_field_name="channel_code",
        field_name="channels",
    )

    class Meta:
        model = Campaign
        fields = ["campaign_type", "status", "channel"]


class CampaignViewSet(TenantModelViewSet):
    queryset = Campaign.objects.all()
    serializer_class = s.CampaignSerializer
    write_roles = CAMPAIGN_WRITE_ROLES
    lookup_value_regex = r"\d+"
    filterset_class = CampaignFilterSet
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, StrictOrderingFilter]
    ordering_fields = ["created_at", "name", "budget", "start_date", "launched_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        return _with_relations(campaigns_visible_to(tenant=self.tenant, membership=self.membership))

    def get_object(self):
        campaign = campaign_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=self.get_queryset(),
        )
        self.check_object_permissions(self.request, campaign)
        return campaign

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "_page", None) is not None:
            context["spend"] = analytics.campaign_spend(
                Campaign.objects.filter(pk__in=[c.pk for c in self._page])
            )
        return context

    def list(self, request, *args, **kwargs):
        self._page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(self._page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(campaign_data(self.get_object(), self.get_serializer_context()))

    @staticmethod
    def _split(data: dict) -> dict:
        contents = data.pop("variants", None)
        return {
            "channels": data.pop("channels", None),
            "channel_budgets": data.pop("channel_budgets", None),
            "contents": [dict(c) for c in contents] if contents is not None else None,
        }

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "status" in data:
            raise serializers.ValidationError({"status": ["A new campaign starts as a draft."]})
        parts = self._split(data)
        campaign = campaign_services.campaign_create(
            tenant=self.tenant,
            data=data,
            channels=parts["channels"] or [],
            channel_budgets=parts["channel_budgets"],
            contents=parts["contents"] or [],
            by=self.membership,
        )
        return Response(
            campaign_data(campaign, self.get_serializer_context()), status=status.HTTP_201_CREATED
        )

    def update(self, request, *args, **kwargs):
        campaign = self.get_object()
        serializer = self.get_serializer(
            campaign, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        new_status = data.pop("status", None)
        campaign = launch.campaign_edit(
            campaign=campaign,
            data=data,
            status=new_status,
            by=self.membership,
            **self._split(data),
        )
        return Response(campaign_data(campaign, self.get_serializer_context()))

    def perform_destroy(self, instance):
        campaign_services.campaign_delete(campaign=instance, by=self.membership)

    def _act(self, service):
        campaign = service(campaign=self.get_object(), by=self.membership)
        return Response(campaign_data(campaign, self.get_serializer_context()))

    @extend_schema(request=None, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def launch(self, request, pk=None):
        return self._act(launch.campaign_launch)

    @extend_schema(request=None, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._act(launch.campaign_pause)

    @extend_schema(request=None, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._act(launch.campaign_resume)

    @extend_schema(request=None, responses=s.CampaignSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._act(launch.campaign_complete)

    @extend_schema(responses=dict)
    @action(detail=True, methods=["get"])
    def analytics(self, request, pk=None):
        return Response(analytics.campaign_analytics(campaign=self.get_object()))

    @extend_schema(responses=dict)
    @action(detail=True, methods=["get"])
    def audience(self, request, pk=None):
        campaign = self.get_object()
        queryset = campaign_services.audience_queryset(
            tenant=self.tenant, condition=campaign.audience
        )
        return Response({"count": queryset.count()})

    @extend_schema(request=s.AudienceSerializer, responses=dict)
    @action(detail=False, methods=["post"], url_path="audience-count")
    def audience_count(self, request):
        body = s.AudienceSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        queryset = campaign_services.audience_queryset(
            tenant=self.tenant, condition=body.validated_data["audience"]
        )
        return Response({"count": queryset.count()})

    @extend_schema(request=s.PreviewSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        campaign = self.get_object()  # a foreign campaign is a 404 before the body is read
        body = s.PreviewSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return Response(
            campaign_services.campaign_preview(campaign=campaign, **body.validated_data)
        )

    @extend_schema(request=s.ConversionSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def conversions(self, request, pk=None):
        campaign = self.get_object()
        body = s.ConversionSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        response = tracking.record_conversion(
            campaign=campaign, by=self.membership, **body.validated_data
        )
        return Response(
            {"id": response.pk, "execution": response.execution_id, "value": str(response.value)},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.AdMetricSerializer, responses=s.AdMetricSerializer(many=True))
    @action(detail=True, methods=["get", "post"], url_path="ad-metrics")
    def ad_metrics(self, request, pk=None):
        campaign = self.get_object()
        if request.method == "POST":
            body = s.AdMetricSerializer(data=request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            data = body.validated_data
            metrics.ad_metric_record(
                campaign=campaign,
                channel=data["channel"],
                day=data["date"],
                impressions=data.get("impressions", 0),
                clicks=data.get("clicks", 0),
                spend=data.get("spend", 0),
                by=self.membership,
            )
        rows = campaign.ad_metrics.select_related("channel")
        return Response(
            s.AdMetricSerializer(rows, many=True).data,
            status=status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK,
        )


class ExecutionFilterSet(django_filters.FilterSet):
    campaign = django_filters.ModelChoiceFilter(
        queryset=lambda request: campaigns_visible_to(
            tenant=request.tenant, membership=request.membership
        )
    )
    channel = django_filters.ModelChoiceFilter(
        queryset=lambda request: CampaignChannel.objects.for_tenant(request.tenant),
        to_field_name="channel_code",
    )
    status = django_filters.ChoiceFilter(choices=ExecutionStatus.choices)

    class Meta:
        model = CampaignExecution
        fields = ["campaign", "channel", "status", "skip_reason", "variant"]


class ExecutionViewSet(TenantReadOnlyViewSet):
    queryset = CampaignExecution.objects.select_related("channel")
    serializer_class = s.ExecutionSerializer
    filterset_class = ExecutionFilterSet
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, StrictOrderingFilter]
    ordering_fields = ["id", "sent_at", "status"]
    ordering = ["id"]


class CampaignAnalyticsViewSet(TenantViewSetMixin, viewsets.GenericViewSet):
    """customization/campaigns/analytics/…: type performance, channel performance, trends."""

    queryset = CampaignType.objects.none()
    pagination_class = None

    @extend_schema(responses=dict)
    def type_performance(self, request, type_code):
        campaign_type = get_object_or_404(
            CampaignType.objects.for_tenant(self.tenant).live(), type_code=type_code
        )
        return Response(analytics.type_performance(tenant=self.tenant, campaign_type=campaign_type))

    @extend_schema(
        parameters=[
            OpenApiParameter("start_date", str, description="YYYY-MM-DD, default 30 days ago"),
            OpenApiParameter("end_date", str, description="YYYY-MM-DD, default today"),
        ],
        responses=dict,
    )
    def channel_performance(self, request, channel_code):
        channel = get_object_or_404(
            CampaignChannel.objects.for_tenant(self.tenant).live(), channel_code=channel_code
        )
        period = parse_date_range(
            tenant=self.tenant,
            start_date=request.query_params.get("start_date"),
            end_date=request.query_params.get("end_date"),
        )
        return Response(
            analytics.channel_performance(tenant=self.tenant, channel=channel, period=period)
        )

    @extend_schema(parameters=[OpenApiParameter("days", int)], responses=dict)
    def trends(self, request):
        days = parse_days(request.query_params.get("days"))
        return Response(analytics.campaign_trends(tenant=self.tenant, days=days))
