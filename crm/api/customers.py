"""customers/: core fields, tags and `custom_fields: {key: value}`; `cf_<key>` filters and
ordering; custom values, capture and field history per customer."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.filters import BaseFilterBackend
from rest_framework.response import Response

from customfields.api.schema import CUSTOM_VALUES_SCHEMA, CustomValueField, CustomValuesField
from customfields.models import FieldHistory
from customfields.selectors.query import (
    ALLOWED,
    FILTER_PARAM,
    FILTER_PATTERN,
    MAX_FILTERS,
    MAX_IN_VALUES,
    PREFIX,
    filter_customers,
    filtered_keys,
)
from customfields.services.values import active_definitions, clean_values, read_values
from tenancy.api.fields import StrictFieldsMixin, username_of
from tenancy.api.lean import LeanListMixin
from tenancy.api.ordering import StrictOrderingFilter
from tenancy.api.representation import LeanRepresentationMixin
from tenancy.scoping import TenantModelViewSet

from ..filters import CustomerFilterSet, UnfilteredFirstBackend
from ..models import Customer, CustomerTag, listed_tags
from ..selectors.customers import customer_columns, customer_for, customers_ordered
from ..selectors.scoring import customer_score
from ..selectors.tags import listed_tag_names
from ..services import customers as customer_services
from .bulk import CustomerBulkActionsMixin
from .exports import CustomerExportMixin
from .imports import CustomerImportMixin
from .merge import CustomerMergeActionsMixin

CORE_ORDERING = [
    "created_at",
    "updated_at",
    "first_name",
    "last_name",
    "company",
    "crm_score",
    "last_contacted_at",
    "total_interactions",
    "total_purchases",
    "total_spent",
]


# The core columns CustomerSerializer shows (its custom values come from the active fields).
LIST_CORE_COLUMNS = (*customer_services.CUSTOMER_COLUMNS, "created_at", "updated_at")


class CustomerSerializer(StrictFieldsMixin, LeanRepresentationMixin, serializers.ModelSerializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, source="tag_names"
    )
    custom_fields = CustomValuesField(required=False)

    class Meta:
        model = Customer
        fields = [
            "id",
            *customer_services.CUSTOMER_COLUMNS,
            "tags",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        # Kept by Atrium (docs/metrics.md): a value sent for them is ignored, as DRF does for
        # every read-only field.
        read_only_fields = customer_services.CUSTOMER_COMPUTED_FIELDS

    def validate_custom_fields(self, values):
        """Checked here too, so custom and core field errors come back in one response; the
        service checks again when it writes."""
        try:
            clean_values(
                definitions=self.context["definitions"],
                values=values,
                require_all=self.instance is None,
            )
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return values

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["custom_fields"] = read_values(instance, self.context["definitions"].values())
        return data


def _operators_by_type() -> str:
    return "; ".join(
        f"{field_type}: " + ", ".join(f"`{op}`" if op else "equals" for op in sorted(ops))
        for field_type, ops in ALLOWED.items()
    )


CUSTOM_FIELD_FILTER_DESCRIPTION = (
    "Filter by a custom field: `<field_key>[__<operator>]:<value>`, repeated for several "
    "conditions (all must hold), at most {max_filters}. Operators: none (equals), `gte`, `lte`, "
    "`contains` (case-insensitive), `in` (the value a comma list of at most {max_in}). Which a "
    "field takes depends on its type: {by_type}. The value is read as the field's type "
    "(numbers, dates YYYY-MM-DD, booleans true/false). Example: "
    "`custom_field_filter=loyalty_points__gte:100&custom_field_filter=tier__in:Gold,Silver`. "
    "The same filters can be given as `cf_<field_key>[__<operator>]=<value>` parameters, one "
    "per field. An unknown field, an operator its type does not take or a value it cannot hold "
    "is a 400 naming the parameter."
)


class CustomFieldFilterBackend(BaseFilterBackend):
    """`custom_field_filter=<key>[__op]:<value>` and `cf_<key>[__op]=<value>` through
    customfields' one translation."""

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": FILTER_PARAM,
                "in": "query",
                "required": False,
                "description": CUSTOM_FIELD_FILTER_DESCRIPTION.format(
                    max_filters=MAX_FILTERS, max_in=MAX_IN_VALUES, by_type=_operators_by_type()
                ),
                "schema": {
                    "type": "array",
                    "items": {"type": "string", "pattern": FILTER_PATTERN},
                    "maxItems": MAX_FILTERS,
                },
                "style": "form",
                "explode": True,
            }
        ]

    def filter_queryset(self, request, queryset, view):
        try:
            return filter_customers(
                queryset,
                tenant=request.tenant,
                params=request.query_params,
                definitions=view.definitions,
            )
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None


