"""The campaign API: campaigns/ with their actions, the template library and executions (the
catalogue under customization/ is in .catalogue, the analytics routes under
customization/campaigns/analytics/ in .analytics). Creating something answers 201, an action on
an existing campaign 200; figures are sent through the serializers of .figures.

Thin: every rule is in the services and selectors; campaigns and templates are listed and
fetched through their selectors (`campaigns_visible_to` / `campaign_for`, `templates_available`
/ `campaign_template_for`), as on the pages."""

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tenancy.api.ordering import StrictOrderingFilter
from tenancy.api.schema import REFUSED
from tenancy.scoping import TenantModelViewSet, TenantReadOnlyViewSet, TenantViewSetMixin

from ..models import (
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
from ..services import launch, metrics, tracking
from ..services.campaigns import CAMPAIGN_WRITE_ROLES
from . import figures
from . import serializers as s
from .types import CAMPAIGN_ERRORS, LAUNCHED_CAMPAIGN_KEPT


class TemplateLibraryViewSet(TenantViewSetMixin, viewsets.GenericViewSet):
    """The template library: the active templates, and a new draft campaign from one
    (managers and admins)."""

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

    @extend_schema(request=s.FromTemplateSerializer, responses={201: s.CampaignSerializer})
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


@extend_schema_view(
    create=extend_schema(responses={201: s.CampaignSerializer, 400: CAMPAIGN_ERRORS}),
    update=extend_schema(responses={200: s.CampaignSerializer, 400: CAMPAIGN_ERRORS}),
    partial_update=extend_schema(responses={200: s.CampaignSerializer, 400: CAMPAIGN_ERRORS}),
    destroy=extend_schema(responses={204: None, 400: LAUNCHED_CAMPAIGN_KEPT}),
)
class CampaignViewSet(TenantModelViewSet):
    """The tenant's campaigns: every member reads them, managers and admins build and run
    them."""

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

    @extend_schema(
        parameters=[s.MachineOpensQuerySerializer],
        responses={200: figures.CampaignAnalyticsSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def analytics(self, request, pk=None):
        campaign = self.get_object()
        params = s.MachineOpensQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = analytics.campaign_analytics(campaign=campaign, **params.validated_data)
        return Response(figures.CampaignAnalyticsSerializer(data).data)

    @extend_schema(responses=figures.AudienceCountSerializer)
    @action(detail=True, methods=["get"])
    def audience(self, request, pk=None):
        campaign = self.get_object()
        queryset = campaign_services.audience_queryset(
            tenant=self.tenant, condition=campaign.audience
        )
        return Response(figures.AudienceCountSerializer({"count": queryset.count()}).data)

    @extend_schema(request=s.AudienceSerializer, responses=figures.AudienceCountSerializer)
    @action(detail=False, methods=["post"], url_path="audience-count")
    def audience_count(self, request):
        """Counts the customers an audience condition selects (nothing is saved)."""
        body = s.AudienceSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        queryset = campaign_services.audience_queryset(
            tenant=self.tenant, condition=body.validated_data["audience"]
        )
        return Response(figures.AudienceCountSerializer({"count": queryset.count()}).data)

    @extend_schema(request=s.PreviewSerializer, responses=figures.PreviewAnswerSerializer)
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        """Renders a message for a customer (nothing is saved)."""
        campaign = self.get_object()  # a foreign campaign is a 404 before the body is read
        body = s.PreviewSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = campaign_services.campaign_preview(campaign=campaign, **body.validated_data)
        return Response(figures.PreviewAnswerSerializer(data).data)

    @extend_schema(
        request=s.ConversionSerializer, responses={201: figures.ConversionAnswerSerializer}
    )
    @action(detail=True, methods=["post"])
    def conversions(self, request, pk=None):
        campaign = self.get_object()
        body = s.ConversionSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        response = tracking.record_conversion(
            campaign=campaign, by=self.membership, **body.validated_data
        )
        answer = {"id": response.pk, "execution": response.execution_id, "value": response.value}
        return Response(
            figures.ConversionAnswerSerializer(answer).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(methods=["GET"], responses=s.AdMetricSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=s.AdMetricSerializer,
        responses={
            201: OpenApiResponse(
                s.AdMetricSerializer(many=True),
                description="The day's figures are recorded (a day entered again replaces "
                "them); the answer is every day's figures of the campaign.",
            )
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="ad-metrics",
        pagination_class=None,
        filter_backends=[],
    )
    def ad_metrics(self, request, pk=None):
        """The figures ad and social channels report, per channel and day (not paginated)."""
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
    """The messages of the tenant's campaigns, one per customer and channel (read-only)."""

    queryset = CampaignExecution.objects.select_related("channel")
    serializer_class = s.ExecutionSerializer
    filterset_class = ExecutionFilterSet
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, StrictOrderingFilter]
    ordering_fields = ["id", "sent_at", "status"]
    ordering = ["id"]
