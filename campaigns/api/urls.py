from django.urls import path
from rest_framework.routers import DefaultRouter

from .analytics import CampaignAnalyticsViewSet
from .catalogue import (
    BudgetTypeViewSet,
    CampaignChannelViewSet,
    CampaignStatusViewSet,
    CampaignTemplateViewSet,
    CampaignTypeViewSet,
)
from .responses import CampaignResponseViewSet, RecommendationViewSet
from .triggers import CampaignTriggerViewSet
from .viewsets import CampaignViewSet, ExecutionViewSet, TemplateLibraryViewSet

router = DefaultRouter()
router.register("customization/campaign-types", CampaignTypeViewSet, basename="campaign-type")
router.register(
    "customization/campaign-channels", CampaignChannelViewSet, basename="campaign-channel"
)
router.register(
    "customization/campaign-statuses", CampaignStatusViewSet, basename="campaign-status"
)
router.register("customization/budget-types", BudgetTypeViewSet, basename="budget-type")
router.register(
    "customization/campaign-templates", CampaignTemplateViewSet, basename="campaign-template"
)
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("campaign-executions", ExecutionViewSet, basename="campaign-execution")
router.register("campaign-triggers", CampaignTriggerViewSet, basename="campaign-trigger")
router.register("campaign-responses", CampaignResponseViewSet, basename="campaign-response")

analytics = "customization/campaigns/analytics/"
urlpatterns = [
    path(
        "campaigns/recommendations/",
        RecommendationViewSet.as_view({"get": "list"}),
        name="campaign-recommendations",
    ),
    path(
        "campaigns/templates/",
        TemplateLibraryViewSet.as_view({"get": "list"}),
        name="campaign-library-list",
    ),
    path(
        "campaigns/templates/<int:pk>/create/",
        TemplateLibraryViewSet.as_view({"post": "create_campaign"}),
        name="campaign-library-create",
    ),
    path(
        analytics + "type/<str:type_code>/performance/",
        CampaignAnalyticsViewSet.as_view({"get": "type_performance"}),
        name="campaign-type-performance",
    ),
    path(
        analytics + "channel/<str:channel_code>/performance/",
        CampaignAnalyticsViewSet.as_view({"get": "channel_performance"}),
        name="campaign-channel-performance",
    ),
    path(
        analytics + "trends/",
        CampaignAnalyticsViewSet.as_view({"get": "trends"}),
        name="campaign-trends",
    ),
    *router.urls,
]
