"""callbacks/ and its actions: the request list with its filters, ordered by priority; status,
assignment, completion, the activity log; claim-next and auto-assign. A request is fetched
through `callback_for` and every write goes through callbacks.services, which checks the role:
this module only turns input into values and errors into responses."""

import django_filters
from django.utils import timezone
from django.utils.functional import cached_property
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.models import Customer, Lead
from tenancy.api.ordering import StrictOrderingFilter
from tenancy.scoping import TenantViewSetMixin
from tenancy.selectors import members_of
from tenancy.validators import validate_filter_date

from .models import (
    OPEN_CALLBACK_STATUSES,
    CallbackReason,
    CallbackRequest,
    CallbackSource,
    CallbackStatus,
    PriorityCategory,
)
from .selectors import (
    QUEUE_ORDER,
    callback_for,
    callback_queue,
    closed_asked_for,
)
from .serializers import (
    AutoAssignResultSerializer,
    CallbackActivitySerializer,
    CallbackAssignSerializer,
    CallbackAutoAssignSerializer,
    CallbackCompleteSerializer,
    CallbackNoteSerializer,
    CallbackSerializer,
    CallbackStatusSerializer,
)
from .services.assignment import callback_assign, callback_auto_assign, callback_claim_next
from .services.requests import (
    callback_add_note,
    callback_create,
    callback_update,
)
from .services.status import callback_change_status, callback_complete


def _tenant_customers(request):
    return Customer.objects.for_tenant(request.tenant)


def _tenant_leads(request):
    return Lead.objects.for_tenant(request.tenant)


def _tenant_members(request):
    return members_of(request.tenant)


INCLUDE_CLOSED_HELP = (
    "Include closed callbacks (completed, failed, cancelled). Left out, the list shows open "
    "callbacks only, unless `status` or `open` is given (they say which callbacks they want); "
    "false keeps the list to open callbacks whatever the other filters say."
)


class CallbackFilterSet(django_filters.FilterSet):
    """Filters over the queue annotated with the priority at the request's time. The queue
    shows open requests unless closed ones are asked for (`closed_asked_for`)."""

    status = django_filters.MultipleChoiceFilter(choices=CallbackStatus.choices)
    open = django_filters.BooleanFilter(
        method="filter_open", label="Open (pending, scheduled or in progress)"
    )
    category = django_filters.MultipleChoiceFilter(
        field_name="priority_category",
        choices=PriorityCategory.choices,
        label="Priority category now",
    )
    reason = django_filters.MultipleChoiceFilter(choices=CallbackReason.choices)
    source = django_filters.MultipleChoiceFilter(choices=CallbackSource.choices)
    assigned_to = django_filters.ModelChoiceFilter(queryset=_tenant_members)
    unassigned = django_filters.BooleanFilter(field_name="assigned_to", lookup_expr="isnull")
    breached = django_filters.BooleanFilter(field_name="is_breached")
    customer = django_filters.ModelChoiceFilter(queryset=_tenant_customers)
    lead = django_filters.ModelChoiceFilter(queryset=_tenant_leads)
    due_before = django_filters.IsoDateTimeFilter(
        field_name="sla_due_at", lookup_expr="lt", validators=[validate_filter_date]
    )
    include_closed = django_filters.BooleanFilter(
        method="filter_include_closed", label="Include closed callbacks"
    )

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        asked = closed_asked_for(
            include_closed=data.get("include_closed"),
            statuses=data.get("status") or (),
            open_=data.get("open"),
        )
        if not asked:
            queryset = queryset.filter(status__in=OPEN_CALLBACK_STATUSES)
        return super().filter_queryset(queryset)

    def filter_include_closed(self, queryset, name, value):
        return queryset  # applied in filter_queryset, with the other filters in view

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_CALLBACK_STATUSES)
        return queryset.exclude(status__in=OPEN_CALLBACK_STATUSES)


ORDERING_FIELDS = [
    "priority_score",
    "created_at",
    "updated_at",
    "sla_due_at",
    "closed_at",
    "attempts",
]


