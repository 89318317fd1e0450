"""tag-rules/: smart-tag rules, with `apply/`. A rule is fetched through `tag_rule_for` and
written through crm.services.tag_rules (admins and managers; every member reads)."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from tenancy.api.fields import StrictFieldsMixin
from tenancy.api.ordering import StrictOrderingFilter
from tenancy.scoping import TenantModelViewSet

from ..models import SmartTagRule
from ..models.tag_rules import UNTAG_HELP
from ..selectors.tag_rules import tag_rule_for, tag_rules_visible_to
from ..services import tag_rules as rule_services
from ..services.tags import MAX_TAG_LENGTH
from .conditions import ConditionField


class TagNameField(serializers.CharField):
    """A tag by its name: answered as the name, taken as a name (created on first use)."""

    def to_representation(self, value):
        return value.name


class SmartTagRuleSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A rule gives its `tag` to every customer matching its `condition` — when a customer
    changes, and over the existing customers when the rule is created, activated or its
    definition changes (or with `apply/`). A rule may not read the tag it sets, directly or
    through other active rules."""

    tag = TagNameField(
        max_length=MAX_TAG_LENGTH,
        help_text="The tag's name (lower-cased; created on first use).",
    )
    condition = ConditionField(
        help_text="Which customers get the tag (the condition language; not empty)."
    )
    untag_when_unmatched = serializers.BooleanField(required=False, help_text=UNTAG_HELP)

    class Meta:
        model = SmartTagRule
        fields = ["id", *rule_services.TAG_RULE_FIELDS, "created_at", "updated_at"]


class ApplyResultSerializer(serializers.Serializer):
    tagged = serializers.IntegerField(help_text="Customers that got the tag now.")


class SmartTagRuleViewSet(TenantModelViewSet):
    """Smart-tag rules of the tenant: every member reads them, admins and managers write."""

    queryset = SmartTagRule.objects.all()
    serializer_class = SmartTagRuleSerializer
    write_roles = rule_services.TAG_RULE_WRITE_ROLES
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_fields = ["is_active"]
    ordering_fields = ["created_at", "updated_at", "name"]
    ordering = ["created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SmartTagRule.objects.none()
        return tag_rules_visible_to(tenant=self.tenant, membership=self.membership)

    def get_object(self):
        rule = tag_rule_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=self.get_queryset(),
        )
        self.check_object_permissions(self.request, rule)
        return rule

    def perform_create(self, serializer):
        serializer.instance = rule_services.tag_rule_create(
            tenant=self.tenant, by=self.membership, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = rule_services.tag_rule_update(
            rule=serializer.instance, by=self.membership, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        rule_services.tag_rule_delete(rule=instance, by=self.membership)

    @extend_schema(request=None, responses=ApplyResultSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        """Apply the rule over every existing customer now (and untag those that do not match,
        if the rule untags); answers how many customers got the tag. An inactive rule is a
        400."""
        tagged = rule_services.tag_rule_apply(rule=self.get_object(), by=self.membership)
        return Response({"tagged": tagged})


__all__ = ["SmartTagRuleViewSet"]
