"""The shapes of the crm API's figures (lead statistics, the answers of the bulk actions, lead
source performance and trends). The views pass what the selectors compute through these
serializers, so the schema is exactly what is sent. Rates are percentages with 2 decimals;
a figure with nothing to divide by is null. Definitions: docs/metrics.md."""

from rest_framework import serializers

from tenancy.api.fields import Money

from ..models import LeadStatus

LeadsByStatusSerializer = type(
    "LeadsByStatusSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Leads per status: every status, 0 when none.",
        **{status: serializers.IntegerField() for status in LeadStatus.values},
    },
)


class LeadStatisticsSerializer(serializers.Serializer):
    """Over the leads the list's filters select (the same query parameters as `leads/`)."""

    total_leads = serializers.IntegerField()
    leads_by_status = LeadsByStatusSerializer()
    leads_by_source = serializers.DictField(
        child=serializers.IntegerField(), help_text="Leads per source code (sources with leads)."
    )
    average_lead_score = serializers.FloatField(allow_null=True, help_text="Null without leads.")
    hot_leads_count = serializers.IntegerField()
    conversion_rate = serializers.FloatField(help_text="WON ÷ all leads, percent (0 without).")


class BulkStatusResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many leads changed status.")
    lead_ids = serializers.ListField(child=serializers.IntegerField())


class AssignResultSerializer(serializers.Serializer):
    assigned = serializers.IntegerField(help_text="How many leads were assigned.")
    lead_ids = serializers.ListField(child=serializers.IntegerField())


class SourceMetricsSerializer(serializers.Serializer):
    """Leads created in the period (archived ones left out) and what became of them."""

    leads_generated = serializers.IntegerField()
    leads_contacted = serializers.IntegerField()
    leads_qualified = serializers.IntegerField()
    leads_converted = serializers.IntegerField()
    leads_lost = serializers.IntegerField()
    conversion_rate = serializers.FloatField(help_text="Converted ÷ generated, percent.")
    qualification_rate = serializers.FloatField(help_text="Qualified ÷ generated, percent.")
    average_days_to_close = serializers.FloatField(
        allow_null=True, help_text="Days from creation to WON; null without converted leads."
    )
    total_value = Money(help_text="Estimated value of the converted leads.")
    total_cost = Money(help_text="Cost per lead × leads generated, over the sub-sources.")
    cost_per_lead = Money(allow_null=True, help_text="Null without leads.")
    roi = serializers.FloatField(
        allow_null=True, help_text="(value − cost) ÷ cost, percent; null without cost."
    )


class SubSourcePerformanceSerializer(SourceMetricsSerializer):
    sub_source_code = serializers.CharField()
    sub_source_name = serializers.CharField()
    is_deleted = serializers.BooleanField(help_text="Deleted since, but with leads in the period.")


class SourcePerformanceSerializer(SourceMetricsSerializer):
    source_code = serializers.CharField()
    source_name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    sub_sources = SubSourcePerformanceSerializer(many=True)


class SourceTrendPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    leads_generated = serializers.IntegerField()
    leads_converted = serializers.IntegerField()


class SourceTrendSerializer(serializers.Serializer):
    source_code = serializers.CharField()
    source_name = serializers.CharField()
    leads_generated = serializers.IntegerField()
    leads_converted = serializers.IntegerField()
    series = SourceTrendPointSerializer(many=True, help_text="Every day of the period, in order.")


class SourceTrendsSerializer(serializers.Serializer):
    """Leads generated (by creation day) and converted (by conversion day) per source per day."""

    days = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    sources = SourceTrendSerializer(many=True)