@extend_schema_view(
    list=extend_schema(
        description="The queue: open callbacks, highest priority first (closed ones too when "
        "asked for; see `include_closed`).",
        parameters=[
            OpenApiParameter(
                "include_closed", OpenApiTypes.BOOL, required=False, description=INCLUDE_CLOSED_HELP
            )
        ],
    )
)
class CallbackViewSet(
    TenantViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Callback requests. Agents see the callbacks assigned to them and the unassigned ones
    (the pool they claim from); managers and admins see all. The list is the queue: open
    requests unless closed ones are asked for, highest priority first unless `ordering` says
    otherwise. Times are read and shown in the tenant's
    time zone. There is no DELETE: a request is cancelled, and its history stays."""

    queryset = CallbackRequest.objects.all()
    serializer_class = CallbackSerializer
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = CallbackFilterSet
    ordering_fields = ORDERING_FIELDS
    ordering = list(QUEUE_ORDER)

    @cached_property
    def now(self):
        return timezone.now()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CallbackRequest.objects.none()
        # Every request the member sees: the filters narrow the list to open ones unless
        # closed ones are asked for.
        return callback_queue(
            tenant=self.tenant, membership=self.membership, now=self.now, include_closed=True
        ).select_related("customer", "lead")

    def get_object(self):
        callback = callback_for(
            tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"], now=self.now
        )
        self.check_object_permissions(self.request, callback)
        return callback

    def _reload(self, callback):
        return callback_for(
            tenant=self.tenant, membership=self.membership, pk=callback.pk, now=self.now
        )

    def _respond(self, callback, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self._reload(callback)).data, status=code)

    def perform_create(self, serializer):
        callback = callback_create(
            tenant=self.tenant, by=self.membership, data=serializer.validated_data, now=self.now
        )
        serializer.instance = self._reload(callback)

    def perform_update(self, serializer):
        callback = callback_update(
            callback=serializer.instance, by=self.membership, data=serializer.validated_data
        )
        serializer.instance = self._reload(callback)

    @extend_schema(request=CallbackStatusSerializer, responses=CallbackSerializer)
    @action(detail=True, methods=["put"], url_path="status", url_name="status")
    def set_status(self, request, pk=None):
        """`{"status", "note", "scheduled_for", "resolution", "outcome"}`; status may also be
        `no_answer` (on a call in progress)."""
        callback = self.get_object()
        body = CallbackStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        callback = callback_change_status(
            callback=callback, by=self.membership, now=self.now, **body.validated_data
        )
        return self._respond(callback)

    @extend_schema(request=CallbackCompleteSerializer, responses=CallbackSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        callback = self.get_object()
        body = CallbackCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        callback = callback_complete(
            callback=callback, by=self.membership, now=self.now, **body.validated_data
        )
        return self._respond(callback)

    @extend_schema(request=CallbackAssignSerializer, responses=CallbackSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        callback = self.get_object()
        body = CallbackAssignSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        assignee = body.validated_data["assigned_to"]
        callback = callback_assign(
            callback=callback,
            by=self.membership,
            assignee_id=assignee.pk if assignee else None,
            note=body.validated_data["note"],
            now=self.now,
        )
        return self._respond(callback)

    @extend_schema(methods=["GET"], filters=False, responses=CallbackActivitySerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=CallbackNoteSerializer,
        responses={201: CallbackActivitySerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def activities(self, request, pk=None):
        callback = self.get_object()
        if request.method == "POST":
            body = CallbackNoteSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            activity = callback_add_note(
                callback=callback, by=self.membership, note=body.validated_data["note"]
            )
            return Response(
                CallbackActivitySerializer(activity).data, status=status.HTTP_201_CREATED
            )
        page = self.paginate_queryset(callback.activities.select_related("actor"))
        return self.get_paginated_response(CallbackActivitySerializer(page, many=True).data)

    @extend_schema(request=None, responses=CallbackSerializer)
    @action(detail=False, methods=["post"], url_path="claim-next")
    def claim_next(self, request):
        """Take the highest-priority waiting callback (pending, unassigned, window open): it
        becomes yours and in progress. 400 when none is waiting."""
        callback = callback_claim_next(tenant=self.tenant, by=self.membership, now=self.now)
        return self._respond(callback)

    @extend_schema(request=CallbackAutoAssignSerializer, responses=AutoAssignResultSerializer)
    @action(detail=False, methods=["post"], url_path="auto-assign")
    def auto_assign(self, request):
        """Managers and admins: each pending unassigned callback (those listed, or all), highest
        priority first, goes to the agent with the fewest open callbacks."""
        body = CallbackAutoAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assigned = callback_auto_assign(
            tenant=self.tenant,
            by=self.membership,
            callback_ids=body.validated_data.get("callback_ids"),
            now=self.now,
        )
        result = {
            "assigned": [
                {"callback_id": callback.pk, "assigned_to": callback.assigned_to_id}
                for callback in assigned
            ]
        }
        return Response(AutoAssignResultSerializer(result).data)


__all__ = ["CallbackViewSet"]
