from django.urls import path

from .views import home, invitations, tenants

app_name = "tenancy"
urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("search/", home.SearchView.as_view(), name="search"),
    path("tenant/switch/", tenants.switch_tenant, name="switch-tenant"),
    path(
        "invitations/<str:token>/",
        invitations.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
]
