"""customers/duplicates/ and customers/{id}/merge/: crm.selectors.duplicates and
crm.services.merge through the API (a mixin of the customer viewset)."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from tenancy.api.fields import StrictFieldsMixin
from tenancy.api.schema import REFUSED

from ..selectors.customers import customer_for
from ..selectors.duplicates import REASONS, duplicate_groups, group_for
from ..services.merge import MERGE_MAX, customer_merge

ID_MAX = 2**63 - 1
VALUES_MAX = 200  # fields named in one merge


class DuplicateQuerySerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=list(REASONS), required=False, help_text="Only the groups of this reason."
    )
    customer = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        help_text="Only this customer's groups: it and the customers it matches, per reason "
        "(404 when it is not one of the tenant's customers).",
    )


class DuplicateGroupSerializer(serializers.Serializer):
    customers = serializers.ListField(
        child=serializers.IntegerField(), help_text="The customers' ids, ascending."
    )
    reason = serializers.ChoiceField(
        choices=list(REASONS),
        help_text="email: the same address (trimmed, case-folded); phone: the same number "
        "(stored normalised); name: similar names in the same company (and city, when the "
        "tenant has a `city` field) — trigram similarity on PostgreSQL, equal names on SQLite.",
    )


class MergeSerializer(StrictFieldsMixin, serializers.Serializer):
    duplicate_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        allow_empty=False,
        max_length=MERGE_MAX,
        help_text=f"The customers merged into this one (at most {MERGE_MAX}); they are deleted.",
    )
    values = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        required=False,
        default=dict,
        help_text='{"<field>": <id of the customer whose value wins>}: core fields by name, '
        'custom ones as "custom.<key>" (or their bare key). A field not named keeps this '
        "customer's value, or the first non-empty one of the duplicates; total_purchases and "
        "total_spent are added up unless named.",
    )

    def validate_values(self, values):
        if len(values) > VALUES_MAX:
            raise serializers.ValidationError(f"At most {VALUES_MAX} fields.")
        return values


class CustomerMergeActionsMixin:
    """Duplicate groups (a list-level action) and the merge (on the customer kept)."""

    @extend_schema(
        filters=False,
        parameters=[DuplicateQuerySerializer],
        responses={200: DuplicateGroupSerializer(many=True), 400: REFUSED},
        description="Groups of likely duplicate customers with their reason; a customer is in "
        "at most one group per reason. Ordered by reason (email, phone, name), then by the "
        "groups' smallest id.",
    )
    @action(detail=False, methods=["get"], url_path="duplicates")
    def duplicates(self, request):
        query = DuplicateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        reason = query.validated_data.get("reason")
        if "customer" in query.validated_data:
            customer = customer_for(
                tenant=self.tenant, membership=self.membership, pk=query.validated_data["customer"]
            )
            groups = group_for(tenant=self.tenant, customer=customer, reason=reason)
        else:
            groups = duplicate_groups(tenant=self.tenant, reason=reason)
        page = self.paginate_queryset(groups)
        return self.get_paginated_response(DuplicateGroupSerializer(page, many=True).data)

    @extend_schema(
        filters=False,
        request=MergeSerializer,
        description="Merge the duplicates into this customer (managers and admins) in one "
        "transaction: the chosen values, and everything attached to them (leads, notes, tasks, "
        "callbacks, campaign history, field history, tags, segment memberships) moves here; "
        "they are deleted (their ids answer 404 from then on). Recorded in the timeline "
        "(kind `merge`). Any problem is a 400 naming it, and nothing is written.",
    )
    @action(detail=True, methods=["post"], url_path="merge")
    def merge(self, request, pk=None):
        keep = self.get_object()
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            kept = customer_merge(
                tenant=self.tenant,
                by=self.membership,
                keep=keep,
                duplicates=body.validated_data["duplicate_ids"],
                values=body.validated_data["values"],
            )
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(self.get_serializer(self._reload(kept)).data)
