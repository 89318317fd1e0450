"""customization/milestone-types/, customization/milestone-templates/, a lead's milestones under
customization/milestones/{lead_id}/, the analytics and the overdue list."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.models import Lead
from crm.selectors.leads import lead_for
from tenancy.api.config import ConfigViewSet
from tenancy.api.schema import DAYS_PARAMETER, VALIDATION_ERROR_SCHEMA, ErrorSerializer
from tenancy.dates import parse_days
from tenancy.scoping import TenantViewSetMixin

from ..models import LeadMilestone, MilestoneTemplate, MilestoneType
from ..selectors import analytics
from ..selectors.lead_milestones import milestone_for
from ..selectors.overdue import overdue_steps_for
from ..selectors.timeline import lead_timeline
from ..services import config as config_services
from ..services import lead_milestones as milestone_services
from .serializers import (
    BottleneckSerializer,
    CompletionSerializer,
    LeadTemplateSerializer,
    MilestoneRecordSerializer,
    MilestoneTemplateSerializer,
    MilestoneTypeSerializer,
    OverdueStepSerializer,
    StatusSerializer,
    TimelineEntrySerializer,
    TimelineSerializer,
    TrendPointSerializer,
)

# The lead's columns its timeline reads (GET): not the rest of the row (its search text…).
TIMELINE_LEAD_FIELDS = ("id", "tenant_id", "created_at", "status", "archived_at")

# The timeline's representation, its fields built once per process rather than on every
# request (~1 ms): to_representation reads nothing of the serializer but its fields, and no
# field of these keeps state between calls (no context, the time zone is read when called).
TIMELINE = TimelineSerializer()
TIMELINE_ENTRY = TimelineEntrySerializer()

# A query parameter the server refuses is a 400 naming it.
REFUSED_PARAMETER = OpenApiResponse(
    VALIDATION_ERROR_SCHEMA, description="A parameter was refused; the body names it and why."
)


class MilestoneTypeViewSet(ConfigViewSet):
    """Milestone types by code: everyone reads, tenant admins write; DELETE is soft."""

    spec = config_services.TYPES
    queryset = MilestoneType.objects.all()
    serializer_class = MilestoneTypeSerializer
    lookup_field = "type_code"
    filterset_fields = ["is_active", "category"]


class MilestoneTemplateViewSet(ConfigViewSet):
    """Milestone templates by id, with their steps as `sequence` (type codes in order)."""

    spec = config_services.TEMPLATES
    queryset = MilestoneTemplate.objects.prefetch_related("steps__milestone_type")
    serializer_class = MilestoneTemplateSerializer
    lookup_value_regex = "[0-9]+"
    filterset_fields = ["is_active", "is_default", "template_type"]

    def create_entry(self, data):
        data = dict(data)
        sequence = data.pop("type_codes")
        return config_services.template_create(
            tenant=self.tenant, data=data, sequence=sequence, by=self.membership
        )

    def update_entry(self, template, data):
        data = dict(data)
        sequence = data.pop("type_codes", None)
        return config_services.template_update(
            template=template, data=data, sequence=sequence, by=self.membership
        )


class LeadMilestoneViewSet(TenantViewSetMixin, viewsets.GenericViewSet):
    """A lead's milestones. Every member may read and record them on the leads they may see
    (an agent: assigned to them or unassigned); any other lead is a 404."""

    queryset = LeadMilestone.objects.all()
    serializer_class = TimelineEntrySerializer
    # One lead's timeline: nothing to filter, order or page.
    filter_backends = []
    pagination_class = None
    # The body each action reads (OPTIONS describes it too).
    body_serializers = {
        "create": MilestoneRecordSerializer,
        "set_status": StatusSerializer,
        "set_template": LeadTemplateSerializer,
    }

    def get_serializer_class(self):
        action = self.action
        if action == "metadata":  # OPTIONS describes what the URL's writing method reads
            action = next(
                (name for method, name in self.action_map.items() if method in ("post", "put")),
                None,
            )
        return self.body_serializers.get(action, TimelineEntrySerializer)

    def get_object(self):
        """The lead of the URL, as the member may see it (what OPTIONS and every action
        address)."""
        return lead_for(tenant=self.tenant, membership=self.membership, pk=self.kwargs["lead_id"])

    def _timeline(self, lead):
        return lead_timeline(tenant=self.tenant, lead=lead, now=timezone.now())

    def _entry(self, lead, milestone) -> dict:
        entry = next(e for e in self._timeline(lead).entries if e.milestone.pk == milestone.pk)
        return TIMELINE_ENTRY.to_representation(entry)

    @extend_schema(responses=TimelineSerializer)
    def timeline(self, request, lead_id):
        """The timeline: the lead's milestones oldest first, its template and next step."""
        lead = lead_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=lead_id,
            queryset=Lead.objects.only(*TIMELINE_LEAD_FIELDS),
        )
        return Response(TIMELINE.to_representation(self._timeline(lead)))

    @extend_schema(request=MilestoneRecordSerializer, responses={201: TimelineEntrySerializer})
    def create(self, request, lead_id):
        """Record a milestone (by default completed today)."""
        lead = self.get_object()  # 404 before the body is read when the lead is not visible
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        milestone = milestone_services.milestone_record(
            lead=lead, by=self.membership, data=body.validated_data
        )
        return Response(self._entry(lead, milestone), status=status.HTTP_201_CREATED)

    @extend_schema(request=StatusSerializer, responses=TimelineEntrySerializer)
    def set_status(self, request, lead_id, milestone_id):
        """Move the milestone pending → in_progress → completed / skipped / failed."""
        lead = self.get_object()
        milestone = milestone_for(
            tenant=self.tenant, membership=self.membership, pk=milestone_id, lead=lead
        )
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        milestone = milestone_services.milestone_set_status(
            milestone=milestone, by=self.membership, **body.validated_data
        )
        return Response(self._entry(lead, milestone))

    @extend_schema(request=LeadTemplateSerializer, responses=TimelineSerializer)
    def set_template(self, request, lead_id):
        """Choose the template the lead follows (`null`: the tenant's default)."""
        lead = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        template = None
        template_id = body.validated_data["template_id"]
        if template_id is not None:
            template = (
                MilestoneTemplate.objects.for_tenant(self.tenant)
                .live()
                .filter(pk=template_id)
                .first()
            )
            if template is None:
                raise serializers.ValidationError(
                    {"template_id": [f"Unknown milestone template {template_id}."]}
                )
        config_services.lead_template_set(lead=lead, by=self.membership, template=template)
        return Response(TIMELINE.to_representation(self._timeline(lead)))


