"""Serializers of the milestone API. Config entries are addressed by code; a template's steps
travel as `sequence`, the list of their type codes in order."""

from rest_framework import serializers

from tenancy.api.config import serializer_fields
from tenancy.api.fields import StrictFieldsMixin, TenantCodeField

from ..models import (
    LeadMilestone,
    MilestoneStatus,
    MilestoneTemplate,
    MilestoneType,
)
from ..services.config import TEMPLATES, TYPES
from ..services.lead_milestones import RECORD_FIELDS


class MilestoneTypeSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = MilestoneType
        fields = serializer_fields(TYPES)
        validators = []  # uniqueness among live rows is checked by the service


class MilestoneTemplateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    sequence = serializers.ListField(
        child=serializers.CharField(max_length=50),
        source="type_codes",
        help_text="The steps in order, as milestone type codes.",
    )

    class Meta:
        model = MilestoneTemplate
        fields = ["id", *serializer_fields(TEMPLATES, "sequence")]
        validators = []


class MilestoneRecordSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """The body of POST customization/milestones/{lead_id}/. The type's rules are the service's."""

    type_code = TenantCodeField(MilestoneType, slug_field="type_code", source="milestone_type")
    status = serializers.ChoiceField(
        choices=MilestoneStatus.choices,
        default=MilestoneStatus.COMPLETED,
        help_text="A new milestone starts pending, in_progress or completed (the default).",
    )
    document_urls = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=20
    )
    metadata = serializers.DictField(required=False)

    class Meta:
        model = LeadMilestone
        fields = ["type_code", *(name for name in RECORD_FIELDS if name != "milestone_type")]
        extra_kwargs = {"achieved_date": {"required": False}}
        validators = []  # the service checks one live milestone per type and lead


class StatusSerializer(StrictFieldsMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=MilestoneStatus.choices)
    achieved_date = serializers.DateField(
        required=False, help_text="The day of the change; default today (tenant time)."
    )
    achieved_time = serializers.TimeField(required=False)


class LeadTemplateSerializer(StrictFieldsMixin, serializers.Serializer):
    template_id = serializers.IntegerField(
        allow_null=True, help_text="A template's id, or null to follow the tenant's default."
    )


class TemplateRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    template_name = serializers.CharField()
    is_default = serializers.BooleanField()


class TimelineEntrySerializer(serializers.Serializer):
    """One milestone of a lead's timeline with its duration and SLA state."""

    id = serializers.IntegerField(source="milestone.pk")
    lead_id = serializers.IntegerField(source="milestone.lead_id")
    type_code = serializers.CharField(source="milestone.milestone_type.type_code")
    type_name = serializers.CharField(source="milestone.milestone_type.type_name")
    category = serializers.CharField(source="milestone.milestone_type.category")
    status = serializers.CharField(source="milestone.status")
    achieved_date = serializers.DateField(source="milestone.achieved_date")
    achieved_time = serializers.TimeField(source="milestone.achieved_time")
    days_from_previous = serializers.IntegerField(source="milestone.days_from_previous")
    start_date = serializers.DateField()
    duration_days = serializers.IntegerField()
    sla_days = serializers.IntegerField(source="milestone.milestone_type.sla_days")
    due_date = serializers.DateField()
    sla_state = serializers.CharField()
    notes = serializers.CharField(source="milestone.notes")
    location_latitude = serializers.DecimalField(
        source="milestone.location_latitude", max_digits=9, decimal_places=6
    )
    location_longitude = serializers.DecimalField(
        source="milestone.location_longitude", max_digits=9, decimal_places=6
    )
    location_name = serializers.CharField(source="milestone.location_name")
    duration_minutes = serializers.IntegerField(source="milestone.duration_minutes")
    outcome = serializers.CharField(source="milestone.outcome")
    follow_up_date = serializers.DateField(source="milestone.follow_up_date")
    follow_up_required = serializers.BooleanField(source="milestone.follow_up_required")
    document_urls = serializers.JSONField(source="milestone.document_urls")
    metadata = serializers.JSONField(source="milestone.metadata")
    completed_by = serializers.IntegerField(source="milestone.completed_by_id")
    created_at = serializers.DateTimeField(source="milestone.created_at")
    updated_at = serializers.DateTimeField(source="milestone.updated_at")


class NextStepSerializer(serializers.Serializer):
    type_code = serializers.CharField(source="milestone_type.type_code")
    type_name = serializers.CharField(source="milestone_type.type_name")
    position = serializers.IntegerField()
    status = serializers.CharField(help_text="expected (not recorded), pending or in_progress")
    milestone_id = serializers.IntegerField(source="milestone.pk", default=None)
    start_date = serializers.DateField()
    sla_days = serializers.IntegerField(source="milestone_type.sla_days")
    due_date = serializers.DateField()
    sla_state = serializers.CharField()


class StepProgressSerializer(serializers.Serializer):
    type_code = serializers.CharField(source="milestone_type.type_code")
    position = serializers.IntegerField()
    is_required = serializers.BooleanField(source="milestone_type.is_required")
    status = serializers.CharField()
    is_next = serializers.BooleanField()


class TimelineSerializer(serializers.Serializer):
    lead_id = serializers.IntegerField(source="lead.pk")
    as_of = serializers.DateField()
    template = TemplateRefSerializer()
    is_complete = serializers.BooleanField()
    milestones = TimelineEntrySerializer(source="entries", many=True)
    next_step = NextStepSerializer()
    steps = StepProgressSerializer(many=True)


class OverdueStepSerializer(serializers.Serializer):
    lead_id = serializers.IntegerField(source="lead.pk")
    lead_name = serializers.CharField(source="lead.full_name")
    assigned_to = serializers.IntegerField(source="lead.assigned_to_id")
    type_code = serializers.CharField(source="milestone_type.type_code")
    type_name = serializers.CharField(source="milestone_type.type_name")
    status = serializers.CharField(help_text="expected (not recorded), pending or in_progress")
    milestone_id = serializers.IntegerField(source="milestone.pk", default=None)
    start_date = serializers.DateField()
    due_date = serializers.DateField()
    days_overdue = serializers.IntegerField()
