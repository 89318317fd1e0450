"""The form renderer of every page: Django's templates, with the choice widgets' markup written
in Python.

A list page's filter forms render selects and ticks with dozens of options (statuses, sources,
members, the custom fields to show as columns …); Django draws each option through three
included templates, which cost more CPU than the rest of the form. `FormRenderer` writes the
same characters for `select.html`, the multiple-input widgets (`checkbox_select.html`,
`radio.html`) with their options and the single inputs (`text.html`, `checkbox.html` …, each
an include of `input.html` with its attributes), and leaves every other template, and any option
drawn by a template of its own, to Django. `tests/tenancy/test_form_rendering.py` compares the
two renderers' output byte for byte.
"""

from django.forms.renderers import DjangoTemplates
from django.template.defaultfilters import stringformat
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

WIDGETS = "django/forms/widgets/"
SELECT_OPTION = WIDGETS + "select_option.html"
INPUT_OPTIONS = {WIDGETS + "checkbox_option.html", WIDGETS + "radio_option.html"}


def _text(value) -> str:
    """`{{ value }}`: localised, escaped unless safe."""
    return conditional_escape(localize(template_localtime(value)))


def _as_s(value) -> str:
    """`{{ value|stringformat:'s' }}`: safe stays safe (the filter is_safe)."""
    shown = stringformat(value, "s")
    return _text(mark_safe(shown) if isinstance(value, SafeData) else shown)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_as_s(value)}"')
    return "".join(parts)


def _select(widget: dict) -> str | None:
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != SELECT_OPTION:
                return None
            out.append(
                f'\n  <option value="{_as_s(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _input_option(option: dict) -> str:
    """input_option.html (with input.html) as checkbox_option.html and radio_option.html
    include it, trailing newlines and all."""
    attrs = option["attrs"]
    value = f' value="{_as_s(option["value"])}"' if option["value"] != None else ""  # noqa: E711
    field = f'<input type="{_text(option["type"])}" name="{_text(option["name"])}"{value}'
    field += f"{_attrs(attrs)}>\n"
    if not option["wrap_label"]:
        return field + "\n\n"
    label_for = f' for="{_text(attrs["id"])}"' if attrs.get("id") else ""
    return f"<label{label_for}>{field} {_text(option['label'])}</label>\n\n"


def _multiple_input(widget: dict) -> str | None:
    attrs = widget["attrs"]
    out = ["<div"]
    if attrs.get("id"):
        out.append(f' id="{_text(attrs["id"])}"')
    if attrs.get("class"):
        out.append(f' class="{_text(attrs["class"])}"')
    out.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            if option["template_name"] not in INPUT_OPTIONS:
                return None
            out.append(f"<div>\n    {_input_option(option)}</div>")
        if group:
            out.append("\n  </div>")
    out.append("\n</div>")
    return "".join(out)


def _input(widget: dict) -> str:
    """input.html as text.html, number.html … include it (the renderer strips the newlines)."""
    value = f' value="{_as_s(widget["value"])}"' if widget["value"] != None else ""  # noqa: E711
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}'
        f"{_attrs(widget['attrs'])}>"
    )


# The widgets whose template is only `{% include "django/forms/widgets/input.html" %}`.
INPUTS = (
    "text checkbox color date datetime email hidden number password search tel time url"
).split()

WRITTEN = {
    **{f"{WIDGETS}{name}.html": _input for name in INPUTS},
    WIDGETS + "select.html": _select,
    WIDGETS + "checkbox_select.html": _multiple_input,
    WIDGETS + "radio.html": _multiple_input,
}


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        write = WRITTEN.get(template_name)
        if write is not None:
            written = write(context["widget"])
            if written is not None:
                return written
        return super().render(template_name, context, request)
