"""notes/: notes and tasks on customers and leads, with `complete/` and `reopen/`. A note is
fetched through `note_for` and written through crm.services.notes, which checks the role."""

import django_filters
from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from tenancy.api.fields import StrictFieldsMixin, TenantMemberField, TenantRelatedField
from tenancy.api.ordering import StrictOrderingFilter
from tenancy.scoping import TenantModelViewSet

from ..filters import tenant_users
from ..models import Customer, CustomerNote, Lead
from ..selectors.notes import TaskDay, note_for, notes_visible_to
from ..services import notes as note_services


def _tenant_customers(request):
    return Customer.objects.for_tenant(request.tenant if request is not None else None)


def _tenant_leads(request):
    return Lead.objects.for_tenant(request.tenant if request is not None else None)


class CustomerNoteSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A note on a customer, a lead or both (at least one); with `is_task` a task, due on
    `due_date` (and `due_time`, in the tenant's time zone) and completed with `complete/`."""

    customer = TenantRelatedField(Customer, required=False, allow_null=True)
    lead = TenantRelatedField(Lead, required=False, allow_null=True)
    assigned_to = TenantMemberField(
        required=False,
        allow_null=True,
        help_text="Tasks: an active member (agents may assign only themselves).",
    )
    user = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The author (the user who wrote the note)."
    )

    class Meta:
        model = CustomerNote
        fields = [
            "id",
            *note_services.NOTE_FIELDS,
            "user",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["completed_at"]


class NoteFilterSet(django_filters.FilterSet):
    customer = django_filters.ModelChoiceFilter(queryset=_tenant_customers)
    lead = django_filters.ModelChoiceFilter(queryset=_tenant_leads)
    is_task = django_filters.BooleanFilter()
    is_completed = django_filters.BooleanFilter()
    assigned_to = django_filters.ModelChoiceFilter(queryset=tenant_users)
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Open tasks past their due day and time (tenant time); false: everything else",
    )

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = TaskDay.of(self.request.tenant).overdue_q() & Q(is_task=True, is_completed=False)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class NoteViewSet(TenantModelViewSet):
    """Notes and tasks. Managers and admins see all; an agent sees the notes on customers and
    on the leads they see, and the tasks assigned to them, written by them or unassigned."""

    queryset = CustomerNote.objects.all()
    serializer_class = CustomerNoteSerializer
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = NoteFilterSet
    ordering_fields = ["created_at", "updated_at", "due_date", "completed_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CustomerNote.objects.none()
        return notes_visible_to(tenant=self.tenant, membership=self.membership)

    def get_object(self):
        note = note_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=self.get_queryset(),
        )
        self.check_object_permissions(self.request, note)
        return note

    def perform_create(self, serializer):
        serializer.instance = note_services.note_create(
            tenant=self.tenant, by=self.membership, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = note_services.note_update(
            note=serializer.instance, by=self.membership, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        note_services.note_delete(note=instance, by=self.membership)

    @extend_schema(request=None, responses=CustomerNoteSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Complete a task (every member who sees it may)."""
        note = note_services.task_complete(note=self.get_object(), by=self.membership)
        return Response(self.get_serializer(note).data)

    @extend_schema(request=None, responses=CustomerNoteSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Reopen a completed task."""
        note = note_services.task_reopen(note=self.get_object(), by=self.membership)
        return Response(self.get_serializer(note).data)


__all__ = ["NoteViewSet"]
