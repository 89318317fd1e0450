from django.urls import path

from . import views, views_customers

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
    path("leads/<int:pk>/convert/", views_customers.LeadConvertView.as_view(), name="lead-convert"),
    path("customers/", views_customers.CustomerListView.as_view(), name="customer-list"),
    path("customers/new/", views_customers.CustomerCreateView.as_view(), name="customer-create"),
    path(
        "customers/columns/", views_customers.CustomerColumnsView.as_view(), name="customer-columns"
    ),
    path(
        "customers/<int:pk>/", views_customers.CustomerDetailView.as_view(), name="customer-detail"
    ),
    path(
        "customers/<int:pk>/edit/", views_customers.CustomerEditView.as_view(), name="customer-edit"
    ),
    path(
        "sources/performance/",
        views.SourcePerformanceView.as_view(),
        name="source-performance",
    ),
]
