"""A trigger's actions: what they look like, how they are checked when the trigger is saved,
and how one is carried out for one run through the existing services.

    {"type": "send"}                                   the campaign's content to the customer
    {"type": "add_tag", "tag": "vip"}                  / {"type": "remove_tag", "tag": "vip"}
    {"type": "set_field", "field": "<custom key>", "value": …}
    {"type": "create_task", "note": "Call about the order", "due_in_days": 2}
    {"type": "request_callback", "reason": "sales_inquiry"}   (a callback reason; default other)
    {"type": "assign_lead", "agent": <user id of an active member>}

The actions run as the automation (an operator actor: the trigger's writer was checked when
it was saved). Each run's actions happen once: the run's unique key guards them. `send` goes
through the campaign's sending path (one execution per campaign, customer and channel: a
customer gets a campaign's message once, so a second firing records "already sent").
A task is assigned to the campaign's creator when they are still an active member, else left
unassigned. `assign_lead` assigns the lead the event names in its data (`lead`: an id).

A batch's tags, values and sends are carried out set-based across its runs (.firing); this
per-run path serves the other actions, and a value the set-based path refuses."""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from callbacks.models.choices import CallbackReason, CallbackSource
from callbacks.services.requests import callback_create
from crm.models import Customer, Lead
from crm.services.customers import customer_update
from crm.services.leads import lead_assign
from crm.services.notes import note_create
from crm.services.tags import clean_tag_names, set_customer_tags
from customfields.services.values import active_definitions
from tenancy.actors import Operator
from tenancy.models import Membership, Tenant

from ..models import CampaignTrigger
from ..models.automation import MAX_ACTIONS

AUTOMATION = Operator(name="automation")

ACTION_LABELS = {
    "send": "Send the campaign's message",
    "add_tag": "Add a tag",
    "remove_tag": "Remove a tag",
    "set_field": "Set a custom field",
    "create_task": "Create a task",
    "request_callback": "Request a callback",
    "assign_lead": "Assign the event's lead",
}
KEYS = {
    "send": set(),
    "add_tag": {"tag"},
    "remove_tag": {"tag"},
    "set_field": {"field", "value"},
    "create_task": {"note", "due_in_days"},
    "request_callback": {"reason"},
    "assign_lead": {"agent"},
}
REQUIRED = {
    "add_tag": {"tag"},
    "remove_tag": {"tag"},
    "set_field": {"field"},
    "create_task": {"note"},
    "assign_lead": {"agent"},
}
TEXT_MAX = 500


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"Give the {what}.")
    if "\x00" in value:
        raise ValueError("Null characters are not allowed.")
    if len(value) > TEXT_MAX:
        raise ValueError(f"The {what} has at most {TEXT_MAX} characters.")
    return value.strip()


def _clean_one(action: Any, tenant: Tenant) -> dict:
    if not isinstance(action, dict):
        raise ValueError('Each action is an object such as {"type": "send"}.')
    kind = action.get("type")
    if kind not in KEYS:
        raise ValueError(f"Unknown action type; use one of {', '.join(KEYS)}.")
    extra = set(action) - KEYS[kind] - {"type"}
    if extra:
        raise ValueError(f"{kind} does not take {', '.join(sorted(extra))}.")
    missing = REQUIRED.get(kind, set()) - set(action)
    if missing:
        raise ValueError(f"{kind} needs {', '.join(sorted(missing))}.")
    out: dict[str, Any] = {"type": kind}
    if kind in ("add_tag", "remove_tag"):
        name = _text(action["tag"], "tag's name")
        try:
            (out["tag"],) = clean_tag_names([name])
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from None
    elif kind == "set_field":
        key = action["field"]
        if not isinstance(key, str) or key not in active_definitions(tenant):
            raise ValueError("Name one of the tenant's active custom fields.")
        value = action.get("value")
        if isinstance(value, str) and ("\x00" in value or len(value) > TEXT_MAX):
            raise ValueError(f"Give a value of at most {TEXT_MAX} characters, no null characters.")
        if not (value is None or isinstance(value, str | int | float | bool)):
            raise ValueError("Give a text, number, true/false or null value.")
        out.update(field=key, value=value)
    elif kind == "create_task":
        out["note"] = _text(action["note"], "task's text")
        days = action.get("due_in_days", 0)  # due the day it fires unless told
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
            raise ValueError("due_in_days is a whole number from 0 to 365.")
        out["due_in_days"] = days
    elif kind == "request_callback":
        reason = action.get("reason") or CallbackReason.OTHER
        if reason not in CallbackReason.values:
            raise ValueError(f"reason is one of {', '.join(CallbackReason.values)}.")
        out["reason"] = reason
    elif kind == "assign_lead":
        agent = action["agent"]
        if (
            isinstance(agent, bool)
            or not isinstance(agent, int)
            or not Membership.objects.filter(tenant=tenant, user_id=agent, is_active=True).exists()
        ):
            raise ValueError("Give the user id of an active member of the tenant.")
        out["agent"] = agent
    return out


