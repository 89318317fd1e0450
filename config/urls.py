from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("milestones.api.urls")),
    path("api/v1/", include("crm.api.urls")),
    path("api/v1/", include("customfields.api.urls")),
    path("api/v1/", include("campaigns.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("milestones/", include("milestones.urls")),
    path("settings/fields/", include("customfields.urls")),
    path("t/", include("campaigns.tracking_urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("crm.urls")),
]
