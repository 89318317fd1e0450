from django.urls import path, re_path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.CampaignListView.as_view(), name="campaign-list"),
    path("new/", views.CampaignCreateView.as_view(), name="campaign-create"),
    path("templates/", views.TemplateListView.as_view(), name="template-list"),
    path(
        "templates/<int:pk>/create/",
        views.CreateFromTemplateView.as_view(),
        name="template-create",
    ),
    path("audience-count/", views.AudienceCountView.as_view(), name="audience-count"),
    path("<int:pk>/", views.CampaignDetailView.as_view(), name="campaign-detail"),
    path("<int:pk>/edit/<slug:tab>/", views.CampaignEditView.as_view(), name="campaign-edit"),
    path("<int:pk>/preview/", views.PreviewView.as_view(), name="campaign-preview"),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<action>launch|pause|resume|complete)/$",
        views.CampaignActionView.as_view(),
        name="campaign-action",
    ),
]
