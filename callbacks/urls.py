from django.urls import path

from . import views

app_name = "callbacks"
urlpatterns = [
    path("", views.CallbackQueueView.as_view(), name="callback-queue"),
    path("new/", views.CallbackCreateView.as_view(), name="callback-create"),
    path(
        "contacts/<str:kind>/",
        views.CallbackContactSearchView.as_view(),
        name="callback-contacts",
    ),
    path("claim/", views.CallbackClaimView.as_view(), name="callback-claim"),
    path(
        "auto-assign/",
        views.CallbackAutoAssignView.as_view(),
        name="callback-auto-assign",
    ),
    path("sla/", views.CallbackSlaView.as_view(), name="callback-sla"),
    path("<int:pk>/", views.CallbackDetailView.as_view(), name="callback-detail"),
    path(
        "<int:pk>/status/",
        views.CallbackStatusView.as_view(),
        name="callback-status",
    ),
    path(
        "<int:pk>/assign/",
        views.CallbackAssignView.as_view(),
        name="callback-assign",
    ),
]
