"""The campaign catalogue under customization/: types, channels, statuses, budget types and
templates, each a config entry (tenancy.api.config)."""

from tenancy.api.config import ConfigViewSet

from ..models import BudgetType, CampaignChannel, CampaignStatus, CampaignTemplate, CampaignType
from ..services import catalogue
from . import serializers as s


class CampaignTypeViewSet(ConfigViewSet):
    """The tenant's campaign types with their budget guidelines, by code.

    Every member reads them, admins write them; DELETE is soft, …/deactivate/ deactivates."""

    spec = catalogue.TYPES
    queryset = CampaignType.objects.all()
    serializer_class = s.CampaignTypeSerializer
    lookup_field = "type_code"


class CampaignChannelViewSet(ConfigViewSet):
    """The channels campaigns run on, by code; their secrets are write-only.

    Every member reads them, admins write them; DELETE is soft, …/deactivate/ deactivates."""

    spec = catalogue.CHANNELS
    queryset = CampaignChannel.objects.all()
    serializer_class = s.CampaignChannelSerializer
    lookup_field = "channel_code"
    filterset_fields = ["is_active", "kind"]


class CampaignStatusViewSet(ConfigViewSet):
    """The tenant's campaign workflow, by status code.

    Every member reads them, admins write them; DELETE is soft, …/deactivate/ deactivates."""

    spec = catalogue.STATUSES
    queryset = CampaignStatus.objects.all()
    serializer_class = s.CampaignStatusSerializer
    lookup_field = "status_code"


class BudgetTypeViewSet(ConfigViewSet):
    """How budgets are given (in total or per channel), by code.

    Every member reads them, admins write them; DELETE is soft, …/deactivate/ deactivates."""

    spec = catalogue.BUDGET_TYPES
    queryset = BudgetType.objects.all()
    serializer_class = s.BudgetTypeSerializer
    lookup_field = "budget_type_code"


class CampaignTemplateViewSet(ConfigViewSet):
    """Ready-made campaigns, by id.

    Every member reads them, admins write them; DELETE is soft, …/deactivate/ deactivates."""

    spec = catalogue.TEMPLATES
    queryset = CampaignTemplate.objects.select_related("campaign_type")
    serializer_class = s.CampaignTemplateSerializer
    lookup_field = "pk"
    lookup_value_regex = r"\d+"
