"""customers/bulk/ and customers/bulk-delete/: crm.services.bulk through the API. The bodies are
typed here (ids, tag lists, the values object); the service judges the rest, all or nothing."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from customfields.api.schema import CustomValuesField
from tenancy.api.fields import StrictFieldsMixin

from ..services.bulk import BULK_MAX, customers_bulk_delete, customers_bulk_update
from ..services.tags import MAX_TAG_LENGTH, MAX_TAGS


def _ids_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=BULK_MAX,
        error_messages={"max_length": f"At most {BULK_MAX:,} customers at once."},
        help_text=f"The customers' ids, at most {BULK_MAX:,}; an id that is not one of the "
        "tenant's customers refuses the whole request.",
    )


def _tags_field(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=MAX_TAG_LENGTH),
        required=False,
        default=list,
        max_length=MAX_TAGS,
        help_text=help_text,
    )


class CustomerBulkUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    customer_ids = _ids_field()
    add_tags = _tags_field("Tag names to add (created when new); lower-cased.")
    remove_tags = _tags_field("Tag names to remove; not also in add_tags.")
    custom_fields = CustomValuesField(
        required=False,
        default=dict,
        help_text='{field_key: value} set on every customer; null or "" empties a field.',
    )


class CustomerBulkUpdateResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(
        min_value=0, help_text="How many customers changed (those that already had it are not)."
    )


class CustomerBulkDeleteSerializer(StrictFieldsMixin, serializers.Serializer):
    customer_ids = _ids_field()


class CustomerBulkDeleteResultSerializer(serializers.Serializer):
    deleted = serializers.IntegerField(min_value=0)


class CustomerBulkActionsMixin:
    """The two list-level actions of the customer viewset."""

    @extend_schema(
        request=CustomerBulkUpdateSerializer,
        responses=CustomerBulkUpdateResultSerializer,
        description="Add and remove tags and set custom values on many customers at once; all "
        "or nothing: any problem is a 400 naming it, and nothing is written. Every change is "
        "in the customers' timeline and field history.",
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        body = CustomerBulkUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = customers_bulk_update(
            tenant=self.tenant, by=self.membership, **body.validated_data
        )
        return Response(CustomerBulkUpdateResultSerializer({"updated": updated}).data)

    @extend_schema(
        request=CustomerBulkDeleteSerializer,
        responses=CustomerBulkDeleteResultSerializer,
        description="Delete many customers at once (managers and admins); all or nothing. "
        "It cannot be undone.",
    )
    @action(detail=False, methods=["post"], url_path="bulk-delete")
    def bulk_delete(self, request):
        body = CustomerBulkDeleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        deleted = customers_bulk_delete(
            tenant=self.tenant, by=self.membership, **body.validated_data
        )
        return Response(CustomerBulkDeleteResultSerializer({"deleted": deleted}).data)
