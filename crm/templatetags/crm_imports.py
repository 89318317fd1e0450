"""The import pages' numbers: counts with thousands separators ("1,234"), whatever the locale
settings say, as the pages' questions write them ("Import 1,234 customers?")."""

from django import template

register = template.Library()


@register.filter
def thousands(value) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""


@register.simple_tag(takes_context=True)
def may_import(context) -> bool:
    """Whether the signed-in member may import files (admins and managers; agents may not)."""
    from ..views.imports import may_import as member_may_import

    request = context.get("request")
    return bool(request is not None and member_may_import(request))
