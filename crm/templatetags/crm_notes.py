"""The notes panel of the customer and lead pages, and the navigation's count of the member's
tasks due today or before."""

from django import template

from ..selectors.notes import due_task_count
from ..views.tasks import notes_panel_context

register = template.Library()


@register.inclusion_tag("crm/notes/_panel.html", takes_context=True)
def notes_panel(context, customer=None, lead=None):
    """`{% notes_panel customer=customer %}` or `{% notes_panel lead=lead %}`."""
    return notes_panel_context(context["request"], customer=customer, lead=lead)


@register.inclusion_tag("crm/tasks/_badge.html", takes_context=True)
def task_badge(context, oob=False):
    """The count of the member's open tasks due today or before (none outside a tenant);
    `oob=True` in an htmx answer replaces the navigation's copy."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    count = 0
    if membership is not None:
        count = due_task_count(tenant=request.tenant, membership=membership)
    return {"count": count, "oob": oob}
