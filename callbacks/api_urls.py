from rest_framework.routers import DefaultRouter

from .api import CallbackViewSet

router = DefaultRouter()
router.register("callbacks", CallbackViewSet, basename="callback")

urlpatterns = router.urls
