"""Notes and tasks on customers and leads (seed 002's CustomerNote), and the record of every
change to them.

A note is on a customer, a lead, or both (the lead then belongs to the customer). A task is a
note with a due day (and optionally a time of day, both in the tenant's time zone), an optional
assignee among the tenant's active members, and a completion."""

from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.models.tenants import Membership, TenantOwned
from tenancy.validators import NOTES_MAX_LENGTH, capped_text_field


class CustomerNote(TenantOwned):
    customer = models.ForeignKey(
        "Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="customer_notes",
    )
    lead = models.ForeignKey(
        "Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="customer_notes"
    )
    # The author, set by the services (never by clients).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    note = capped_text_field(NOTES_MAX_LENGTH)
    is_task = models.BooleanField(default=False)
    is_completed = models.BooleanField(default=False)
    due_date = models.DateField(null=True, blank=True, help_text="Tasks: the day it is due.")
    due_time = models.TimeField(
        null=True, blank=True, help_text="Tasks: the time it is due, in the tenant's time zone."
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tasks",
    )
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A customer's notes, newest first (the profile, the timeline).
            models.Index(fields=["tenant", "customer", "created_at"], name="note_customer"),
            models.Index(fields=["tenant", "lead", "created_at"], name="note_lead"),
            # A member's tasks by state and day (My tasks, the navigation's count).
            # Chosen with bench/tasks (docs/benchmarks.md): with the time included, My tasks'
            # counts are index-only scans.
            models.Index(
                fields=["tenant", "assigned_to", "is_completed", "due_date"],
                include=["due_time"],
                name="note_assignee",
            ),
            # The tasks a member wrote for no one (theirs on My tasks too).
            models.Index(
                fields=["tenant", "user", "is_completed", "due_date"],
                include=["due_time"],
                condition=Q(is_task=True, assigned_to__isnull=True),
                name="note_author_task",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(lead__isnull=False),
                name="note_has_subject",
            ),
            # Only a task has a due day, an assignee or a completion (clean() says it in words).
            models.CheckConstraint(
                condition=Q(is_task=True)
                | Q(due_date__isnull=True, assigned_to__isnull=True, is_completed=False),
                name="note_task_fields",
            ),
        ]

    def __str__(self) -> str:
        text = self.note if len(self.note) <= 60 else self.note[:59] + "…"
        return f"{'Task' if self.is_task else 'Note'}: {text}"

    def clean(self) -> None:
        """The rules of the data itself; who may write what is the services' business."""
        errors: dict[str, list[str]] = {}
        if not self.note.strip():
            errors["note"] = ["Write a note."]
        if self.customer_id is None and self.lead_id is None:
            errors["customer"] = ["Give a customer, a lead, or both."]
        if self.customer_id and self.customer.tenant_id != self.tenant_id:
            errors["customer"] = ["Unknown customer."]
        if self.lead_id:
            if self.lead.tenant_id != self.tenant_id:
                errors["lead"] = ["Unknown lead."]
            elif self.customer_id and self.lead.customer_id != self.customer_id:
                errors["lead"] = ["This lead is not linked to this customer."]
        if self.is_task:
            if self.due_date is None:
                errors["due_date"] = ["A task needs the day it is due."]
        else:
            for name, value in (
                ("due_date", self.due_date),
                ("due_time", self.due_time),
                ("assigned_to", self.assigned_to_id),
            ):
                if value is not None:
                    errors[name] = ["Only a task has this; tick “task” or leave it empty."]
            if self.is_completed:
                errors["is_completed"] = ["Only a task can be completed."]
        if self.assigned_to_id and not Membership.is_active_member(
            tenant_id=self.tenant_id, user_id=self.assigned_to_id
        ):
            errors["assigned_to"] = ["Not an active member of this tenant."]
        if errors:
            raise ValidationError(errors)

    def due_at(self, tz) -> datetime | None:
        """When the task is due, in `tz` (the tenant's zone): its time, or the end of its day."""
        if self.due_date is None:
            return None
        return datetime.combine(self.due_date, self.due_time or time.max, tzinfo=tz)

    def is_overdue(self, *, today: date, now: datetime, tz) -> bool:
        if not self.is_task or self.is_completed or self.due_date is None:
            return False
        return self.due_date < today or (self.due_date == today and self.due_at(tz) < now)


class NoteAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    COMPLETED = "completed", "Completed"
    REOPENED = "reopened", "Reopened"
    DELETED = "deleted", "Deleted"


class NoteEvent(TenantOwned):
    """One change to a note or task: who, what, when, and the fields that changed. Kept after the
    note is deleted (the note key is then empty; the customer and lead keys stay)."""

    note = models.ForeignKey(
        CustomerNote, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    customer = models.ForeignKey(
        "Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lead = models.ForeignKey(
        "Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=NoteAction.choices)
    is_task = models.BooleanField(default=False)
    # {"field": [old, new]} as text; a created or deleted note's text is kept under "note".
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "note", "created_at"], name="noteevent_note"),
            models.Index(fields=["tenant", "customer", "created_at"], name="noteevent_customer"),
        ]

    def __str__(self) -> str:
        return f"{'Task' if self.is_task else 'Note'} {self.get_action_display().lower()}"
