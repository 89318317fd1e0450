"""leads/ and its actions: list, detail, write, statistics, bulk status, assign, archive."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from customfields.api.schema import CustomValuesField
from customfields.services.values import active_definitions
from tenancy.api.fields import (
    StrictFieldsMixin,
    TenantCodeField,
    TenantMemberField,
    TenantRelatedField,
    username_of,
)
from tenancy.api.lean import LeanListMixin
from tenancy.api.ordering import StrictOrderingFilter
from tenancy.api.representation import LeanRepresentationMixin
from tenancy.scoping import TenantModelViewSet
from tenancy.validators import NOTES_MAX_LENGTH

from ..filters import LEAD_ORDERING_FIELDS, LeadFilterSet, UnfilteredFirstBackend
from ..models import (
    Customer,
    Lead,
    LeadActivity,
    LeadChannel,
    LeadSource,
    LeadStatus,
    LeadSubSource,
    LeadTag,
    listed_tags,
)
from ..selectors.leads import lead_for, lead_statistics, leads_visible_to
from ..selectors.tags import listed_tag_names
from ..services import leads as lead_services
from ..services.customers import lead_convert
from . import figures
from .customers import CustomerSerializer
from .exports import LeadExportMixin
from .imports import LeadImportMixin

# What Atrium stamps on a lead, shown beside what a member edits.
STAMPS = ("contacted_at", "qualified_at", "converted_at", "archived_at", "created_at", "updated_at")


class LeadSerializer(StrictFieldsMixin, LeanRepresentationMixin, serializers.ModelSerializer):
    source = TenantCodeField(LeadSource, slug_field="source_code", required=False)
    sub_source = serializers.CharField(
        source="sub_source.sub_source_code", required=False, allow_null=True, allow_blank=True
    )
    channel = TenantCodeField(
        LeadChannel, slug_field="channel_code", required=False, allow_null=True
    )
    assigned_to = TenantMemberField(required=False, allow_null=True)
    customer = TenantRelatedField(Customer, required=False, allow_null=True)
    # The campaign a lead is attributed to, by id; its model is read through the foreign key so
    # crm never imports campaigns.
    campaign = TenantRelatedField(
        Lead._meta.get_field("campaign").related_model, required=False, allow_null=True
    )
    lead_score = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=100,
        help_text="Leave out to have the lead scored automatically.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, source="tag_names"
    )
    days_since_created = serializers.IntegerField(read_only=True)
    days_since_last_contact = serializers.IntegerField(read_only=True, allow_null=True)
    is_hot_lead = serializers.BooleanField(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            *lead_services.EDITABLE_FIELDS,
            "tags",
            *STAMPS,
            "days_since_created",
            "days_since_last_contact",
            "is_hot_lead",
        ]
        read_only_fields = ["contacted_at", "qualified_at", "converted_at", "archived_at"]

    def validate(self, attrs):
        """Resolve the sub-source code under the lead's (new or current) source."""
        sub = attrs.pop("sub_source", serializers.empty)
        if sub is not serializers.empty:
            code = sub.get("sub_source_code") if sub else None
            source = attrs.get("source") or (self.instance.source if self.instance else None)
            if source is None:
                source = (
                    LeadSource.objects.for_tenant(self.context["tenant"])
                    .live()
                    .filter(is_default=True)
                    .first()
                )
            if code:
                match = (
                    LeadSubSource.objects.for_tenant(self.context["tenant"])
                    .live()
                    .filter(source=source, sub_source_code=code)
                    .first()
                )
                if match is None:
                    raise serializers.ValidationError(
                        {"sub_source": [f"{code} is not a sub-source of {source.source_code}."]}
                    )
                attrs["sub_source"] = match
            else:
                attrs["sub_source"] = None
        return attrs


class BulkStatusSerializer(StrictFieldsMixin, serializers.Serializer):
    lead_ids = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, max_length=1000
    )
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    note = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class AssignSerializer(StrictFieldsMixin, serializers.Serializer):
    lead_ids = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, max_length=1000
    )
    agent_id = serializers.IntegerField()


class ActivitySerializer(serializers.ModelSerializer):
    actor = username_of("actor")

    class Meta:
        model = LeadActivity
        fields = ["id", "kind", "message", "changes", "actor", "created_at"]


class NoteSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=NOTES_MAX_LENGTH)


class ConvertSerializer(StrictFieldsMixin, serializers.Serializer):
    custom_fields = CustomValuesField(required=False, default=dict)


# The columns LeadSerializer reads, for the list: the lead's own (search_text and the creator
# left out) and only the codes of its source, sub-source and channel.
LIST_COLUMNS = (
    "id",
    *lead_services.EDITABLE_FIELDS,
    *STAMPS,
    "source__source_code",
    "sub_source__sub_source_code",
    "channel__channel_code",
)


