"""Form plumbing shared by every app's pages and admin."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: a field's errors on that field, the rest
    ("detail", "__all__", fields the form does not show) above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.error_dict.items():
        if name.startswith("custom_fields."):  # a customer's custom value: its cf_<key> field
            name = "cf_" + name.removeprefix("custom_fields.")
        form.add_error(name if name in form.fields else None, errors)


def error_text(error: ValidationError) -> str:
    """A service's error as one line, for a page's message."""
    return " ".join(error.messages)
