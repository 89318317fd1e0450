from rest_framework.routers import DefaultRouter

from .views import FieldDefinitionViewSet, IndustryTemplateViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("custom-fields", FieldDefinitionViewSet, basename="custom-field")
router.register("industry-templates", IndustryTemplateViewSet, basename="industry-template")

urlpatterns = router.urls
