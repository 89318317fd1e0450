"""Tags shown as chips in their colours: `{% tag_chip name color %}` for one tag known with its
colour, `{% tag_chips names %}` for a list of names (a customer's or a lead's), whose colours
are read once per request for the whole page; `{% shown_value kind value %}` for one value of a
customer table cell or profile, by its kind.

The table rows' tags (crm_lead_rows, crm_customer_rows) write thousands of values per page, so
the helpers here write the same characters as Django's filters without their indirections:
`escaped` as `conditional_escape`, `day_text` and `minute_text` as `date:"Y-m-d"` and
`date:"Y-m-d H:i"`, `iso_text` as `date:"c"`."""

import datetime
import html

from django import template
from django.template.defaultfilters import date, floatformat, yesno
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from ..models import Tag

register = template.Library()

# The request attribute holding the page's {name: colour}: one query per request, no state
# beyond it.
COLOURS_ATTR = "_crm_tag_colours"


def escaped(value) -> str:
    """`conditional_escape(value)`: the same characters, a plain string's without the lazy and
    safe-string wrappers around `html.escape`."""
    if type(value) is str:
        return html.escape(value)
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def day_text(value) -> str:
    """`value|date:"Y-m-d"` for a date or datetime."""
    if isinstance(value, datetime.date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return date(value, "Y-m-d")


def minute_text(value) -> str:
    """`value|date:"Y-m-d H:i"` for a datetime (already in the zone to show)."""
    if isinstance(value, datetime.datetime):
        return (
            f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
            f"{value.hour:02d}:{value.minute:02d}"
        )
    return date(value, "Y-m-d H:i")


def iso_text(value) -> str:
    """`value|date:"c"`: ISO 8601."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return date(value, "c")


def url_with_pk(context, name: str, pk) -> str:
    """`{% url name pk %}` from the URL reversed once per rendering (a stand-in key replaced
    by each row's)."""
    key = f"crm_tags:url:{name}"
    parts = context.render_context.get(key)
    if parts is None:
        stand_in = "987654321"
        parts = reverse(name, args=[stand_in]).split(stand_in)
        context.render_context[key] = parts
    return f"{parts[0]}{pk}{parts[1]}"


def _chip(name: str, color: str | None):
    if not color:
        return SafeString(f'<span class="tag">{escaped(name)}</span>')
    return SafeString(
        f'<span class="tag tag-chip" style="--tag-colour: {escaped(color)}">{escaped(name)}</span>'
    )


@register.simple_tag
def tag_chip(name: str, color: str | None = None):
    return _chip(name, color)


def _colours(context) -> dict[str, str]:
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {}
    colours = getattr(request, COLOURS_ATTR, None)
    if colours is None:
        colours = dict(Tag.objects.for_tenant(tenant).values_list("name", "color"))
        setattr(request, COLOURS_ATTR, colours)
    return colours


@register.simple_tag(takes_context=True)
def tag_chips(context, names):
    """The names as chips in their tags' colours (the default chip for a name not found)."""
    names = list(names or ())
    if not names:
        return mark_safe('<span class="muted">—</span>')
    colours = _colours(context)
    chips = format_html_join("", "{}", ((_chip(name, colours.get(name)),) for name in names))
    return format_html('<span class="tags">{}</span>', chips)


EMPTY = mark_safe('<span class="muted">—</span>')
LINKS = {"email": "mailto:", "phone": "tel:"}
_NUMBERS = "crm_tags:numbers"  # a rendering's numbers already written: {(type, value): text}


def shown(context, kind: str, value) -> SafeString:
    """One value shown by its kind, escaped: what `{% shown_value %}` writes."""
    if value is None or value == "":
        return EMPTY
    if kind == "boolean":
        return escaped(yesno(value, "Yes,No"))
    if kind == "date":
        day = escaped(day_text(value))
        return SafeString(f'<time datetime="{day}">{day}</time>')
    if kind == "datetime":
        value = template_localtime(value, use_tz=context.use_tz)
        return SafeString(
            f'<time datetime="{escaped(iso_text(value))}">{escaped(minute_text(value))}</time>'
        )
    if kind == "number":
        # Scores and counts repeat down a page: each figure is formatted once per rendering.
        numbers = context.render_context.get(_NUMBERS)
        if numbers is None:
            numbers = context.render_context[_NUMBERS] = {}
        key = (type(value), value)
        text = numbers.get(key)
        if text is None:
            text = numbers[key] = escaped(floatformat(value, "-2g"))
        return SafeString(text)
    if kind in LINKS:
        text = escaped(value)
        return SafeString(f'<a href="{LINKS[kind]}{text}">{text}</a>')
    if kind == "url":
        text = escaped(value)
        return SafeString(f'<a href="{text}" rel="noopener noreferrer">{text}</a>')
    if kind == "tags":
        return tag_chips(context, value)
    return SafeString(escaped(value))


@register.simple_tag(takes_context=True)
def shown_value(context, kind: str, value):
    """One value shown by its kind (a custom field's type, or a core column's: tags, datetime):
    a tag rather than an include, as a customer table renders one per cell."""
    return shown(context, kind, value)


@register.simple_tag
def form_field(field, wide=False):
    """crm/_field.html for one bound field (label, widget, help text, errors), for the list
    pages' filter forms, where it runs a dozen times per page: the same markup as the include."""
    errors = field.errors
    classes = "field" + (" has-error" if errors else "") + (" wide" if wide else "")
    label = escaped(field.label)
    if field.widget_type == "checkbox":
        body = f'<label class="check">{escaped(field)} {label}</label>'
    else:
        body = f'<label for="{escaped(field.id_for_label)}">{label}</label>\n  {escaped(field)}'
    help_text = ""
    if field.help_text:
        help_text = (
            f'\n  <small class="help" id="{escaped(field.auto_id)}_helptext">'
            f"{escaped(field.help_text)}</small>"
        )
    shown_errors = "".join(f'\n  <p class="error-text">{escaped(error)}</p>' for error in errors)
    return SafeString(f'<div class="{classes}">\n  {body}{help_text}{shown_errors}\n</div>\n')
