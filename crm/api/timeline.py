"""customers/{id}/timeline/: everything that happened to the customer, newest first, one
keyset page at a time (crm.timeline). Whoever may see the customer sees its timeline, without
the entries of leads and callbacks they may not see (an agent's are theirs and unassigned ones)."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from tenancy.scoping import TenantViewSetMixin

from ..models import Customer
from ..selectors.customers import customer_for
from ..timeline import DEFAULT_PAGE_SIZE, KINDS, MAX_PAGE_SIZE, customer_timeline, parse_kinds


class CustomerTimelineEntrySerializer(serializers.Serializer):
    id = serializers.CharField(help_text='Unique across kinds, e.g. "field_change:12".')
    kind = serializers.ChoiceField(choices=list(KINDS.items()))
    occurred_at = serializers.DateTimeField()
    actor = serializers.CharField(
        allow_null=True, help_text="The username of who did it; null for the system."
    )
    summary = serializers.CharField(help_text="What happened, in words.")
    data = serializers.DictField(help_text="The kind's own details (ids, old and new values…).")


class CustomerTimelinePageSerializer(serializers.Serializer):
    results = CustomerTimelineEntrySerializer(many=True)
    next = serializers.URLField(
        allow_null=True, help_text="The next (older) page; null on the last page."
    )


class CustomerTimelineParamsSerializer(serializers.Serializer):
    kind = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=500)
    page_size = serializers.IntegerField(required=False, min_value=1)


class CustomerTimelineViewSet(TenantViewSetMixin, viewsets.GenericViewSet):
    """Everything that happened to the customer, newest first: field changes, tag changes,
        linked leads and their activity and milestones, callbacks, campaign messages and responses
        (and the kinds later features add). Paged by `cursor` (keyset, stable under new entries),
        filtered by `kind`. Every member who may see the customer sees its timeline; an agent sees
    the entries of the leads and callbacks assigned to them or to no one."""

    queryset = Customer.objects.all()
    serializer_class = CustomerTimelinePageSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                description="Only these kinds, comma-separated: " + ", ".join(KINDS) + ".",
            ),
            OpenApiParameter(
                "cursor", str, description="The page after this one's `next` (opaque)."
            ),
            OpenApiParameter(
                "page_size",
                int,
                description=f"Entries per page: default {DEFAULT_PAGE_SIZE}, at most "
                f"{MAX_PAGE_SIZE} (a larger value gives {MAX_PAGE_SIZE}).",
            ),
        ],
        responses=CustomerTimelinePageSerializer,
    )
    def timeline(self, request, pk=None):
        customer = customer_for(tenant=self.tenant, membership=self.membership, pk=pk)
        params = CustomerTimelineParamsSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        try:
            page = customer_timeline(
                tenant=self.tenant,
                customer=customer,
                membership=self.membership,
                kinds=parse_kinds(params.validated_data.get("kind")),
                cursor=params.validated_data.get("cursor") or None,
                limit=params.validated_data.get("page_size", DEFAULT_PAGE_SIZE),
            )
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        return Response(
            CustomerTimelinePageSerializer({"results": page.entries, "next": next_url}).data
        )


__all__ = ["CustomerTimelineViewSet"]
