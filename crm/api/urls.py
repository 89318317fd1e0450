from django.urls import path
from rest_framework.routers import DefaultRouter

from .customers import CustomerViewSet
from .events import EventViewSet
from .imports import ImportViewSet
from .leads import LeadViewSet
from .notes import NoteViewSet
from .segments import SegmentViewSet
from .sources import LeadChannelViewSet, LeadSourceViewSet, LeadSubSourceViewSet
from .tag_rules import SmartTagRuleViewSet
from .tags import TagViewSet
from .timeline import CustomerTimelineViewSet

router = DefaultRouter()
router.register("customization/lead-sources", LeadSourceViewSet, basename="lead-source")
router.register("customization/lead-channels", LeadChannelViewSet, basename="lead-channel")
router.register("leads", LeadViewSet, basename="lead")
router.register("customers", CustomerViewSet, basename="customer")
router.register("notes", NoteViewSet, basename="note")
router.register("tags", TagViewSet, basename="tag")
router.register("tag-rules", SmartTagRuleViewSet, basename="tag-rule")
router.register("segments", SegmentViewSet, basename="segment")
router.register("imports", ImportViewSet, basename="import")
router.register("events", EventViewSet, basename="event")

sub_sources = "customization/lead-sources/<str:source_code>/sub-sources/"
urlpatterns = [
    path(
        sub_sources,
        LeadSubSourceViewSet.as_view({"get": "list", "post": "create"}),
        name="lead-sub-source-list",
    ),
    path(
        sub_sources + "<str:sub_source_code>/",
        LeadSubSourceViewSet.as_view(
            {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
        ),
        name="lead-sub-source-detail",
    ),
    path(
        sub_sources + "<str:sub_source_code>/deactivate/",
        LeadSubSourceViewSet.as_view({"post": "deactivate"}),
        name="lead-sub-source-deactivate",
    ),
    path(
        "customers/<int:pk>/timeline/",
        CustomerTimelineViewSet.as_view({"get": "timeline"}),
        name="customer-timeline",
    ),
    *router.urls,
]
