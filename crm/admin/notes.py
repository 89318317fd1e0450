"""Notes and tasks in the admin, with their history."""

from django.contrib import admin

from tenancy.admin.base import ServiceSaveMixin
from tenancy.scoping import LogInlineMixin

from ..models import (
    CustomerNote,
    NoteEvent,
)
from ..selectors.notes import note_for
from ..services import notes as note_services
from .base import SelectedObjectMixin


class NoteEventInline(LogInlineMixin, admin.TabularInline):
    model = NoteEvent
    fields = ["created_at", "action", "actor", "changes"]


@admin.register(CustomerNote)
class CustomerNoteAdmin(SelectedObjectMixin, ServiceSaveMixin, admin.ModelAdmin):
    """Notes and tasks, written through the note services (the author is the admin)."""

    object_for = staticmethod(note_for)
    list_display = ["__str__", "customer", "lead", "due_date", "assigned_to", "is_completed"]
    list_filter = ["is_task", "is_completed", "assigned_to"]
    search_fields = ["note"]
    autocomplete_fields = ["customer", "lead"]
    list_select_related = ["customer", "lead", "assigned_to"]
    inlines = [NoteEventInline]
    service_fields = set(note_services.NOTE_FIELDS)

    def service_create(self, request, tenant, data):
        return note_services.note_create(tenant=tenant, by=self.actor(request, tenant), data=data)

    def service_update(self, request, note, data):
        return note_services.note_update(note=note, by=self.actor(request, note.tenant), data=data)

    def service_delete(self, obj, *, by):
        note_services.note_delete(note=obj, by=by)
