"""Form plumbing shared by every app's pages and admin."""

import copy
from collections.abc import Callable, Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from .caching import cached_rows


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: a field's errors on that field, the rest
    ("detail", "__all__", fields the form does not show) above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.error_dict.items():
        name = _field_name(name)  # a customer's custom value: its cf_<key> field
        form.add_error(name if name in form.fields else None, errors)


def _field_name(name: str) -> str:
    if name.startswith("custom_fields."):
        return "cf_" + name.removeprefix("custom_fields.")
    return name


def add_rehearsed_errors(form: forms.Form, attempt: Callable[[], object]) -> None:
    """Every error at once: the form refused some fields, so rehearse the service with the
    fields that did clean — in a transaction rolled back whatever happens, so nothing is
    written and no after-commit work runs — and show its errors on the fields the form had not
    refused (a phone it cannot read, a probability out of range, "give a customer or a lead").
    Errors on the refused fields and errors above the form are left out: they could come from
    those values being missing."""
    try:
        with transaction.atomic():
            attempt()
            transaction.set_rollback(True)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            return
        for name, errors in exc.error_dict.items():
            name = _field_name(name)
            if name in form.fields and name not in form.errors:
                form.add_error(name, errors)


class ServiceFormMixin:
    """A FormView whose form is saved by a service (`perform(form)`, answering the object) and
    that shows every error at once: the form's own and the service's, each beside its field.
    `done(form, obj)` answers the response after a save."""

    def rehearsing(self, name: str, form):
        """Run `perform` with the view's attribute `name` (the edited object) swapped for a
        copy, restored afterwards."""
        original = getattr(self, name)
        setattr(self, name, copy.copy(original))
        try:
            return self.perform(form)
        finally:
            setattr(self, name, original)

    def perform(self, form):
        raise NotImplementedError

    def done(self, form, obj):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            obj = self.perform(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return super().form_invalid(form)
        return self.done(form, obj)

    def rehearse(self, form):
        """`perform` for the rehearsal (an edit view runs it on a copy of its object, so the
        page goes on showing the object as it is)."""
        return self.perform(form)

    def form_invalid(self, form):
        add_rehearsed_errors(form, lambda: self.rehearse(form))
        return super().form_invalid(form)


def error_text(error: ValidationError) -> str:
    """A service's error as one line, for a page's message."""
    return " ".join(error.messages)


def filters_on(form: forms.Form, names) -> list[tuple[str, str]]:
    """(label, value in words) for each of the named filters the request filled in, for the
    summary beside a folded filter form ("Status: New · Score from: 90"). A choice shows its
    label, a ticked box its label alone."""
    shown = []
    for name in names:
        field = form[name]
        raw = field.value()
        values = raw if isinstance(raw, list | tuple) else [raw]
        values = [value for value in values if value not in (None, "", False)]
        if not values:
            continue
        if isinstance(field.field.widget, forms.CheckboxInput):
            if str(values[0]).lower() not in ("false", "0", "off"):
                shown.append((field.label, ""))
            continue
        choices = getattr(field.field, "choices", None)
        if choices is not None:
            labels = {str(key): label for key, label in field.field.widget.choices if key != ""}
            values = [labels.get(str(value), value) for value in values]
        shown.append((field.label, ", ".join(str(value) for value in values)))
    return shown


def choices_from_cache(fields: Mapping[str, forms.ModelChoiceField], *, tenant_id: int, scope: str):
    """Make each field's widget render its choices from (value, label) pairs kept in the shared
    cache for the tenant (tenancy.caching.cached_rows, one round trip for all the fields),
    written from the field's own queryset, `prepare_value` and `label_from_instance` when
    missing or stale, as Django's choice iterator writes them. The services that change what
    the querysets read bump `scope`. Validation still asks each field's queryset.

    Keys name the cache entries (the field's place, e.g. "filter:source"): the same queryset
    labelled by two fields needs an entry for each."""

    read = {}  # two fields over the same rows (a filter's and a form's members) read them once

    def rows_of(field) -> list:
        query = str(field.queryset.query)
        if query not in read:
            read[query] = list(field.queryset)
        return read[query]

    def pairs(field):
        return lambda: [
            (field.prepare_value(row), field.label_from_instance(row)) for row in rows_of(field)
        ]

    rows = cached_rows(
        tenant_id=tenant_id,
        scope=scope,
        computes={key: pairs(field) for key, field in fields.items()},
    )
    for key, field in fields.items():
        first = [("", field.empty_label)] if field.empty_label is not None else []
        if getattr(field, "null_label", None) is not None:  # django-filter's "none" choice
            first.append((field.null_value, field.null_label))
        field.widget.choices = first + [tuple(pair) for pair in rows[key]]