def clean_actions(actions: Any, *, tenant: Tenant) -> list[dict]:
    """The actions as stored, or ValidationError({"actions": ["actions[1]: why"]})."""
    if not isinstance(actions, list) or not actions:
        raise ValidationError({"actions": ["Give at least one action."]})
    if len(actions) > MAX_ACTIONS:
        raise ValidationError({"actions": [f"At most {MAX_ACTIONS} actions."]})
    cleaned, problems = [], []
    for index, action in enumerate(actions):
        try:
            cleaned.append(_clean_one(action, tenant))
        except ValueError as exc:
            problems.append(f"actions[{index}]: {exc}")
    if problems:
        raise ValidationError({"actions": problems})
    return cleaned


def describe(action: dict) -> str:
    """The action in words, for the pages."""
    kind = action.get("type")
    label = ACTION_LABELS.get(kind, str(kind))
    if kind in ("add_tag", "remove_tag"):
        return f"{label}: {action.get('tag')}"
    if kind == "set_field":
        return f"{label}: {action.get('field')} = {action.get('value')}"
    if kind == "create_task":
        return f"{label}: {action.get('note')}"
    if kind == "request_callback" and action.get("reason") in CallbackReason.values:
        return f"{label}: {CallbackReason(action['reason']).label.lower()}"
    if kind == "assign_lead":
        return f"{label} to user {action.get('agent')}"
    return label


def _task_assignee(trigger: CampaignTrigger) -> int | None:
    user_id = trigger.campaign.created_by_id
    if (
        user_id
        and Membership.objects.filter(
            tenant=trigger.tenant, user_id=user_id, is_active=True
        ).exists()
    ):
        return user_id
    return None


def run_action(
    action: dict, *, trigger: CampaignTrigger, customer: Customer, event_data: dict
) -> dict:
    """Carry out one non-send action for one customer (in a savepoint: a refused action leaves
    nothing behind). Answers {"type", "ok", "detail"}."""
    tenant, kind = trigger.tenant, action["type"]
    try:
        with transaction.atomic():
            detail = _run(kind, action, tenant, trigger, customer, event_data)
        return {"type": kind, "ok": True, "detail": detail}
    except ValidationError as exc:
        return {"type": kind, "ok": False, "detail": " ".join(exc.messages)[:500]}


def _run(kind, action, tenant, trigger, customer, event_data) -> str:
    if kind in ("add_tag", "remove_tag"):
        names = set(customer.tags.values_list("name", flat=True))
        before = set(names)
        names.add(action["tag"]) if kind == "add_tag" else names.discard(action["tag"])
        if names == before:
            return "No change."
        set_customer_tags(customer=customer, by=AUTOMATION, names=sorted(names))
        return "Tag added." if kind == "add_tag" else "Tag removed."
    if kind == "set_field":
        customer_update(
            customer=customer,
            by=AUTOMATION,
            data={},
            custom_fields={action["field"]: action["value"]},
            reason=f"Trigger {trigger.name}",
        )
        return "Field set."
    if kind == "create_task":
        data: dict[str, Any] = {
            "customer": customer,
            "note": action["note"],
            "is_task": True,
            "assigned_to": _task_assignee(trigger),
        }
        today = timezone.localtime(timezone.now(), tenant.tzinfo).date()
        data["due_date"] = today + timedelta(days=action.get("due_in_days") or 0)
        if data["assigned_to"] is not None:
            data["assigned_to"] = get_user_model().objects.get(pk=data["assigned_to"])
        note = note_create(tenant=tenant, by=AUTOMATION, data=data)
        return f"Task {note.pk} created."
    if kind == "request_callback":
        data = {
            "customer": customer,
            "reason": action.get("reason") or CallbackReason.OTHER,
            "source": CallbackSource.CAMPAIGN_RESPONSE,
        }
        callback = callback_create(tenant=tenant, by=AUTOMATION, data=data)
        return f"Callback {callback.pk} requested."
    if kind == "assign_lead":
        lead_id = event_data.get("lead")
        if isinstance(lead_id, bool) or not isinstance(lead_id, int):
            return "The event names no lead."
        if not Lead.objects.for_tenant(tenant).filter(pk=lead_id).exists():
            return "The event's lead is not one of the tenant's."
        lead_assign(tenant=tenant, by=AUTOMATION, lead_ids=[lead_id], agent_id=action["agent"])
        return f"Lead {lead_id} assigned."
    raise ValidationError({"actions": [f"Unknown action {kind}."]})
