from django.urls import path
from rest_framework.routers import SimpleRouter

from .viewsets import (
    LeadMilestoneViewSet,
    MilestoneReportViewSet,
    MilestoneTemplateViewSet,
    MilestoneTypeViewSet,
)

router = SimpleRouter()
router.register("customization/milestone-types", MilestoneTypeViewSet, basename="milestone-type")
router.register(
    "customization/milestone-templates", MilestoneTemplateViewSet, basename="milestone-template"
)
router.register("customization/milestones", MilestoneReportViewSet, basename="milestone")

lead_milestones = "customization/milestones/<int:lead_id>/"
urlpatterns = [
    path(
        lead_milestones,
        LeadMilestoneViewSet.as_view({"get": "timeline", "post": "create"}),
        name="lead-milestone-list",
    ),
    path(
        lead_milestones + "<int:milestone_id>/status/",
        LeadMilestoneViewSet.as_view({"post": "set_status"}),
        name="lead-milestone-status",
    ),
    path(
        lead_milestones + "template/",
        LeadMilestoneViewSet.as_view({"put": "set_template"}),
        name="lead-milestone-template",
    ),
    *router.urls,
]
