from django.urls import path, re_path

from .views import builder, campaigns, templates, triggers

app_name = "campaigns"
urlpatterns = [
    path("", campaigns.CampaignListView.as_view(), name="campaign-list"),
    path("new/", builder.CampaignCreateView.as_view(), name="campaign-create"),
    path("templates/", templates.TemplateListView.as_view(), name="template-list"),
    path(
        "templates/<int:pk>/create/",
        templates.CreateFromTemplateView.as_view(),
        name="template-create",
    ),
    path("audience-count/", builder.AudienceCountView.as_view(), name="audience-count"),
    path("<int:pk>/", campaigns.CampaignDetailView.as_view(), name="campaign-detail"),
    path("<int:pk>/edit/<slug:tab>/", builder.CampaignEditView.as_view(), name="campaign-edit"),
    path("<int:pk>/preview/", builder.PreviewView.as_view(), name="campaign-preview"),
    path("<int:pk>/figures/", campaigns.CampaignFiguresView.as_view(), name="campaign-figures"),
    path("<int:pk>/triggers/new/", triggers.TriggerFormView.as_view(), name="trigger-create"),
    path("<int:pk>/triggers/count/", triggers.TriggerCountView.as_view(), name="trigger-count"),
    path(
        "<int:pk>/triggers/<int:tid>/", triggers.TriggerDetailView.as_view(), name="trigger-detail"
    ),
    path(
        "<int:pk>/triggers/<int:tid>/edit/",
        triggers.TriggerFormView.as_view(),
        name="trigger-edit",
    ),
    re_path(
        r"^(?P<pk>[0-9]+)/triggers/(?P<tid>[0-9]+)/(?P<action>delete|deactivate|activate)/$",
        triggers.TriggerConfirmView.as_view(),
        name="trigger-confirm",
    ),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<action>launch|pause|resume|complete)/$",
        campaigns.CampaignActionView.as_view(),
        name="campaign-action",
    ),
]
