"""The note box of the customer and lead pages: a note, or a task with its due day, time and
assignee. It only turns the posted text into values; the note services judge them."""

from django import forms
from django.contrib.auth import get_user_model

from customfields.forms import DATE_WIDGET
from tenancy.models import Membership
from tenancy.selectors import members_of
from tenancy.validators import NOTES_MAX_LENGTH

from . import MemberChoiceField


class CustomerNoteForm(forms.Form):
    note = forms.CharField(
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Called, wants a quote…"}),
    )
    is_task = forms.BooleanField(required=False, label="This is a task")
    due_date = forms.DateField(required=False, widget=DATE_WIDGET, label="Due on")
    due_time = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        label="at",
        help_text="Optional, in the tenant's time zone.",
    )
    assigned_to = MemberChoiceField(
        get_user_model().objects.none(), required=False, empty_label="No one", label="Assign to"
    )

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assigned_to"]
        if membership.can_manage:
            field.queryset = members_of(membership.tenant)
        else:  # agents assign tasks only to themselves (the service says so too)
            field.queryset = members_of(membership.tenant).filter(pk=membership.user_id)
        if not self.is_bound:
            self.initial.setdefault("assigned_to", membership.user_id)

    def note_data(self) -> dict:
        """The values that parsed (a field in error is left out, so the service can still
        report the rest). The assignee (preset to the member) goes with tasks only."""
        data = dict(getattr(self, "cleaned_data", {}))
        if not data.get("is_task"):
            data.pop("assigned_to", None)
        return data
