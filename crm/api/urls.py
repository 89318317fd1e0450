from django.urls import path
from rest_framework.routers import DefaultRouter

from .auth import ThrottledObtainAuthToken
from .callbacks import CallbackViewSet
from .customers import CustomerViewSet
from .leads import LeadViewSet
from .members import MemberViewSet, MeViewSet
from .sources import LeadChannelViewSet, LeadSourceViewSet, LeadSubSourceViewSet

router = DefaultRouter()
router.register("customization/lead-sources", LeadSourceViewSet, basename="lead-source")
router.register("customization/lead-channels", LeadChannelViewSet, basename="lead-channel")
router.register("leads", LeadViewSet, basename="lead")
router.register("customers", CustomerViewSet, basename="customer")
router.register("callbacks", CallbackViewSet, basename="callback")
router.register("members", MemberViewSet, basename="member")
router.register("me", MeViewSet, basename="me")

sub_sources = "customization/lead-sources/<str:source_code>/sub-sources/"
urlpatterns = [
    path("auth/token/", ThrottledObtainAuthToken.as_view(), name="auth-token"),
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
    *router.urls,
]
