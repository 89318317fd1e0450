"""campaign-responses/: what came back from the tenant's campaigns (opens, clicks, delivery and
bounce reports, unsubscribes, conversions, replies), read-only, newest first. Listed and fetched
through campaigns.selectors.responses, which decides who sees which; machine opens are left out
of the list unless `include_machine_opens=true` (docs/metrics.md, "Machine opens"). And
campaigns/recommendations/: what the tenant's own history recommends
(campaigns.selectors.recommendations)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from crm.selectors.customers import customers_visible_to
from crm.selectors.leads import leads_visible_to
from tenancy.api.fields import Money
from tenancy.api.ordering import StrictOrderingFilter
from tenancy.scoping import TenantReadOnlyViewSet, TenantViewSetMixin
from tenancy.validators import validate_filter_date

from ..models import CampaignChannel, CampaignResponse, ResponseKind
from ..selectors.campaigns import campaigns_visible_to
from ..selectors.recommendations import KIND_TITLES, recommendations
from ..selectors.responses import campaign_response_for, responses_visible_to


class CampaignResponseSerializer(serializers.ModelSerializer):
    """One thing that came back: `execution` is the message it answers (null for a conversion
    entered without one), `url` the link of a click, `value` a conversion's worth."""

    channel = serializers.CharField(
        source="channel.channel_code", read_only=True, allow_null=True, default=None
    )
    # A CharField: an empty url (every kind but a click) is no URI to the schema.
    url = serializers.CharField(read_only=True, help_text="A click's link; empty otherwise.")
    value = Money(allow_null=True, read_only=True, help_text="A conversion's value; else null.")
    is_machine_open = serializers.BooleanField(
        read_only=True,
        help_text="An open by a mail proxy or security scanner, not the reader (docs/metrics.md, "
        "Machine opens).",
    )

    class Meta:
        model = CampaignResponse
        fields = [
            "id",
            "campaign",
            "execution",
            "channel",
            "customer",
            "lead",
            "kind",
            "url",
            "value",
            "occurred_at",
            "is_machine_open",
        ]
        read_only_fields = fields


def _campaigns(request):
    return campaigns_visible_to(tenant=request.tenant, membership=request.membership)


def _customers(request):
    return customers_visible_to(tenant=request.tenant, membership=request.membership)


def _leads(request):
    return leads_visible_to(tenant=request.tenant, membership=request.membership)


def _channels(request):
    return CampaignChannel.objects.for_tenant(request.tenant)


class CampaignResponseFilterSet(django_filters.FilterSet):
    """Each filter names only what the member sees: another tenant's campaign, customer, lead or
    channel (or another agent's lead, for an agent) is a 400."""

    campaign = django_filters.ModelChoiceFilter(queryset=_campaigns)
    kind = django_filters.MultipleChoiceFilter(choices=ResponseKind.choices)
    customer = django_filters.ModelChoiceFilter(queryset=_customers)
    lead = django_filters.ModelChoiceFilter(queryset=_leads)
    channel = django_filters.ModelChoiceFilter(queryset=_channels, to_field_name="channel_code")
    occurred_after = django_filters.IsoDateTimeFilter(
        field_name="occurred_at",
        lookup_expr="gte",
        validators=[validate_filter_date],
        label="At or after this instant",
    )
    occurred_before = django_filters.IsoDateTimeFilter(
        field_name="occurred_at",
        lookup_expr="lt",
        validators=[validate_filter_date],
        label="Before this instant",
    )
    # Strict: anything but true or false is a 400 (a BooleanFilter would ignore it).
    include_machine_opens = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_machine_opens",
        label="List opens by mail proxies and scanners too (default: false, left out, as the "
        "open rate leaves them out)",
    )

    class Meta:
        model = CampaignResponse
        fields = ["campaign", "kind", "customer", "lead", "channel"]

    def filter_machine_opens(self, queryset, name, value):
        return queryset  # read by filter_queryset, which also applies the default

    def filter_queryset(self, queryset):
        if self.form.cleaned_data.get("include_machine_opens") != "true":
            queryset = queryset.exclude(is_machine_open=True)
        return super().filter_queryset(queryset)


class CampaignResponseViewSet(TenantReadOnlyViewSet):
    """What came back from the tenant's campaigns, newest first (read-only). `kind` may be
    repeated (`kind=open&kind=click`). An agent does not see responses tied to another agent's
    lead."""

    queryset = CampaignResponse.objects.all()
    serializer_class = CampaignResponseSerializer
    filterset_class = CampaignResponseFilterSet
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, StrictOrderingFilter]
    ordering_fields = ["occurred_at", "id"]
    ordering = ["-occurred_at"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CampaignResponse.objects.none()
        return responses_visible_to(tenant=self.tenant, membership=self.membership).select_related(
            "channel"
        )

    def get_object(self):
        response = campaign_response_for(
            tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"]
        )
        self.check_object_permissions(self.request, response)
        return response


class RecommendationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KIND_TITLES.items()))
    title = serializers.CharField(help_text="What to do, in words.")
    reason = serializers.CharField(help_text="The figures it rests on, in words.")
    data = serializers.DictField(
        help_text="The compared groups and their figures (docs/metrics.md, Recommendations)."
    )
    sample_size = serializers.IntegerField(
        help_text="Delivered messages (and, for return on investment, ad impressions) it rests on."
    )


class RecommendationViewSet(TenantViewSetMixin, viewsets.GenericViewSet):
    """What the tenant's own campaign history of the last 12 months recommends: the best channel
    and campaign type by conversion rate and by return on investment, the best hour to send by
    click rate, campaigns doing worse than the rest of their type, a budget move between
    channels. A kind whose groups are too small (fewer than 2 groups with 200 delivered messages
    each) is left out: nothing is recommended from three sends."""

    queryset = CampaignResponse.objects.none()
    serializer_class = RecommendationSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(responses=RecommendationSerializer(many=True))
    def list(self, request):
        items = recommendations(tenant=self.tenant)
        return Response(RecommendationSerializer(items, many=True).data)
