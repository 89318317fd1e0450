"""The callback API's bodies and answers: a request with its priority, and the inputs of the
status, completion, assignment, note and auto-assign actions. An outcome not given is null in
answers (stored as ""), never an empty string outside the enum."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.models import Customer
from crm.selectors.leads import leads_visible_to
from tenancy.api.fields import (
    BlankAsNullChoiceField,
    StrictFieldsMixin,
    TenantMemberField,
    TenantRelatedField,
    username_of,
)
from tenancy.validators import NOTES_MAX_LENGTH

from .models import (
    CallbackActivity,
    CallbackOutcome,
    CallbackRequest,
    CallbackSource,
    PriorityCategory,
)
from .rules import STATUS_ACTIONS
from .selectors import priority_of
from .selectors.priority import PRIORITY_PARTS
from .services.requests import EDITABLE_FIELDS

OUTCOME_MESSAGE = f"Choose an outcome: {', '.join(CallbackOutcome.values)}."


class VisibleLeadField(serializers.PrimaryKeyRelatedField):
    """A lead the caller may see (an agent: theirs or unassigned), by id. An archived one is
    refused by the service when it is newly given."""

    default_error_messages = {"does_not_exist": "Unknown lead {pk_value}."}

    def get_queryset(self):
        return leads_visible_to(
            tenant=self.context["tenant"], membership=self.context["membership"]
        )


@extend_schema_field(OpenApiTypes.INT)
class MemberIdField(TenantMemberField):
    """A member of the tenant, by user id."""


PriorityPartsSerializer = type(
    "CallbackPriorityPartsSerializer",
    (serializers.Serializer,),
    {name: serializers.IntegerField() for name in PRIORITY_PARTS},
)


class CallbackPrioritySerializer(serializers.Serializer):
    score = serializers.IntegerField(help_text="The sum of the parts: the queue's order.")
    category = serializers.ChoiceField(
        choices=PriorityCategory.choices, help_text="The category of category_score."
    )
    category_score = serializers.IntegerField(
        help_text="The parts with waiting counted up to the tenant's waiting cap (by default "
        "20 points), so waiting lifts a request by one category at most."
    )
    parts = PriorityPartsSerializer(
        help_text="The parts add up to score; waiting stops growing when the request closes."
    )


class CallbackSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    customer = TenantRelatedField(Customer, required=False, allow_null=True)
    lead = VisibleLeadField(required=False, allow_null=True)
    phone = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="Default: the contact's."
    )
    source = serializers.ChoiceField(choices=CallbackSource.choices, default=CallbackSource.API)
    assigned_to = serializers.IntegerField(
        source="assigned_to_id", read_only=True, allow_null=True, help_text="User id, or null."
    )
    created_by = serializers.IntegerField(
        source="created_by_id",
        read_only=True,
        allow_null=True,
        help_text="User id; null when made by the system or the user is gone.",
    )
    outcome = BlankAsNullChoiceField(
        choices=CallbackOutcome.choices,
        read_only=True,
        help_text="How a completed request ended; null until then.",
    )
    contact_name = serializers.CharField(read_only=True)
    priority = serializers.SerializerMethodField()
    is_breached = serializers.BooleanField(read_only=True)

    class Meta:
        model = CallbackRequest
        fields = [
            "id",
            *EDITABLE_FIELDS,
            "contact_name",
            "status",
            "attempts",
            "assigned_to",
            "assigned_at",
            "scheduled_for",
            "resolution",
            "outcome",
            "close_reason",
            "closed_at",
            "priority",
            "sla_category",
            "sla_due_at",
            "is_breached",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "sla_category", "sla_due_at"]

    @extend_schema_field(CallbackPrioritySerializer)
    def get_priority(self, callback) -> dict:
        priority = priority_of(callback)
        return {
            "score": priority.score,
            "category": priority.category,
            "category_score": priority.category_score,
            "parts": priority.parts,
        }


class CallbackStatusSerializer(StrictFieldsMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_ACTIONS)
    note = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    scheduled_for = serializers.DateTimeField(required=False, allow_null=True, default=None)
    resolution = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    outcome = serializers.ChoiceField(
        choices=CallbackOutcome.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        default="",
        help_text="Completing: how it ended (required then); ignored otherwise.",
        error_messages={"invalid_choice": OUTCOME_MESSAGE},
    )


class CallbackCompleteSerializer(StrictFieldsMixin, serializers.Serializer):
    resolution = serializers.CharField(max_length=NOTES_MAX_LENGTH)
    outcome = serializers.ChoiceField(choices=CallbackOutcome.choices)
    note = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class CallbackAssignSerializer(StrictFieldsMixin, serializers.Serializer):
    assigned_to = MemberIdField(allow_null=True, help_text="User id, or null to unassign.")
    note = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class CallbackAutoAssignSerializer(StrictFieldsMixin, serializers.Serializer):
    callback_ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_empty=False,
        max_length=1000,
        help_text="Leave out to assign every pending unassigned callback.",
    )


class CallbackNoteSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=NOTES_MAX_LENGTH)


class CallbackActivitySerializer(serializers.ModelSerializer):
    actor = username_of("actor")

    class Meta:
        model = CallbackActivity
        fields = [
            "id",
            "kind",
            "message",
            "note",
            "from_status",
            "to_status",
            "actor",
            "created_at",
        ]


class AutoAssignedSerializer(serializers.Serializer):
    callback_id = serializers.IntegerField()
    assigned_to = serializers.IntegerField(help_text="The agent's user id.")


class AutoAssignResultSerializer(serializers.Serializer):
    assigned = AutoAssignedSerializer(many=True, help_text="Highest priority first.")
