"""Helpers for the lead tests: a tenant's live source by code, the API's addresses, and the
create and edit forms as the pages submit them."""

from crm.models import LeadSource

URL = "/api/v1/leads/"


def detail(lead):
    return f"{URL}{lead.pk}/"


def source(tenant, code):
    return LeadSource.objects.get(tenant=tenant, source_code=code, deleted_at__isnull=True)


def new_lead(**fields) -> dict:
    """The create form as the page submits it: selects always send a value."""
    return {"status": "NEW", "source": "WEBSITE", "call_attempts": 0, **fields}


def edit_data(lead, **changes) -> dict:
    """The edit form as the page fills it in, with `changes` applied."""
    data = {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "company": lead.company,
        "job_title": lead.job_title,
        "status": lead.status,
        "source": lead.source.source_code,
        "sub_source": lead.sub_source_id or "",
        "channel": lead.channel.channel_code if lead.channel else "",
        "assigned_to": lead.assigned_to_id or "",
        "lead_score": lead.lead_score,
        "call_attempts": lead.call_attempts,
        "tags": ", ".join(lead.tag_names()),
        "notes": lead.notes,
    }
    return {**data, **changes}
