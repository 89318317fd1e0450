from django.urls import path

from . import tracking_views

app_name = "campaigns-tracking"
urlpatterns = [
    path("o/<str:token>/pixel.gif", tracking_views.open_pixel, name="open"),
    path("c/<str:token>/", tracking_views.click, name="click"),
    path("u/<str:token>/", tracking_views.unsubscribe, name="unsubscribe"),
    path(
        "webhooks/<slug:tenant_slug>/<str:channel_code>/",
        tracking_views.provider_webhook,
        name="webhook",
    ),
]
