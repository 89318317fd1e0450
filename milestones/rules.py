"""What a lead milestone may hold and where its status may move: the type's rules and the status
graph, as plain functions without queries.

The services enforce them before they write (milestones.services.lead_milestones); the pages ask
`allowed_moves` which status buttons to offer, so a page never offers a move the service would
refuse.

A status moves pending → in_progress → completed / skipped / failed and no other way (the graph
is `NEXT_STATUSES` in milestones.models); a mandatory type is never skipped. A type records a
location, notes or documents only where it allows them.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from .models import NEXT_STATUSES, LeadMilestone, MilestoneStatus, MilestoneType

LOCATION_FIELDS = ("location_latitude", "location_longitude", "location_name")
MAX_DOCUMENTS = 20
MAX_URL_LENGTH = 500
STATUS_GRAPH = "pending → in_progress → completed, skipped or failed"
_url = URLValidator(schemes=["http", "https"])


def status_move_error(old: str, new: str) -> str | None:
    """Why the status graph refuses the move `old` → `new` (None: staying put or a move of the
    graph)."""
    if new not in MilestoneStatus.values:
        return f"'{new}' is not a milestone status."
    if new == old:
        return None
    if new not in NEXT_STATUSES[MilestoneStatus(old)]:
        return f"A milestone moves {STATUS_GRAPH}; {old} cannot become {new}."
    return None


def type_status_error(milestone_type: MilestoneType, status: str) -> str | None:
    """Why a milestone of the type cannot have `status`: a mandatory type is never skipped."""
    if status == MilestoneStatus.SKIPPED and milestone_type.is_mandatory:
        return f"{milestone_type.type_code} is mandatory and cannot be skipped."
    return None


def allowed_moves(milestone: LeadMilestone) -> tuple[str, ...]:
    """The statuses the milestone may move to now: its next ones in the status graph that its
    type allows."""
    return tuple(
        status
        for status in milestone.next_statuses()
        if type_status_error(milestone.milestone_type, status) is None
    )


def documents_error(urls: Any) -> str | None:
    """What is wrong with a list of document URLs (None: nothing)."""
    if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
        return "Give the documents as a list of URLs."
    if len(urls) > MAX_DOCUMENTS:
        return f"At most {MAX_DOCUMENTS} documents."
    for url in urls:
        try:
            _url(url)
        except ValidationError:
            return f"'{url[:80]}' is not an http(s) URL."
        if len(url) > MAX_URL_LENGTH:
            return f"URLs are at most {MAX_URL_LENGTH} characters."
    return None


def type_rule_errors(milestone: LeadMilestone, *, today: date) -> dict[str, list[str]]:
    """What the milestone's type and status forbid in it, by field: a location, notes or
    documents its type does not take, half a position, metadata that is not an object, a skipped
    mandatory type, a closed milestone dated after `today`."""
    errors: dict[str, list[str]] = {}
    type_ = milestone.milestone_type
    code = type_.type_code
    if not type_.allows_location:
        for name in LOCATION_FIELDS:
            if getattr(milestone, name) not in (None, ""):
                errors[name] = [f"{code} milestones do not record a location."]
    if (milestone.location_latitude is None) != (milestone.location_longitude is None):
        name = "location_longitude" if milestone.location_longitude is None else "location_latitude"
        errors.setdefault(name, []).append("Give both latitude and longitude, or neither.")
    if milestone.notes and not type_.allows_notes:
        errors["notes"] = [f"{code} milestones do not take notes."]
    documents = milestone.document_urls
    if documents and not type_.allows_attachment:
        errors["document_urls"] = [f"{code} milestones do not take documents."]
    elif documents is not None and (problem := documents_error(documents)):
        errors["document_urls"] = [problem]
    if not isinstance(milestone.metadata, dict):
        errors["metadata"] = ["Give metadata as a JSON object."]
    if problem := type_status_error(type_, milestone.status):
        errors["status"] = [problem]
    if (
        milestone.status not in (MilestoneStatus.PENDING, MilestoneStatus.IN_PROGRESS)
        and milestone.achieved_date
        and milestone.achieved_date > today
    ):
        errors["achieved_date"] = [
            f"A {milestone.get_status_display().lower()} milestone cannot be dated after today "
            f"({today.isoformat()})."
        ]
    return errors
