from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tenancy.views.auth import ThrottledLoginView, ThrottledPasswordResetView

# Errors raised outside the API's own views: pages in the layout, JSON under /api/.
handler400 = "tenancy.errors.bad_request"
handler403 = "tenancy.errors.permission_denied"
handler404 = "tenancy.errors.page_not_found"
handler500 = "tenancy.errors.server_error"

urlpatterns = [
    # Browsers and crawlers that ask /favicon.ico get the site's icon (pages link it themselves).
    path(
        "favicon.ico",
        RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg", permanent=True),
    ),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        ThrottledLoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # "Forgot your password?": Django's views and tokens (a link valid PASSWORD_RESET_TIMEOUT,
    # spent once the password changes), on our templates.
    path(
        "accounts/password-reset/",
        ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("api/v1/", include("milestones.api.urls")),
    path("api/v1/", include("tenancy.api.urls")),
    path("api/v1/", include("crm.api.urls")),
    path("api/v1/", include("callbacks.api_urls")),
    path("api/v1/", include("customfields.api.urls")),
    path("api/v1/", include("campaigns.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), not inline, so
    # the pages' Content-Security-Policy (tenancy.security_headers) holds for the docs too.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("milestones/", include("milestones.urls")),
    path("settings/fields/", include("customfields.urls")),
    path("t/", include("campaigns.tracking_urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("tenancy.urls")),
    path("callbacks/", include("callbacks.urls")),
    path("", include("crm.urls")),
]
