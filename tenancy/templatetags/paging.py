"""The capped counts of list pages (tenancy.pagination) in words."""

from django import template

from ..pagination import count_figure as figure

register = template.Library()


@register.filter
def count_figure(paginator) -> str:
    """`{{ page_obj.paginator|count_figure }}`: "1234", or "10,000+" when the count stopped."""
    return figure(paginator)
