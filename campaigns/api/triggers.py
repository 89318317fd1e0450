"""campaign-triggers/: a campaign's triggers (CRUD; managers and admins write, every member
reads) with their run counts, and `campaign-triggers/{id}/runs/`, the run log (filter
`outcome`). Thin: campaigns.automation's services and selectors hold the rules."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from tenancy.api.fields import StrictFieldsMixin, TenantRelatedField
from tenancy.api.ordering import StrictOrderingFilter
from tenancy.events import EVENT_TYPE_MAX_LENGTH
from tenancy.models import Role
from tenancy.scoping import TenantModelViewSet

from ..automation import services
from ..automation.actions import ACTION_LABELS
from ..automation.selectors import trigger_for, trigger_runs, triggers_visible_to
from ..automation.services import TRIGGER_FIELDS
from ..models import Campaign, CampaignTrigger, RunOutcome, TriggerRun
from ..models.automation import MAX_ACTIONS, MAX_DELAY_MINUTES
from ..services.campaigns import CAMPAIGN_WRITE_ROLES


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": (
            "The condition language over customers (as in segments and audiences) plus "
            '`{"field": "event.<key>", "op": …, "value": …}` over the event\'s data '
            "(a dotted key walks nested objects; ops eq, ne, gt, gte, lt, lte, contains, "
            "startswith, in, is_set, is_empty). `{}` matches every event."
        ),
    }
)
class TriggerConditionField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "array",
        "maxItems": MAX_ACTIONS,
        "items": {"type": "object", "additionalProperties": {}},
        "description": (
            "What the trigger does, in order: "
            + "; ".join(f"`{kind}` ({label})" for kind, label in ACTION_LABELS.items())
            + '. E.g. `[{"type": "send"}, {"type": "add_tag", "tag": "vip"}, '
            '{"type": "set_field", "field": "<custom key>", "value": 1}, '
            '{"type": "create_task", "note": "Call", "due_in_days": 2}, '
            '{"type": "request_callback", "reason": "sales_inquiry"}, '
            '{"type": "assign_lead", "agent": <user id>}]`.'
        ),
    }
)
class ActionsField(serializers.JSONField):
    pass


class TriggerSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A trigger: on `event_type` for a customer, when `conditions` hold, run `actions` (after
    `delay_minutes`, at most `max_per_customer` times per customer), while its campaign is
    active. A send reaches a customer once per campaign."""

    campaign = TenantRelatedField(Campaign)
    event_type = serializers.CharField(max_length=EVENT_TYPE_MAX_LENGTH)
    conditions = TriggerConditionField(required=False)
    actions = ActionsField()
    delay_minutes = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_DELAY_MINUTES
    )
    max_per_customer = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=services.MAX_PER_CUSTOMER
    )
    runs_fired = serializers.IntegerField(read_only=True)
    runs_scheduled = serializers.IntegerField(read_only=True)
    runs_skipped = serializers.IntegerField(read_only=True)

    class Meta:
        model = CampaignTrigger
        fields = [
            "id",
            *TRIGGER_FIELDS,
            "runs_fired",
            "runs_scheduled",
            "runs_skipped",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class TriggerRunSerializer(serializers.ModelSerializer):
    """One evaluation: `fired` (with what each action did), `scheduled` (due at `due_at`) or
    `skipped` with `reason`."""

    customer = serializers.IntegerField(source="customer_id", read_only=True)
    reason_text = serializers.CharField(source="get_reason_display", read_only=True)
    results = serializers.JSONField(read_only=True)

    class Meta:
        model = TriggerRun
        fields = [
            "id",
            "customer",
            "event",
            "event_type",
            "outcome",
            "reason",
            "reason_text",
            "due_at",
            "fired_at",
            "results",
            "created_at",
        ]
        read_only_fields = fields


class TriggerFilterSet(django_filters.FilterSet):
    campaign = django_filters.ModelChoiceFilter(
        queryset=lambda request: Campaign.objects.for_tenant(request.tenant)
    )
    event_type = django_filters.CharFilter(max_length=EVENT_TYPE_MAX_LENGTH)

    class Meta:
        model = CampaignTrigger
        fields = ["campaign", "event_type", "is_active"]


class RunFilterSet(django_filters.FilterSet):
    outcome = django_filters.ChoiceFilter(choices=RunOutcome.choices)

    class Meta:
        model = TriggerRun
        fields = ["outcome"]


class CampaignTriggerViewSet(TenantModelViewSet):
    """The tenant's campaign triggers. Deleting one deletes its run log."""

    queryset = CampaignTrigger.objects.all()
    serializer_class = TriggerSerializer
    write_roles = CAMPAIGN_WRITE_ROLES
    read_roles = (Role.ADMIN, Role.MANAGER, Role.AGENT)
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = TriggerFilterSet
    ordering_fields = ["name", "created_at", "id"]
    ordering = ["name", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CampaignTrigger.objects.none()
        return triggers_visible_to(tenant=self.tenant, membership=self.membership)

    def get_object(self):
        trigger = trigger_for(tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, trigger)
        return trigger

    def _counted(self, trigger):
        return self.get_queryset().get(pk=trigger.pk)

    def perform_create(self, serializer):
        trigger = services.trigger_create(
            tenant=self.tenant, by=self.membership, data=serializer.validated_data
        )
        serializer.instance = self._counted(trigger)

    def perform_update(self, serializer):
        trigger = services.trigger_update(
            trigger=serializer.instance, by=self.membership, data=serializer.validated_data
        )
        serializer.instance = self._counted(trigger)

    def perform_destroy(self, instance):
        services.trigger_delete(trigger=instance, by=self.membership)

    @extend_schema(
        responses=TriggerRunSerializer(many=True),
        filters=False,
        parameters=[
            OpenApiParameter(
                "outcome",
                str,
                enum=RunOutcome.values,
                required=False,
                description="Only the runs with this outcome.",
            )
        ],
    )
    @action(detail=True, methods=["get"], serializer_class=TriggerRunSerializer, filter_backends=[])
    def runs(self, request, pk=None):
        """The trigger's run log, newest first: fired, scheduled and skipped with the reason."""
        trigger = self.get_object()
        filters = RunFilterSet(request.query_params, queryset=trigger_runs(trigger=trigger))
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        queryset = filters.qs
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(TriggerRunSerializer(page, many=True).data)


__all__ = ["CampaignTriggerViewSet"]
