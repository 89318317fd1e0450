"""The form builder's pages (mounted under settings/fields/ by config/urls.py)."""

from django.urls import path

from . import views

app_name = "customfields"
urlpatterns = [
    path("", views.FieldListView.as_view(), name="field-list"),
    path("new/", views.FieldCreateView.as_view(), name="field-create"),
    path("preview/", views.FieldPreviewView.as_view(), name="field-preview"),
    path("reorder/", views.FieldReorderView.as_view(), name="field-reorder"),
    path("apply-template/", views.ApplyTemplateView.as_view(), name="apply-template"),
    path("<slug:key>/edit/", views.FieldEditView.as_view(), name="field-edit"),
    path("<slug:key>/preview/", views.FieldPreviewView.as_view(), name="field-preview"),
    path("<slug:key>/active/", views.FieldActiveView.as_view(), name="field-active"),
    path("<slug:key>/move/", views.FieldMoveView.as_view(), name="field-move"),
    path("<slug:key>/delete/", views.FieldDeleteView.as_view(), name="field-delete"),
]