class LeadViewSet(LeadImportMixin, LeadExportMixin, LeanListMixin, TenantModelViewSet):
    """Leads. Agents see leads assigned to them or unassigned; managers and admins see all.
    DELETE archives (`restore/` brings a lead back); archived leads leave the list unless
    `include_archived=true`."""

    queryset = Lead.objects.all()
    serializer_class = LeadSerializer
    # The list is written from rows (tenancy.api.lean); the tags by one statement per page.
    lean_extras = {"tags": listed_tag_names(LeadTag.objects.all(), "lead_id")}
    filter_backends = [UnfilteredFirstBackend, StrictOrderingFilter]
    filterset_class = LeadFilterSet
    ordering_fields = LEAD_ORDERING_FIELDS
    ordering = ["-created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Lead.objects.none()
        leads = leads_visible_to(tenant=self.tenant, membership=self.membership)
        if self.action == "list":
            # Only what LeadSerializer shows: no search_text, and the codes of the related rows.
            return (
                leads.select_related("source", "sub_source", "channel")
                .only(*LIST_COLUMNS)
                .prefetch_related(listed_tags())
            )
        return leads.select_related("source", "sub_source", "channel").prefetch_related("tags")

    def get_object(self):
        """The lead of the URL through the one access selector: a missing lead, another
        tenant's and another agent's are the same 404."""
        lead = lead_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=self.get_queryset(),
        )
        self.check_object_permissions(self.request, lead)
        return lead

    def filter_queryset(self, queryset):
        # Filters apply to lists only: a detail URL finds archived leads too (to restore them).
        if self.action in ("list", "statistics"):
            return super().filter_queryset(queryset)
        return queryset

    def _split(self, data):
        data = dict(data)
        tags = data.pop("tag_names", None)
        return data, tags

    def _reload(self, lead):
        return self.get_queryset().get(pk=lead.pk)

    def perform_create(self, serializer):
        data, tags = self._split(serializer.validated_data)
        lead = lead_services.lead_create(
            tenant=self.tenant, by=self.membership, data=data, tags=tags or ()
        )
        serializer.instance = self._reload(lead)

    def perform_update(self, serializer):
        data, tags = self._split(serializer.validated_data)
        lead = lead_services.lead_update(
            lead=serializer.instance, by=self.membership, data=data, tags=tags
        )
        serializer.instance = self._reload(lead)

    def perform_destroy(self, instance):
        lead_services.lead_archive(lead=instance, by=self.membership)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        lead = lead_services.lead_archive(lead=self.get_object(), by=self.membership)
        return Response(self.get_serializer(self._reload(lead)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        lead = lead_services.lead_restore(lead=self.get_object(), by=self.membership)
        return Response(self.get_serializer(self._reload(lead)).data)

    @extend_schema(methods=["GET"], filters=False, responses=ActivitySerializer(many=True))
    @extend_schema(methods=["POST"], request=NoteSerializer, responses={201: ActivitySerializer})
    @action(detail=True, methods=["get", "post"])
    def activities(self, request, pk=None):
        lead = self.get_object()
        if request.method == "POST":
            body = NoteSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            activity = lead_services.lead_add_note(
                lead=lead, by=self.membership, note=body.validated_data["note"]
            )
            return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)
        activities = lead.activities.select_related("actor")
        page = self.paginate_queryset(activities)
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)

    @extend_schema(request=ConvertSerializer, responses={201: CustomerSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """Make a customer of the lead (contact details, tags, and any custom values given)."""
        lead = self.get_object()  # a lead that is not ours is a 404 before the body is read
        body = ConvertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = lead_convert(
            lead=lead,
            by=self.membership,
            custom_fields=body.validated_data["custom_fields"],
        )
        context = {**self.get_serializer_context(), "definitions": active_definitions(self.tenant)}
        return Response(
            CustomerSerializer(customer, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=BulkStatusSerializer, responses=figures.BulkStatusResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-status")
    def bulk_status(self, request):
        body = BulkStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        leads = lead_services.lead_bulk_status(
            tenant=self.tenant, by=self.membership, **body.validated_data
        )
        result = {"updated": len(leads), "lead_ids": [lead.pk for lead in leads]}
        return Response(figures.BulkStatusResultSerializer(result).data)

    @extend_schema(request=AssignSerializer, responses=figures.AssignResultSerializer)
    @action(detail=False, methods=["post"])
    def assign(self, request):
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        leads = lead_services.lead_assign(
            tenant=self.tenant, by=self.membership, **body.validated_data
        )
        result = {"assigned": len(leads), "lead_ids": [lead.pk for lead in leads]}
        return Response(figures.AssignResultSerializer(result).data)

    @extend_schema(filters=True, responses=figures.LeadStatisticsSerializer)
    @action(detail=False, methods=["get"])
    def statistics(self, request):
        """The figures over the leads the list's filters select."""
        leads = self.filter_queryset(self.get_queryset()).prefetch_related(None)
        return Response(figures.LeadStatisticsSerializer(lead_statistics(leads=leads)).data)


__all__ = ["LeadViewSet"]
