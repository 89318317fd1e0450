"""events/: external events of the tenant's customers (`POST`, a purchase, an order shipped …)
recorded in the event outbox for the triggers, and every event of the tenant's outbox to read
(`GET`, with filters), built-in ones included, to see what happened and whether it was
processed. Admins and managers (and their tokens); agents are refused (403)."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from tenancy.access import one_or_404
from tenancy.api.fields import StrictFieldsMixin, TenantRelatedField
from tenancy.api.ordering import StrictOrderingFilter
from tenancy.events import (
    BUILTIN_EVENT_TYPES,
    DATA_MAX_BYTES,
    DATA_MAX_DEPTH,
    EVENT_ID_MAX_LENGTH,
    EVENT_TYPE_MAX_LENGTH,
)
from tenancy.models import EventStatus, OutboxEvent
from tenancy.scoping import TenantViewSetMixin

from ..models import Customer
from ..services.events import EVENT_RECORD_ROLES, event_record

_BUILTIN = ", ".join(BUILTIN_EVENT_TYPES)


@extend_schema_field({"type": "object", "additionalProperties": True})
class EventDataField(serializers.DictField):
    """A JSON object of the event's own values (`{"amount": 120, "sku": "A-1"}`)."""


class EventCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    customer = TenantRelatedField(Customer, help_text="The customer's id (one of the tenant's).")
    event_type = serializers.CharField(
        max_length=EVENT_TYPE_MAX_LENGTH,
        help_text="A slug you choose (lower-case letters, digits, _ and -), e.g. `purchase`. "
        f"Atrium's own event types are reserved: {_BUILTIN}.",
    )
    data = EventDataField(
        required=False,
        default=dict,
        help_text=f"The event's values, read by trigger conditions as `event.<key>`; at most "
        f"{DATA_MAX_BYTES // 1024} KB, nested at most {DATA_MAX_DEPTH} deep.",
    )
    occurred_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When it happened; now when left out. Not in the future.",
    )
    event_id = serializers.CharField(
        max_length=EVENT_ID_MAX_LENGTH,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Your own key for the event: sending the same key again is the same event "
        "(answered 200 with the event first recorded, nothing recorded again).",
    )


class EventSerializer(serializers.ModelSerializer):
    """An event of the outbox: `status` is `pending` until the workers have handed it to the
    automation, then `processed` (or `failed` after its tries ran out)."""

    customer = serializers.IntegerField(
        source="customer_id", read_only=True, allow_null=True, help_text="The customer's id."
    )
    data = EventDataField(read_only=True)

    class Meta:
        model = OutboxEvent
        fields = [
            "id",
            "event_type",
            "customer",
            "data",
            "occurred_at",
            "recorded_at",
            "event_id",
            "status",
            "attempts",
            "processed_at",
        ]
        read_only_fields = fields


def _tenant_customers(request):
    return Customer.objects.for_tenant(request.tenant if request is not None else None)


class EventFilterSet(django_filters.FilterSet):
    event_type = django_filters.CharFilter(max_length=EVENT_TYPE_MAX_LENGTH)
    customer = django_filters.ModelChoiceFilter(
        queryset=_tenant_customers, method="filter_customer", label="The customer's id"
    )
    status = django_filters.ChoiceFilter(choices=EventStatus.choices)

    @extend_schema_field(OpenApiTypes.INT)
    def filter_customer(self, queryset, name, value):
        return queryset.filter(customer_id=value.pk)


class EventViewSet(
    TenantViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The tenant's events, newest first."""

    queryset = OutboxEvent.objects.all()
    serializer_class = EventSerializer
    read_roles = EVENT_RECORD_ROLES
    write_roles = EVENT_RECORD_ROLES
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = EventFilterSet
    ordering_fields = ["recorded_at", "occurred_at", "id"]
    ordering = ["-id"]

    def get_object(self):
        event = one_or_404(self.get_queryset(), self.kwargs["pk"], what="event")
        self.check_object_permissions(self.request, event)
        return event

    @extend_schema(
        request=EventCreateSerializer,
        responses={
            202: OpenApiResponse(EventSerializer, description="Recorded; processed shortly."),
            200: OpenApiResponse(
                EventSerializer,
                description="`event_id` named an event already recorded: that event, as it "
                "was first sent; nothing recorded again.",
            ),
        },
        description="Record an external event of a customer for the triggers to react to. "
        "Another tenant's or a missing customer is a 400 naming `customer`; nothing is "
        "written.",
    )
    def create(self, request, *args, **kwargs):
        body = EventCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        event = event_record(tenant=self.tenant, by=self.membership, **body.validated_data)
        answer = status.HTTP_202_ACCEPTED if event.is_new else status.HTTP_200_OK
        return Response(EventSerializer(event).data, status=answer)


__all__ = ["EventViewSet"]
