"""custom-fields/ (a tenant's field definitions, by key), its reorder and
apply-industry-template actions, and industry-templates/ (read)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from tenancy.api.fields import StrictFieldsMixin
from tenancy.models import INDUSTRY_CHOICES
from tenancy.scoping import TenantModelViewSet, TenantViewSetMixin

from ..models import FieldDefinition, IndustryFieldTemplate
from ..selectors.definitions import definition_for
from ..services import definitions as definition_services
from .schema import SelectOptionsField, ValidationRulesField


class FieldDefinitionSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    storage = serializers.CharField(read_only=True, help_text="The slot column or the JSON key.")
    validation_rules = ValidationRulesField(required=False)
    select_options = SelectOptionsField(required=False)

    class Meta:
        model = FieldDefinition
        fields = [
            *definition_services.DEFINITION_FIELDS,
            "mapped_field_name",
            "storage",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["mapped_field_name"]
        validators = []  # a key unique per tenant is checked by the service


class ReorderSerializer(StrictFieldsMixin, serializers.Serializer):
    keys = serializers.ListField(child=serializers.CharField(), allow_empty=False)


class ApplyTemplateSerializer(StrictFieldsMixin, serializers.Serializer):
    industry = serializers.ChoiceField(choices=INDUSTRY_CHOICES)


class AppliedTemplateSerializer(serializers.Serializer):
    created = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of the fields added."
    )
    skipped = serializers.ListField(
        child=serializers.CharField(), help_text="Keys the tenant had already (left as they are)."
    )


class FieldDefinitionViewSet(TenantModelViewSet):
    """Everyone reads the tenant's fields; tenant admins define them. PATCH `is_active` to
    deactivate (values kept); DELETE clears the tenant's values and frees the slot."""

    queryset = FieldDefinition.objects.all()
    serializer_class = FieldDefinitionSerializer
    write_roles = definition_services.DEFINE_ROLES
    lookup_field = "field_key"
    lookup_value_regex = "[a-z][a-z0-9_]*"
    filterset_fields = ["field_type", "is_active", "is_required"]
    ordering_fields = ["order", "field_label", "created_at"]
    ordering = ["order", "id"]

    def get_object(self):
        definition = definition_for(
            tenant=self.tenant,
            membership=self.membership,
            key=self.kwargs[self.lookup_field],
            queryset=self.filter_queryset(self.get_queryset()),
        )
        self.check_object_permissions(self.request, definition)
        return definition

    def perform_create(self, serializer):
        serializer.instance = definition_services.definition_create(
            tenant=self.tenant, by=self.membership, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = definition_services.definition_update(
            definition=serializer.instance, by=self.membership, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        definition_services.definition_delete(definition=instance, by=self.membership)

    # The whole list in its new order: not a page, and the list's filters do not apply.
    @extend_schema(
        filters=False,
        request=ReorderSerializer,
        responses=FieldDefinitionSerializer(many=True),
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def reorder(self, request):
        body = ReorderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ordered = definition_services.definitions_reorder(
            tenant=self.tenant, by=self.membership, keys=body.validated_data["keys"]
        )
        return Response(self.get_serializer(ordered, many=True).data)

    @extend_schema(request=ApplyTemplateSerializer, responses=AppliedTemplateSerializer)
    @action(detail=False, methods=["post"], url_path="apply-industry-template")
    def apply_industry_template(self, request):
        body = ApplyTemplateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = definition_services.industry_template_apply(
            tenant=self.tenant, by=self.membership, industry=body.validated_data["industry"]
        )
        return Response(AppliedTemplateSerializer(report).data)


class IndustryTemplateSerializer(serializers.ModelSerializer):
    validation_rules = ValidationRulesField(read_only=True)
    select_options = SelectOptionsField(read_only=True)

    class Meta:
        model = IndustryFieldTemplate
        fields = [
            "industry",
            "field_key",
            "field_label",
            "field_type",
            "is_required",
            "order",
            "validation_rules",
            "select_options",
            "help_text",
            "placeholder",
        ]


@extend_schema(parameters=[OpenApiParameter("industry", str)])
class IndustryTemplateViewSet(TenantViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The fields each industry's template offers (the same for every tenant)."""

    queryset = IndustryFieldTemplate.objects.all()
    serializer_class = IndustryTemplateSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["industry"]
    pagination_class = None

    def get_queryset(self):
        return IndustryFieldTemplate.objects.all()  # reference data, not a tenant's
