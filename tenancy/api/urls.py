from django.urls import path
from rest_framework.routers import DefaultRouter

from .auth import ThrottledObtainAuthToken
from .members import MemberViewSet, MeView

router = DefaultRouter()
router.register("members", MemberViewSet, basename="member")

urlpatterns = [
    path("auth/token/", ThrottledObtainAuthToken.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]
