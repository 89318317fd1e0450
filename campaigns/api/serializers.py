"""Serializers of the campaign API. Related entries are addressed by code among the request's
tenant's live rows (tenancy.api.fields), so a client can never point at another tenant's row.
Channel secrets are write-only: responses only say whether one is set. Every unknown field is
refused (StrictFieldsMixin). The JSON fields are typed for the schema (.types)."""

from django.db import models
from rest_framework import serializers

from crm.api.conditions import ConditionField
from crm.models import Customer
from tenancy.api.config import serializer_fields
from tenancy.api.fields import StrictFieldsMixin, TenantCodeField, TenantRelatedField
from tenancy.validators import DESCRIPTION_MAX_LENGTH, MESSAGE_BODY_MAX_LENGTH

from ..models import (
    AdMetric,
    BudgetType,
    Campaign,
    CampaignChannel,
    CampaignExecution,
    CampaignStatus,
    CampaignTemplate,
    CampaignType,
    CampaignVariant,
    SkipReason,
)
from ..services import catalogue
from .types import (
    AmountField,
    ChannelContentsField,
    CodeListField,
    NamesField,
    ObjectField,
)


class CatalogueSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A catalogue entry; amounts that cannot be negative say so in the schema."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DecimalField: AmountField,
    }


class CampaignTypeSerializer(CatalogueSerializer):
    """A campaign type, with its budget guidelines."""

    class Meta:
        model = CampaignType
        fields = serializer_fields(catalogue.TYPES)
        validators = []  # uniqueness among live rows is checked by the service


class CampaignChannelSerializer(CatalogueSerializer):
    """A channel campaigns run on; its secrets are write-only."""

    integration_data = ObjectField(
        required=False,
        help_text="Sending settings: from_email (email); backend console|http and endpoint (sms, "
        "whatsapp).",
    )
    integration_key = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500
    )
    webhook_secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500
    )
    has_integration_key = serializers.SerializerMethodField()
    has_webhook_secret = serializers.SerializerMethodField()

    class Meta:
        model = CampaignChannel
        fields = serializer_fields(catalogue.CHANNELS, "has_integration_key", "has_webhook_secret")
        validators = []

    def get_has_integration_key(self, obj) -> bool:
        return bool(obj.integration_key)

    def get_has_webhook_secret(self, obj) -> bool:
        return bool(obj.webhook_secret)


class CampaignStatusSerializer(CatalogueSerializer):
    """A step of the tenant's campaign workflow and the statuses it may move to."""

    next_statuses = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False
    )

    class Meta:
        model = CampaignStatus
        fields = serializer_fields(catalogue.STATUSES)
        validators = []


class BudgetTypeSerializer(CatalogueSerializer):
    """How a campaign's budget is given: in total, or split per channel."""

    class Meta:
        model = BudgetType
        fields = serializer_fields(catalogue.BUDGET_TYPES)
        validators = []


class CampaignTemplateSerializer(CatalogueSerializer):
    """A ready-made campaign: type, channels, budget, duration, audience, KPIs and content."""

    campaign_type_code = TenantCodeField(
        CampaignType, slug_field="type_code", source="campaign_type"
    )
    default_channels = CodeListField(required=False, help_text="Channel codes.")
    target_audience = ConditionField(required=False)
    kpis = NamesField(required=False)
    content = ChannelContentsField(required=False)

    class Meta:
        model = CampaignTemplate
        # The template's campaign type travels by code.
        fields = [
            "id",
            *(
                "campaign_type_code" if name == "campaign_type" else name
                for name in serializer_fields(catalogue.TEMPLATES)
            ),
        ]


class ContentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """What one channel sends, as variant A (B, C … for an A/B test)."""

    channel = TenantCodeField(CampaignChannel, slug_field="channel_code")
    variant = serializers.RegexField(r"^[A-Z]$", required=False, default="A")
    weight = serializers.IntegerField(min_value=1, max_value=100, required=False, default=1)
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    class Meta:
        model = CampaignVariant
        fields = ["channel", "variant", "weight", "subject", "body"]


class CampaignSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A campaign with its channels, budget, audience and content. A new one starts as a draft
    in the tenant's initial status; `status` changes move it along the workflow."""

    serializer_field_mapping = CatalogueSerializer.serializer_field_mapping
    campaign_type = TenantCodeField(CampaignType, slug_field="type_code", required=False)
    status = TenantCodeField(
        CampaignStatus,
        slug_field="status_code",
        required=False,
        help_text="Changing it moves the campaign along the tenant's workflow.",
    )
    budget_type = TenantCodeField(
        BudgetType, slug_field="budget_type_code", required=False, allow_null=True
    )
    channels = TenantCodeField(
        CampaignChannel, slug_field="channel_code", many=True, required=False
    )
    channel_budgets = serializers.DictField(
        child=AmountField(max_digits=14, decimal_places=2, min_value=0),
        required=False,
        help_text="Per channel code, for a budget type that splits the budget.",
    )
    contents = ContentSerializer(many=True, required=False, source="variants")
    audience = ConditionField(required=False)
    kpis = NamesField(required=False)
    spend = serializers.SerializerMethodField(help_text="Cost so far: messages sent and ad spend.")

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "description",
            "campaign_type",
            "status",
            "budget_type",
            "budget",
            "channel_budgets",
            "spend",
            "channels",
            "audience",
            "contents",
            "start_date",
            "end_date",
            "scheduled_at",
            "kpis",
            "template",
            "launched_at",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["template", "launched_at", "completed_at"]

    def get_spend(self, obj) -> str:
        return str(self.context.get("spend", {}).get(obj.pk, "0.00"))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["channel_budgets"] = {
            plan.channel.channel_code: str(plan.budget)
            for plan in instance.plans.all()
            if plan.budget is not None
        }
        return data


class FromTemplateSerializer(StrictFieldsMixin, serializers.Serializer):
    """What to change from the template's defaults (nothing: the template as it is)."""

    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
    )
    budget = AmountField(max_digits=14, decimal_places=2, min_value=0, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)


class AudienceSerializer(StrictFieldsMixin, serializers.Serializer):
    """An audience condition to count."""

    audience = ConditionField()


class PreviewSerializer(StrictFieldsMixin, serializers.Serializer):
    """Which message to render, for whom: the saved content of `channel` and `variant`, or the
    unsaved `subject` and `body` given; for `customer`, or the audience's first, or a sample."""

    channel = TenantCodeField(CampaignChannel, slug_field="channel_code")
    variant = serializers.RegexField(r"^[A-Z]$", required=False, default="A")
    customer = TenantRelatedField(Customer, required=False, allow_null=True)
    subject = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(
        max_length=MESSAGE_BODY_MAX_LENGTH, required=False, allow_blank=True
    )


class ConversionSerializer(StrictFieldsMixin, serializers.Serializer):
    """A conversion to record, attributed to the customer's message when there is one."""

    customer = TenantRelatedField(Customer, required=False, allow_null=True)
    channel = TenantCodeField(
        CampaignChannel, slug_field="channel_code", required=False, allow_null=True
    )
    value = AmountField(max_digits=14, decimal_places=2, min_value=0)
    occurred_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AdMetricSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """One day's impressions, clicks and spend of an ad or social channel."""

    serializer_field_mapping = CatalogueSerializer.serializer_field_mapping
    channel = TenantCodeField(CampaignChannel, slug_field="channel_code")

    class Meta:
        model = AdMetric
        fields = ["channel", "date", "impressions", "clicks", "spend"]
        validators = []


class SkipReasonField(serializers.ChoiceField):
    """Why a message was not sent; null for a message that was not skipped."""

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class ExecutionSerializer(serializers.ModelSerializer):
    """One message to one customer on one channel."""

    channel = serializers.CharField(source="channel.channel_code", read_only=True)
    skip_reason = SkipReasonField(choices=SkipReason.choices, allow_null=True, read_only=True)

    class Meta:
        model = CampaignExecution
        fields = [
            "id",
            "campaign",
            "customer",
            "channel",
            "variant",
            "address",
            "status",
            "skip_reason",
            "attempts",
            "last_error",
            "retry_at",
            "cost",
            "sent_at",
            "delivered_at",
            "bounced_at",
            "opened_at",
            "machine_opened_at",
            "clicked_at",
            "created_at",
        ]
        read_only_fields = fields


class MachineOpensQuerySerializer(serializers.Serializer):
    include_machine_opens = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Count opens by mail proxies and scanners too (docs/metrics.md, Machine "
        "opens). Default: false, they are left out.",
    )
