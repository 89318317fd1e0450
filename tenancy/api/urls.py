from django.urls import path
from rest_framework.routers import DefaultRouter

from .auth import ThrottledObtainAuthToken
from .members import MemberViewSet, MeViewSet

router = DefaultRouter()
router.register("members", MemberViewSet, basename="member")
router.register("me", MeViewSet, basename="me")

urlpatterns = [
    path("auth/token/", ThrottledObtainAuthToken.as_view(), name="auth-token"),
    *router.urls,
]
