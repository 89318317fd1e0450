"""Serializers of the milestone API. Config entries are addressed by code; a template's steps
travel as `sequence`, the list of their type codes in order. The response serializers say every
field's type as sent: which may be null, and the values of every enumeration."""

from rest_framework import serializers

from tenancy.api.config import serializer_fields
from tenancy.api.fields import BlankAsNullChoiceField, StrictFieldsMixin, TenantCodeField
from tenancy.models.config import code_validator

from ..models import (
    INITIAL_STATUSES,
    LeadMilestone,
    MilestoneCategory,
    MilestoneStatus,
    MilestoneTemplate,
    MilestoneType,
    Outcome,
)
from ..rules import STATUS_GRAPH
from ..selectors.timeline import STEP_STATUSES, SlaState
from ..services.config import TEMPLATES, TYPES
from ..services.lead_milestones import RECORD_FIELDS
from .fields import LatitudeField, LocalTimeField, LongitudeField

# The choice sets of the schema's enumerations (config/settings.py names them, by these paths).
START_STATUS_CHOICES = [(value, MilestoneStatus(value).label) for value in INITIAL_STATUSES]
STEP_STATUS_CHOICES = [(value, value) for value in STEP_STATUSES]
SLA_STATE_CHOICES = [(value, value) for value in SlaState.ALL]
OPEN_SLA_STATE_CHOICES = [(value, value) for value in SlaState.OPEN]


class MilestoneTypeSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A milestone type: one stage of a tenant's pipeline, addressed by its code."""

    metadata = serializers.DictField(required=False, help_text="Free keys and values.")

    class Meta:
        model = MilestoneType
        fields = serializer_fields(TYPES)
        validators = []  # uniqueness among live rows is checked by the service


class MilestoneTemplateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A milestone template: the steps a lead goes through, in order."""

    metadata = serializers.DictField(required=False, help_text="Free keys and values.")
    sequence = serializers.ListField(
        child=serializers.CharField(max_length=50, validators=[code_validator]),
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
        choices=START_STATUS_CHOICES,
        default=MilestoneStatus.COMPLETED,
        help_text="A new milestone starts pending, in_progress or completed (the default).",
        error_messages={
            "invalid_choice": (
                "A new milestone starts pending, in_progress or completed (it then moves "
                f"{STATUS_GRAPH}); '{{input}}' is not a starting status."
            )
        },
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="How it went; blank or null: not said.",
    )
    achieved_time = LocalTimeField(required=False, allow_null=True)
    location_latitude = LatitudeField(required=False, allow_null=True)
    location_longitude = LongitudeField(required=False, allow_null=True)
    document_urls = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=20
    )
    metadata = serializers.DictField(required=False)

    class Meta:
        model = LeadMilestone
        fields = ["type_code", *(name for name in RECORD_FIELDS if name != "milestone_type")]
        extra_kwargs = {"achieved_date": {"required": False}}
        validators = []  # the service checks one live milestone per type and lead

    def validate_outcome(self, value):
        return value or ""


class StatusSerializer(StrictFieldsMixin, serializers.Serializer):
    """The body of POST customization/milestones/{lead_id}/{milestone_id}/status/."""

    status = serializers.ChoiceField(choices=MilestoneStatus.choices)
    achieved_date = serializers.DateField(
        required=False, help_text="The day of the change; default today (tenant time)."
    )
    achieved_time = LocalTimeField(required=False)


class LeadTemplateSerializer(StrictFieldsMixin, serializers.Serializer):
    """The body of PUT customization/milestones/{lead_id}/template/."""

    template_id = serializers.IntegerField(
        allow_null=True,
        min_value=1,
        help_text="A template's id, or null to follow the tenant's default.",
    )


# ---------------------------------------------------------------------------------------------
# Responses: a lead's timeline, the overdue list, the analytics


class TemplateRefSerializer(serializers.Serializer):
    """The template a lead follows."""

    id = serializers.IntegerField()
    template_name = serializers.CharField()
    is_default = serializers.BooleanField()


class TimelineEntrySerializer(serializers.Serializer):
    """One milestone of a lead's timeline with its duration and SLA state. Its SLA fields are
    null when its type has no SLA; `sla_state` is also null for a skipped or failed one."""

    id = serializers.IntegerField(source="milestone.pk")
    lead_id = serializers.IntegerField(source="milestone.lead_id")
    type_code = serializers.CharField(source="milestone.milestone_type.type_code")
    type_name = serializers.CharField(source="milestone.milestone_type.type_name")
    category = serializers.ChoiceField(
        MilestoneCategory.choices, source="milestone.milestone_type.category"
    )
    status = serializers.ChoiceField(MilestoneStatus.choices, source="milestone.status")
    achieved_date = serializers.DateField(source="milestone.achieved_date")
    achieved_time = LocalTimeField(source="milestone.achieved_time", allow_null=True)
    days_from_previous = serializers.IntegerField(
        source="milestone.days_from_previous",
        allow_null=True,
        help_text="Days since the lead's previous completed milestone (completed ones only).",
    )
    start_date = serializers.DateField()
    duration_days = serializers.IntegerField()
    sla_days = serializers.IntegerField(source="milestone.milestone_type.sla_days", allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    sla_state = serializers.ChoiceField(SLA_STATE_CHOICES, allow_null=True)
    notes = serializers.CharField(source="milestone.notes")
    location_latitude = LatitudeField(source="milestone.location_latitude", allow_null=True)
    location_longitude = LongitudeField(source="milestone.location_longitude", allow_null=True)
    location_name = serializers.CharField(source="milestone.location_name")
    duration_minutes = serializers.IntegerField(
        source="milestone.duration_minutes", allow_null=True
    )
    outcome = BlankAsNullChoiceField(choices=Outcome.choices, source="milestone.outcome")
    follow_up_date = serializers.DateField(source="milestone.follow_up_date", allow_null=True)
    follow_up_required = serializers.BooleanField(source="milestone.follow_up_required")
    document_urls = serializers.ListField(
        child=serializers.CharField(), source="milestone.document_urls"
    )
    metadata = serializers.DictField(source="milestone.metadata")
    completed_by = serializers.IntegerField(
        source="milestone.completed_by_id",
        allow_null=True,
        help_text="The user who completed it (null: not completed, or by the system).",
    )
    created_at = serializers.DateTimeField(source="milestone.created_at")
    updated_at = serializers.DateTimeField(source="milestone.updated_at")


class NextStepSerializer(serializers.Serializer):
    """The template's next step: expected (not recorded yet), or its open record."""

    type_code = serializers.CharField(source="milestone_type.type_code")
    type_name = serializers.CharField(source="milestone_type.type_name")
    position = serializers.IntegerField()
    status = serializers.ChoiceField(STEP_STATUS_CHOICES)
    milestone_id = serializers.IntegerField(allow_null=True, help_text="Its open record, if any.")
    start_date = serializers.DateField()
    sla_days = serializers.IntegerField(source="milestone_type.sla_days", allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    sla_state = serializers.ChoiceField(OPEN_SLA_STATE_CHOICES, allow_null=True)


class StepProgressSerializer(serializers.Serializer):
    """A step of the template and the status of the lead's record of it (null: none)."""

    type_code = serializers.CharField(source="milestone_type.type_code")
    position = serializers.IntegerField()
    is_required = serializers.BooleanField(source="milestone_type.is_required")
    status = serializers.ChoiceField(MilestoneStatus.choices, allow_null=True)
    is_next = serializers.BooleanField()


class TimelineSerializer(serializers.Serializer):
    """A lead's timeline. Without a template (the tenant has no default) `template` and
    `next_step` are null and `steps` is empty; `next_step` is also null once every step is
    passed."""

    lead_id = serializers.IntegerField(source="lead.pk")
    as_of = serializers.DateField()
    template = TemplateRefSerializer(allow_null=True)
    is_complete = serializers.BooleanField()
    milestones = TimelineEntrySerializer(source="entries", many=True)
    next_step = NextStepSerializer(allow_null=True)
    steps = StepProgressSerializer(many=True)


class OverdueStepSerializer(serializers.Serializer):
    """An open step past its due day."""

    lead_id = serializers.IntegerField(source="lead.pk")
    lead_name = serializers.CharField(source="lead.full_name")
    assigned_to = serializers.IntegerField(source="lead.assigned_to_id", allow_null=True)
    type_code = serializers.CharField(source="milestone_type.type_code")
    type_name = serializers.CharField(source="milestone_type.type_name")
    status = serializers.ChoiceField(STEP_STATUS_CHOICES)
    milestone_id = serializers.IntegerField(allow_null=True, help_text="Its open record, if any.")
    start_date = serializers.DateField()
    due_date = serializers.DateField()
    days_overdue = serializers.IntegerField()


class CompletionByTypeSerializer(serializers.Serializer):
    """One milestone type's records by status."""

    type_code = serializers.CharField()
    type_name = serializers.CharField()
    category = serializers.ChoiceField(MilestoneCategory.choices)
    is_active = serializers.BooleanField()
    is_deleted = serializers.BooleanField(
        help_text="Deleted types are listed while they have records."
    )
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()
    completion_rate = serializers.FloatField(help_text="completed / total × 100 (0 when none).")


class CompletionSerializer(serializers.Serializer):
    """Completion metrics: per type, then over every type."""

    details = CompletionByTypeSerializer(many=True)
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    completion_rate = serializers.FloatField(help_text="completed / total × 100 (0 when none).")


class TrendPointSerializer(serializers.Serializer):
    """One day of the trend: the milestones completed that day."""

    date = serializers.DateField()
    type_code = serializers.CharField(allow_null=True, help_text="The type asked for; null: all.")
    completed_count = serializers.IntegerField()
    average_days_from_previous = serializers.FloatField(
        allow_null=True, help_text="Their mean days since the previous milestone; null: none."
    )


class BottleneckSerializer(serializers.Serializer):
    """One transition A → B between consecutive steps of the template, over the leads that
    completed A. Durations are null when no lead completed B yet; the SLA figures when B has no
    SLA."""

    from_milestone = serializers.CharField()
    to_milestone = serializers.CharField()
    from_name = serializers.CharField()
    to_name = serializers.CharField()
    average_days = serializers.FloatField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True)
    p90_days = serializers.FloatField(allow_null=True)
    leads_affected = serializers.IntegerField()
    completed = serializers.IntegerField()
    completion_rate = serializers.FloatField()
    sla_days = serializers.IntegerField(allow_null=True)
    sla_breached = serializers.IntegerField()
    sla_breach_percent = serializers.FloatField(allow_null=True)
