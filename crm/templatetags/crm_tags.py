"""Tags shown as chips in their colours: `{% tag_chip name color %}` for one tag known with its
colour, `{% tag_chips names %}` for a list of names (a customer's or a lead's), whose colours
are read once per request for the whole page; `{% shown_value kind value %}` for one value of a
customer table cell or profile, by its kind."""

from django import template
from django.template.defaultfilters import date, floatformat, yesno
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from ..models import Tag

register = template.Library()

# The request attribute holding the page's {name: colour}: one query per request, no state
# beyond it.
COLOURS_ATTR = "_crm_tag_colours"


def _chip(name: str, color: str | None):
    if not color:
        return format_html('<span class="tag">{}</span>', name)
    return format_html('<span class="tag tag-chip" style="--tag-colour: {}">{}</span>', color, name)


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


@register.simple_tag(takes_context=True)
def shown_value(context, kind: str, value):
    """One value shown by its kind (a custom field's type, or a core column's: tags, datetime):
    a tag rather than an include, as a customer table renders one per cell."""
    if value is None or value == "":
        return EMPTY
    if kind == "boolean":
        return yesno(value, "Yes,No")
    if kind == "date":
        day = date(value, "Y-m-d")
        return format_html('<time datetime="{}">{}</time>', day, day)
    if kind == "datetime":
        value = template_localtime(value, use_tz=context.use_tz)
        return format_html(
            '<time datetime="{}">{}</time>', date(value, "c"), date(value, "Y-m-d H:i")
        )
    if kind == "number":
        return floatformat(value, "-2g")
    if kind in LINKS:
        return format_html('<a href="{}{}">{}</a>', LINKS[kind], value, value)
    if kind == "url":
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', value, value)
    if kind == "tags":
        return tag_chips(context, value)
    return value  # escaped by the template engine
