"""The callback pages' forms: the call log, assignment, a new request with its contact picker,
and the SLA view's period. They turn input into typed values; the services judge it."""

from django import forms
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse

from crm.forms import DATETIME_WIDGET, MemberChoiceField
from crm.models import Customer
from tenancy.validators import NOTES_MAX_LENGTH

from .models import CallbackOutcome, CallbackRequest, CallbackSource
from .rules import STATUS_ACTIONS
from .selectors import CONTACT_KINDS, assignable_members, contact_choices
from .services.requests import EDITABLE_FIELDS


class CallLogForm(forms.Form):
    """The result of a call or another move; which button was pressed is the `action`. The
    service judges whether the move is allowed and what it needs."""

    action = forms.ChoiceField(choices=[(a, a) for a in STATUS_ACTIONS])
    note = forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required to fail or cancel.",
    )
    resolution = forms.CharField(
        required=False, max_length=NOTES_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(required=False, choices=[("", "—"), *CallbackOutcome.choices])
    scheduled_for = forms.DateTimeField(required=False, widget=DATETIME_WIDGET, label="Call at")


class AssignForm(forms.Form):
    assignee = MemberChoiceField(
        get_user_model().objects.none(), required=False, empty_label="Nobody (back to the pool)"
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_members(tenant)


def contact_label(obj) -> str:
    detail = obj.email or obj.phone
    return f"{obj.full_name} ({detail})" if detail else obj.full_name


class ContactPicker(forms.Widget):
    """A search box that fetches matching contacts as you type (htmx), instead of a select with
    every customer of the tenant in it (200,000 options at scale). Renders only the contact
    already chosen, if any; the choices' queryset judges what is posted."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def render(self, name, value, attrs=None, renderer=None):
        selected = None
        if str(value or "").isdigit():  # what was posted may be anything: only an id is looked up
            selected = self.choices.queryset.filter(pk=value).first()
        return render_to_string(
            "callbacks/_contact_picker.html",
            {
                "name": name,
                "id": (attrs or {}).get("id") or f"id_{name}",
                "kind": self.kind,
                "search_url": reverse("callbacks:callback-contacts", args=[self.kind]),
                "selected": selected and {"pk": selected.pk, "label": contact_label(selected)},
            },
        )

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class ContactChoiceField(forms.ModelChoiceField):
    def __init__(self, kind: str, **kwargs):
        super().__init__(Customer.objects.none(), widget=ContactPicker(kind), **kwargs)

    def label_from_instance(self, obj) -> str:
        return contact_label(obj)


def _callback_field(name: str, **kwargs) -> forms.Field:
    return CallbackRequest._meta.get_field(name).formfield(**kwargs)


class CallbackForm(forms.Form):
    customer = ContactChoiceField("customer", required=False)
    lead = ContactChoiceField("lead", required=False)
    phone = _callback_field(
        "phone", required=False, help_text="Leave empty for the customer's (or lead's) phone."
    )
    reason = _callback_field("reason")
    source = _callback_field("source", initial=CallbackSource.MANUAL)
    preferred_start = _callback_field(
        "preferred_start", widget=DATETIME_WIDGET, label="Preferred window from"
    )
    preferred_end = _callback_field("preferred_end", widget=DATETIME_WIDGET, label="until")
    notes = _callback_field("notes", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, tenant, membership, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in CONTACT_KINDS:
            self.fields[kind].queryset = contact_choices(kind, tenant=tenant, membership=membership)

    def callback_data(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name in EDITABLE_FIELDS
        }


class PeriodForm(forms.Form):
    start_date = forms.CharField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From"
    )
    end_date = forms.CharField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Until"
    )
