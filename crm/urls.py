from django.urls import path

from . import views

app_name = "crm"
urlpatterns = [
    # The list answers at "/" and "/leads/"; reverse() picks the last of equal names: /leads/.
    path("", views.LeadListView.as_view(), name="lead-list"),
    path("leads/", views.LeadListView.as_view(), name="lead-list"),
    path("leads/new/", views.LeadCreateView.as_view(), name="lead-create"),
    path("leads/bulk-status/", views.LeadBulkStatusView.as_view(), name="lead-bulk-status"),
    path("leads/bulk-assign/", views.LeadBulkAssignView.as_view(), name="lead-bulk-assign"),
    path("leads/<int:pk>/", views.LeadDetailView.as_view(), name="lead-detail"),
    path("leads/<int:pk>/edit/", views.LeadEditView.as_view(), name="lead-edit"),
    path("leads/<int:pk>/archive/", views.LeadArchiveView.as_view(), name="lead-archive"),
    path("leads/<int:pk>/restore/", views.LeadRestoreView.as_view(), name="lead-restore"),
    path(
        "sources/performance/",
        views.SourcePerformanceView.as_view(),
        name="source-performance",
    ),
    path("tenant/switch/", views.switch_tenant, name="switch-tenant"),
]
