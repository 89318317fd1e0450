from django.urls import path

from .views import invitations, tenants

app_name = "tenancy"
urlpatterns = [
    path("tenant/switch/", tenants.switch_tenant, name="switch-tenant"),
    path(
        "invitations/<str:token>/",
        invitations.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
]