class CustomerOrderingFilter(StrictOrderingFilter):
    """Core fields as usual, and `cf_<key>` through the field's slot or JSON key."""

    def filter_queryset(self, request, queryset, view):
        return customers_ordered(
            queryset,
            self.get_ordering(request, queryset, view),
            definitions=view.definitions,
            filtered=filtered_keys(request.query_params),
        )

    def get_valid_fields(self, queryset, view, context=None):
        return [
            *super().get_valid_fields(queryset, view, context or {}),
            *((f"{PREFIX}{key}", key) for key in view.definitions),
        ]


class CaptureSerializer(StrictFieldsMixin, serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)


class CapturedValueSerializer(serializers.Serializer):
    field_key = serializers.CharField()
    value = CustomValueField(help_text="The value recorded, typed by the field.")


class FieldHistorySerializer(serializers.ModelSerializer):
    changed_by = username_of(
        "changed_by", help_text="Username of who changed it; null for the system."
    )

    class Meta:
        model = FieldHistory
        fields = [
            "id",
            "field_key",
            "field_label",
            "old_value",
            "new_value",
            "changed_by",
            "changed_at",
            "reason",
        ]


class ScorePartsSerializer(serializers.Serializer):
    engagement = serializers.IntegerField(
        min_value=0, max_value=40, help_text="min(2 × total_interactions, 40)"
    )
    recency = serializers.IntegerField(
        min_value=0,
        max_value=30,
        help_text="max(30 − days since the last contact, 0), days in the tenant's time zone; "
        "never contacted: 0",
    )
    purchases = serializers.IntegerField(
        min_value=0, max_value=20, help_text="min(5 × total_purchases, 20)"
    )
    completeness = serializers.IntegerField(
        min_value=0,
        max_value=10,
        help_text="⌊10 × filled / active custom fields⌋; no active fields: 0",
    )


class ScoreSerializer(serializers.Serializer):
    score = serializers.IntegerField(
        min_value=0, max_value=100, help_text="The sum of the parts: what crm_score holds."
    )
    parts = ScorePartsSerializer()