class MilestoneReportViewSet(TenantViewSetMixin, viewsets.GenericViewSet):
    """Analytics over the tenant's milestones, and the overdue steps of the leads you may see."""

    queryset = LeadMilestone.objects.all()
    serializer_class = OverdueStepSerializer
    filter_backends = []  # the overdue list has its own order

    def _type(self, code: str | None) -> MilestoneType | None:
        if not code:
            return None
        found = MilestoneType.objects.for_tenant(self.tenant).live().filter(type_code=code).first()
        if found is None:
            raise serializers.ValidationError({"type_code": [f"Unknown milestone type '{code}'."]})
        return found

    def _template(self, raw: str | None) -> MilestoneTemplate | None:
        templates = MilestoneTemplate.objects.for_tenant(self.tenant).live()
        if not raw:
            return templates.filter(is_default=True).first()
        found = templates.filter(pk=raw).first() if raw.isascii() and raw.isdigit() else None
        if found is None:
            raise serializers.ValidationError({"template_id": [f"Unknown template '{raw}'."]})
        return found

    @extend_schema(responses=CompletionSerializer)
    @action(detail=False, url_path="analytics/completion")
    def completion(self, request):
        """Per milestone type: its records by status and the completion rate."""
        return Response(CompletionSerializer(analytics.completion_metrics(tenant=self.tenant)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "type_code",
                {"type": "string", "pattern": "^[A-Z0-9_]*$", "maxLength": 50},
                description="One type's code; default (absent or blank): every type.",
            ),
            DAYS_PARAMETER,
        ],
        responses={200: TrendPointSerializer(many=True), 400: REFUSED_PARAMETER},
    )
    @action(detail=False, url_path="analytics/trends", pagination_class=None)
    def trends(self, request):
        """One point per day, oldest first: the milestones completed that day."""
        milestone_type = self._type(request.query_params.get("type_code"))
        points = analytics.time_trends(
            tenant=self.tenant,
            milestone_type=milestone_type,
            days=parse_days(request.query_params.get("days")),
            now=timezone.now(),
        )
        return Response(TrendPointSerializer(points, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "template_id",
                {"type": "integer", "minimum": 1},
                description="A template's id; default: the tenant's default template.",
            )
        ],
        responses={200: BottleneckSerializer(many=True), 400: REFUSED_PARAMETER},
    )
    @action(detail=False, url_path="analytics/bottlenecks", pagination_class=None)
    def bottlenecks(self, request):
        """One row per pair of consecutive steps of the template (none without a template)."""
        template = self._template(request.query_params.get("template_id"))
        if template is None:
            return Response([])
        rows = analytics.bottlenecks(tenant=self.tenant, template=template, now=timezone.now())
        return Response(BottleneckSerializer(rows, many=True).data)

    @extend_schema(
        responses={
            200: OverdueStepSerializer(many=True),
            404: OpenApiResponse(ErrorSerializer, description="No such page."),
        }
    )
    @action(detail=False)
    def overdue(self, request):
        """Open steps past their due day, oldest first."""
        steps = overdue_steps_for(
            tenant=self.tenant, membership=self.membership, now=timezone.now()
        )
        page = self.paginate_queryset(steps)
        return self.get_paginated_response(OverdueStepSerializer(page, many=True).data)
