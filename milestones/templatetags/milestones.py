from django import template

from ..models import MilestoneStatus
from ..selectors.timeline import SlaState
from ..views import timeline_context

register = template.Library()

SLA_LABELS = {
    SlaState.ON_TIME: "On time",
    SlaState.BREACHED: "SLA breached",
    SlaState.OPEN_ON_TIME: "Open, on time",
    SlaState.OPEN_OVERDUE: "Overdue",
}


@register.inclusion_tag("milestones/_timeline.html", takes_context=True)
def lead_timeline(context, lead):
    """The lead's milestone timeline with SLA badges, its next step and the record form."""
    return timeline_context(context["request"], lead)


@register.filter
def sla_label(state: str | None) -> str:
    return SLA_LABELS.get(state, "No SLA")


@register.filter
def status_label(status: str | None) -> str:
    """A milestone status for people; "expected" is a next step not recorded yet."""
    if status in MilestoneStatus.values:
        return MilestoneStatus(status).label.lower()
    return "not recorded yet" if status == "expected" else ""
