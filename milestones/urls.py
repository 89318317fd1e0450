from django.urls import path

from . import views

app_name = "milestones"
urlpatterns = [
    path("bottlenecks/", views.BottleneckDashboardView.as_view(), name="dashboard"),
    path("overdue/", views.OverdueListView.as_view(), name="overdue"),
    path("leads/<int:pk>/record/", views.MilestoneRecordView.as_view(), name="record"),
    path(
        "leads/<int:pk>/<int:milestone_id>/status/",
        views.MilestoneStatusView.as_view(),
        name="status",
    ),
    path("leads/<int:pk>/template/", views.LeadTemplateView.as_view(), name="lead-template"),
]
