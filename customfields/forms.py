"""Form fields built from a tenant's definitions, for every form that edits custom values (the
admin's customer form, the customer pages, the form builder's preview). The form fields do the
input widgets; the value service stays the judge of what is valid."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape

from .models import FieldDefinition, FieldType
from .services.values import clean_values

PREFIX = "cf_"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BOOLEAN_CHOICES = [("", "—"), ("true", "Yes"), ("false", "No")]


def formfield_for(definition: FieldDefinition, *, initial: Any = None) -> forms.Field:
    attrs = {"placeholder": definition.placeholder} if definition.placeholder else {}
    common = {
        "label": definition.field_label,
        # Django renders help text as HTML (the admin's fieldsets and the forms' own templates
        # use |safe), so the tenant's text is escaped here; escape() marks the result safe, so
        # the pages' autoescaping {{ field.help_text }} does not escape it twice.
        "help_text": escape(definition.help_text),
        "required": definition.is_required,
        "initial": initial,
    }
    kind = definition.field_type
    if kind == FieldType.SELECT:
        choices = [("", "—"), *((o, o) for o in definition.select_options)]
        return forms.ChoiceField(choices=choices, **common)
    if kind == FieldType.BOOLEAN:
        if initial is not None:
            common["initial"] = "true" if initial else "false"
        return forms.ChoiceField(choices=BOOLEAN_CHOICES, **common)
    if kind == FieldType.DATE:
        widget = forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")
        return forms.CharField(widget=widget, **common)
    if kind == FieldType.NUMBER:
        widget = forms.NumberInput(attrs={"step": "0.01", **attrs})
        return forms.CharField(widget=widget, **common)
    input_type = {FieldType.EMAIL: "email", FieldType.URL: "url", FieldType.PHONE: "tel"}.get(
        kind, "text"
    )
    return forms.CharField(widget=forms.TextInput(attrs={"type": input_type, **attrs}), **common)


def add_custom_fields(
    form: forms.BaseForm, definitions: Iterable[FieldDefinition], values: dict | None = None
) -> None:
    """Add a `cf_<key>` field per definition to a form instance, with current values."""
    for definition in definitions:
        initial = (values or {}).get(definition.field_key)
        form.fields[PREFIX + definition.field_key] = formfield_for(definition, initial=initial)


def custom_values_from(form: forms.BaseForm, definitions: dict[str, FieldDefinition]) -> dict:
    """The submitted custom values, keyed by field key (raw: the value service coerces)."""
    return {key: form.cleaned_data.get(PREFIX + key) for key in definitions}


def check_custom_values(
    form: forms.BaseForm, definitions: dict[str, FieldDefinition], *, creating: bool
) -> None:
    """Run the value service on the form's custom values and put its errors on their fields."""
    try:
        clean_values(
            definitions=definitions,
            values=custom_values_from(form, definitions),
            require_all=creating,
        )
    except ValidationError as exc:
        add_custom_errors(form, exc)


def add_custom_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Errors keyed by field key (value service) or "custom_fields.<key>" (customer services)."""
    for key, messages in exc.message_dict.items():
        key = key.removeprefix("custom_fields.")
        name = PREFIX + key
        form.add_error(name if name in form.fields else None, messages)


class CustomValuesForm(forms.Form):
    """One `cf_<key>` field per definition given; the value service judges the values, and its
    errors land on their fields together with the form's own."""

    def __init__(self, *args, definitions: dict[str, FieldDefinition], values=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = definitions
        add_custom_fields(self, definitions.values(), values)

    def clean(self):
        cleaned = super().clean()
        # A field that failed its own check (required, not an option) has nothing to judge.
        checked = {k: d for k, d in self.definitions.items() if PREFIX + k not in self.errors}
        check_custom_values(self, checked, creating=self.creating)
        return cleaned

    @property
    def creating(self) -> bool:
        """The values make a new customer (as converting a lead does): required fields must be
        given."""
        return True

    def custom_values(self) -> dict:
        return custom_values_from(self, self.definitions)

    def custom_fields(self) -> list[forms.BoundField]:
        return [self[PREFIX + key] for key in self.definitions]


class OptionsField(forms.CharField):
    """Select options edited one per line."""

    widget = forms.Textarea(attrs={"rows": 5, "placeholder": "One option per line"})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]
