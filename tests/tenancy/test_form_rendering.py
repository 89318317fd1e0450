"""The pages' form renderer writes the choice widgets in Python: the same characters as
Django's templates, for every shape of choices, attributes and values."""

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from tenancy.form_rendering import FormRenderer
from tenancy.models import Tenant

CHOICES = [("", "Any"), ("a", "Alpha & <b>"), (3, 3), ("x y", gettext_lazy("Yes"))]
GROUPED = [("", "—"), ("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("other", "Other")]
ATTRS = [
    {},
    {"id": "id_f", "class": "checks wide"},
    {"id": "id_f", "required": True, "disabled": False, "data-x": 'a"b<c>'},
    {"class": "only-class", "aria-label": mark_safe("<safe>")},
]
WIDGETS = [
    forms.Select,
    forms.SelectMultiple,
    forms.NullBooleanSelect,
    forms.CheckboxSelectMultiple,
    forms.RadioSelect,
]


def both(widget, name, value, attrs):
    django = widget.render(name, value, attrs=dict(attrs), renderer=DjangoTemplates())
    ours = widget.render(name, value, attrs=dict(attrs), renderer=FormRenderer())
    return django, ours


@pytest.mark.parametrize("widget_class", WIDGETS)
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("choices", [CHOICES, GROUPED, []])
@pytest.mark.parametrize("value", [None, "a", ["a", 3], "pear", ""])
def test_the_choice_widgets_write_what_the_templates_write(widget_class, attrs, choices, value):
    widget = widget_class()
    if widget_class is forms.NullBooleanSelect:  # its own choices, and one value
        value = True if isinstance(value, list) else value
    else:
        widget.choices = choices
    django, ours = both(widget, "f&g", value, attrs)
    assert ours == django
    assert type(ours) is type(django) or str(ours) == str(django)


def test_an_option_drawn_by_a_template_of_its_own_is_left_to_django():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input.html"  # any other template

    widget = Custom(choices=[("a", "A")])
    django, ours = both(widget, "f", "a", {})
    assert ours == django


@pytest.mark.django_db
def test_model_choices_and_a_bound_form_match(tenant_a):
    class PickForm(forms.Form):
        tenant = forms.ModelChoiceField(Tenant.objects.all(), empty_label="Any")
        tenants = forms.ModelMultipleChoiceField(
            Tenant.objects.all(), widget=forms.CheckboxSelectMultiple
        )

    for data in ({}, {"tenant": tenant_a.pk, "tenants": [tenant_a.pk]}):
        ours, django = PickForm(data), PickForm(data, renderer=DjangoTemplates())
        ours.renderer = FormRenderer()
        for name in ("tenant", "tenants"):
            assert str(ours[name]) == str(django[name])
            assert f'value="{tenant_a.pk}"' in str(ours[name])


def test_the_choice_widgets_are_written_without_the_templates(monkeypatch):
    drawn = []
    monkeypatch.setattr(
        DjangoTemplates, "render", lambda self, name, context, request=None: drawn.append(name)
    )
    for widget in (
        forms.Select(choices=GROUPED),
        forms.CheckboxSelectMultiple(choices=GROUPED),
        forms.RadioSelect(choices=CHOICES),
    ):
        assert 'value="apple"' in widget.render("f", "a", renderer=FormRenderer()) or (
            isinstance(widget, forms.RadioSelect)
        )
    assert drawn == []


INPUT_WIDGETS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.SearchInput,
    forms.TelInput,
    forms.ColorInput,
    forms.HiddenInput,
    lambda: forms.PasswordInput(render_value=True),
    lambda: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    forms.DateTimeInput,
    forms.TimeInput,
    forms.CheckboxInput,
]
INPUT_VALUES = [None, "", "a & <b>", 'say "hi"', 3, Decimal("1234.5"), date(2026, 5, 1), True]


@pytest.mark.parametrize("make", INPUT_WIDGETS)
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", INPUT_VALUES)
def test_the_single_inputs_write_what_the_templates_write(make, attrs, value):
    django, ours = both(make(), "f&g", value, attrs)
    assert ours == django
    assert str(ours).startswith("<input ")


def test_the_single_inputs_are_written_without_the_templates(monkeypatch):
    drawn = []
    monkeypatch.setattr(
        DjangoTemplates, "render", lambda self, name, context, request=None: drawn.append(name)
    )
    for make in INPUT_WIDGETS:
        assert 'name="f"' in make().render("f", "x", renderer=FormRenderer())
    assert drawn == []
