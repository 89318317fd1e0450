from django.urls import path

from .views import bulk, customers, leads, merge, segments, sources, tag_rules, tags, tasks

app_name = "crm"
urlpatterns = [
    path("leads/", leads.LeadListView.as_view(), name="lead-list"),
    path("leads/new/", leads.LeadCreateView.as_view(), name="lead-create"),
    path("leads/bulk-status/", leads.LeadBulkStatusView.as_view(), name="lead-bulk-status"),
    path("leads/bulk-assign/", leads.LeadBulkAssignView.as_view(), name="lead-bulk-assign"),
    path("leads/<int:pk>/", leads.LeadDetailView.as_view(), name="lead-detail"),
    path("leads/<int:pk>/edit/", leads.LeadEditView.as_view(), name="lead-edit"),
    path("leads/<int:pk>/archive/", leads.LeadArchiveView.as_view(), name="lead-archive"),
    path("leads/<int:pk>/restore/", leads.LeadRestoreView.as_view(), name="lead-restore"),
    path("leads/<int:pk>/convert/", customers.LeadConvertView.as_view(), name="lead-convert"),
    path("customers/", customers.CustomerListView.as_view(), name="customer-list"),
    path("customers/new/", customers.CustomerCreateView.as_view(), name="customer-create"),
    path("customers/columns/", customers.CustomerColumnsView.as_view(), name="customer-columns"),
    path("customers/bulk/", bulk.CustomerBulkView.as_view(), name="customer-bulk"),
    path(
        "customers/duplicates/",
        merge.CustomerDuplicatesView.as_view(),
        name="customer-duplicates",
    ),
    path("customers/<int:pk>/", customers.CustomerDetailView.as_view(), name="customer-detail"),
    path("customers/<int:pk>/merge/", merge.CustomerMergeView.as_view(), name="customer-merge"),
    path("customers/<int:pk>/edit/", customers.CustomerEditView.as_view(), name="customer-edit"),
    path("customers/<int:pk>/notes/", tasks.CustomerNotesView.as_view(), name="customer-notes"),
    path("leads/<int:pk>/notes/", tasks.LeadNotesView.as_view(), name="lead-notes"),
    path("notes/<int:pk>/complete/", tasks.TaskCompleteView.as_view(), name="note-complete"),
    path("notes/<int:pk>/reopen/", tasks.TaskReopenView.as_view(), name="note-reopen"),
    path("notes/<int:pk>/delete/", tasks.NoteDeleteView.as_view(), name="note-delete"),
    path("tasks/", tasks.MyTasksView.as_view(), name="task-list"),
    path("tags/", tags.TagListView.as_view(), name="tag-list"),
    path("tags/new/", tags.TagCreateView.as_view(), name="tag-create"),
    path("tags/<int:pk>/edit/", tags.TagEditView.as_view(), name="tag-edit"),
    path("tags/<int:pk>/merge/", tags.TagMergeView.as_view(), name="tag-merge"),
    path("tags/<int:pk>/delete/", tags.TagDeleteView.as_view(), name="tag-delete"),
    path("tags/rules/", tag_rules.TagRuleListView.as_view(), name="tag-rule-list"),
    path(
        "tags/rules/<int:pk>/apply/",
        tag_rules.TagRuleApplyView.as_view(),
        name="tag-rule-apply",
    ),
    path("segments/", segments.SegmentListView.as_view(), name="segment-list"),
    path("segments/new/", segments.SegmentFormView.as_view(), name="segment-create"),
    path("segments/preview/", segments.SegmentPreviewView.as_view(), name="segment-preview"),
    path("segments/<int:pk>/", segments.SegmentDetailView.as_view(), name="segment-detail"),
    path("segments/<int:pk>/edit/", segments.SegmentFormView.as_view(), name="segment-edit"),
    path("segments/<int:pk>/status/", segments.SegmentStatusView.as_view(), name="segment-status"),
    path(
        "segments/<int:pk>/rebuild/", segments.SegmentRebuildView.as_view(), name="segment-rebuild"
    ),
    path("segments/<int:pk>/delete/", segments.SegmentDeleteView.as_view(), name="segment-delete"),
    path(
        "sources/performance/",
        sources.SourcePerformanceView.as_view(),
        name="source-performance",
    ),
]