class CustomerViewSet(
    CustomerMergeActionsMixin,
    CustomerBulkActionsMixin,
    CustomerImportMixin,
    CustomerExportMixin,
    LeanListMixin,
    TenantModelViewSet,
):
    """Customers of the tenant; every member sees and works them."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    filter_backends = [UnfilteredFirstBackend, CustomFieldFilterBackend, CustomerOrderingFilter]
    filterset_class = CustomerFilterSet
    ordering_fields = CORE_ORDERING
    ordering_schema_note = "and `cf_<field_key>` for a custom field (empty values last)"
    ordering = ["-created_at"]
    # The list is written from rows (tenancy.api.lean): the tags by one statement per page, the
    # custom values from the active fields' slots (the columns lean_lookups adds).
    lean_extras = {
        "tags": listed_tag_names(CustomerTag.objects.all(), "customer_id"),
        "custom_fields": lambda view, rows: [
            read_values(row, view.definitions.values()) for row in rows
        ],
    }

    def lean_lookups(self):
        return customer_columns((), self.definitions.values())[1:]  # after "id"

    @property
    def definitions(self):
        if not hasattr(self, "_definitions"):
            self._definitions = active_definitions(self.tenant)
        return self._definitions

    def get_queryset(self):
        customers = super().get_queryset()
        if self.action == "list":
            # Only what CustomerSerializer shows: the core columns and the active fields' slots.
            columns = customer_columns(LIST_CORE_COLUMNS, self.definitions.values())
            return customers.only(*columns).prefetch_related(listed_tags())
        return customers.prefetch_related("tags")

    def get_object(self):
        """The customer of the URL through the one access selector: a missing customer and
        another tenant's are the same 404."""
        customer = customer_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=self.get_queryset(),
        )
        self.check_object_permissions(self.request, customer)
        return customer

    def filter_queryset(self, queryset):
        if self.action == "list":
            return super().filter_queryset(queryset)
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self.request, "tenant"):
            context["definitions"] = self.definitions
        return context

    def _reload(self, customer):
        return self.get_queryset().get(pk=customer.pk)

    def _split(self, data):
        data = dict(data)
        return data, data.pop("tag_names", None), data.pop("custom_fields", None)

    def perform_create(self, serializer):
        data, tags, custom = self._split(serializer.validated_data)
        customer = customer_services.customer_create(
            tenant=self.tenant, by=self.membership, data=data, tags=tags or (), custom_fields=custom
        )
        serializer.instance = self._reload(customer)

    def perform_update(self, serializer):
        data, tags, custom = self._split(serializer.validated_data)
        customer = customer_services.customer_update(
            customer=serializer.instance,
            by=self.membership,
            data=data,
            tags=tags,
            custom_fields=custom,
        )
        serializer.instance = self._reload(customer)

    def perform_destroy(self, instance):
        customer_services.customer_delete(customer=instance, by=self.membership)

    @extend_schema(
        methods=["GET"],
        responses={200: CUSTOM_VALUES_SCHEMA},
        description="The customer's custom values: every active field, null when empty.",
    )
    @extend_schema(
        methods=["PATCH"],
        request={"application/json": CUSTOM_VALUES_SCHEMA},
        responses={200: CUSTOM_VALUES_SCHEMA},
        description="Change the custom values given (others are kept); answers every value.",
    )
    @action(detail=True, methods=["get", "patch"], url_path="custom-fields")
    def custom_fields(self, request, pk=None):
        customer = self.get_object()
        if request.method == "PATCH":
            if not isinstance(request.data, dict):
                raise serializers.ValidationError(
                    {"detail": ["Send an object {field_key: value}."]}
                )
            customer = customer_services.customer_update(
                customer=customer, by=self.membership, data={}, custom_fields=request.data
            )
        return Response(read_values(customer, self.definitions.values()))

    @extend_schema(request=CaptureSerializer, responses=CapturedValueSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"custom-fields/(?P<field_key>[a-z][a-z0-9_]*)/capture",
    )
    def capture(self, request, pk=None, field_key=None):
        customer = self.get_object()
        if field_key not in self.definitions:
            raise serializers.ValidationError({field_key: ["Unknown custom field."]})
        body = CaptureSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = customer_services.customer_capture_field(
            customer=customer,
            by=self.membership,
            field_key=field_key,
            text=body.validated_data["text"],
        )
        value = read_values(customer, [self.definitions[field_key]])[field_key]
        return Response(CapturedValueSerializer({"field_key": field_key, "value": value}).data)

    @extend_schema(responses=ScoreSerializer)
    @action(detail=True, methods=["get"])
    def score(self, request, pk=None):
        """The CRM score and its parts, computed now (docs/metrics.md, "CRM score")."""
        return Response(ScoreSerializer(customer_score(customer=self.get_object())).data)

    @extend_schema(
        filters=False,
        responses=FieldHistorySerializer(many=True),
        parameters=[OpenApiParameter("field_key", str, description="Only this field's changes.")],
    )
    @action(detail=True, methods=["get"], url_path="field-history")
    def field_history(self, request, pk=None):
        history = self.get_object().field_history.select_related("changed_by")
        if request.query_params.get("field_key"):
            history = history.filter(field_key=request.query_params["field_key"])
        page = self.paginate_queryset(history)
        return self.get_paginated_response(FieldHistorySerializer(page, many=True).data)


__all__ = ["CustomerViewSet"]
