"""segments/: saved conditions with stored members (CONTRACT, "The customer workspace").

- `GET/POST segments/`, `GET/PUT/PATCH/DELETE segments/{id}/`: `id, name, description,
  conditions, color, order, is_active`, read-only `customer_count` (stored members) and the
  rebuild state `status` (idle, queued, running, failed), `processed`, `total`, `rebuilt_at`,
  `error`. Creating a segment or changing its condition starts a rebuild in the background
  (`status` goes queued → running → idle; poll the segment for `processed`/`total`).
- `GET segments/{id}/customers/`: the members, paginated, who entered last first, as the
  customer list shows them.
- `POST segments/{id}/rebuild/`: rebuild now (202, the segment with `status` queued).
- `POST segments/preview/` `{"conditions": …}` → `{"count", "customers": [first 10]}`: the
  builders' live count of a condition not saved yet (optionally `"segment"`: the id of the
  segment being edited, so a reference back to it is refused as a cycle).

Agents read; admins and managers write. A bad condition is a 400 under `conditions`."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from customfields.services.values import active_definitions
from tenancy.api.fields import StrictFieldsMixin
from tenancy.api.schema import REFUSED
from tenancy.models import Role
from tenancy.scoping import TenantModelViewSet

from ..models import Customer, Segment
from ..selectors import segments as segment_selectors
from ..services import segments as segment_services
from .conditions import ConditionField
from .customers import CustomerSerializer


class SegmentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    conditions = ConditionField(required=False)
    customer_count = serializers.IntegerField(
        read_only=True, help_text="Customers in the segment now (stored membership)."
    )

    class Meta:
        model = Segment
        fields = [
            "id",
            *segment_services.SEGMENT_FIELDS,
            "customer_count",
            "status",
            "processed",
            "total",
            "rebuilt_at",
            "error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "processed", "total", "rebuilt_at", "error"]
        validators = []  # the unique name is checked by the service (case-insensitively)


class PreviewRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    conditions = ConditionField()
    segment = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The segment being edited, if any: a reference back to it is a cycle.",
    )


class PreviewCustomerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="full_name")

    class Meta:
        model = Customer
        fields = ["id", "name", "email"]


class PreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0)
    customers = PreviewCustomerSerializer(many=True)


class SegmentViewSet(TenantModelViewSet):
    """The tenant's segments; every member reads them, admins and managers write."""

    queryset = Segment.objects.all()
    serializer_class = SegmentSerializer
    write_roles = (Role.ADMIN, Role.MANAGER)
    filterset_fields = ["is_active"]
    ordering_fields = ["order", "name", "created_at"]
    ordering = ["order", "name", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Segment.objects.none()
        return segment_selectors.segments_visible_to(tenant=self.tenant, membership=self.membership)

    def get_object(self):
        segment = segment_selectors.segment_for(
            tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"]
        )
        self.check_object_permissions(self.request, segment)
        return segment

    def _reload(self, segment: Segment) -> Segment:
        return self.get_queryset().get(pk=segment.pk)

    def perform_create(self, serializer):
        segment = segment_services.segment_create(
            tenant=self.tenant, by=self.membership, data=serializer.validated_data
        )
        serializer.instance = self._reload(segment)

    def perform_update(self, serializer):
        segment = segment_services.segment_update(
            segment=serializer.instance, by=self.membership, data=serializer.validated_data
        )
        serializer.instance = self._reload(segment)

    def perform_destroy(self, instance):
        segment_services.segment_delete(segment=instance, by=self.membership)

    @extend_schema(filters=False, responses=CustomerSerializer(many=True))
    @action(detail=True, methods=["get"])
    def customers(self, request, pk=None):
        """The segment's members, who entered last first."""
        segment = segment_selectors.segment_for(
            tenant=self.tenant, membership=self.membership, pk=pk, with_count=False
        )
        self.check_object_permissions(request, segment)
        members = segment_selectors.segment_customers(
            tenant=self.tenant, segment=segment
        ).prefetch_related("tags")
        page = self.paginate_queryset(members)
        context = {**self.get_serializer_context(), "definitions": active_definitions(self.tenant)}
        rows = CustomerSerializer(page, many=True, context=context).data
        return self.get_paginated_response(rows)

    @extend_schema(request=None, responses={202: SegmentSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"])
    def rebuild(self, request, pk=None):
        """Rebuild the stored membership from the condition, in the background."""
        segment = segment_services.segment_request_rebuild(
            segment=self.get_object(), by=self.membership
        )
        return Response(
            self.get_serializer(self._reload(segment)).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(
        filters=False,
        request=PreviewRequestSerializer,
        responses={200: PreviewSerializer, 400: REFUSED},
    )
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """How many customers a condition matches now and the first ten (newest first)."""
        body = PreviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        preview = segment_selectors.segment_preview(
            tenant=self.tenant,
            conditions=body.validated_data["conditions"],
            segment_id=body.validated_data.get("segment"),
        )
        return Response(PreviewSerializer(preview).data)


__all__ = ["SegmentViewSet"]
