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

Tags and custom values are also carried out set-based (`run_action_many`): when a trigger fired
for many customers in a batch, one tag or value is written to all of them in a handful of
statements (as crm's bulk edit does) instead of a service call — a dozen statements and a
score recomputation — per customer. Same rows, history and answers as one run at a time; a
batch the set-based path refuses (a value the field no longer takes, say) is done run by run,
so its messages are the per-run path's."""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from callbacks.models.choices import CallbackReason, CallbackSource
from callbacks.services.requests import callback_create
from crm.models import Customer, CustomerTag, Lead, Tag
from crm.models.tags import palette_color
from crm.selectors.scoring import score_expression
from crm.services import emits
from crm.services.customers import CUSTOMER_WRITE_ROLES, customer_update
from crm.services.leads import lead_assign
from crm.services.notes import note_create
from crm.services.reactions import customers_changed
from crm.services.tags import clean_tag_names, record_tag_changes, set_customer_tags
from customfields.services.values import active_definitions, clean_values, write_values_many
from tenancy.actors import Operator, require_role
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


# ---------------------------------------------------------------------------------------------
# Set-based: one action for all the runs of a trigger's batch

SET_BASED = ("add_tag", "remove_tag", "set_field")


def run_action_many(
    action: dict, *, trigger: CampaignTrigger, customers: list[Customer | None]
) -> list[dict | None]:
    """Carry out one tag or value action for the customers of a batch's runs, in run order
    (None: the run's customer is gone; it gets no result). Answers each run's result as
    `run_action` would have, one run after the other: a customer named twice is changed by
    the first run, and the second finds "No change."."""
    kind = action["type"]
    ids = [customer.pk for customer in customers if customer is not None]
    try:
        with transaction.atomic():
            if kind == "set_field":
                detail = _set_field_many(action, trigger, ids)
                return [
                    None if c is None else {"type": kind, "ok": True, "detail": detail}
                    for c in customers
                ]
            changed = _retag_many(kind, action["tag"], trigger.tenant, ids)
    except ValidationError:
        return [
            None
            if customer is None
            else run_action(action, trigger=trigger, customer=customer, event_data={})
            for customer in customers
        ]
    done = "Tag added." if kind == "add_tag" else "Tag removed."
    results: list[dict | None] = []
    for customer in customers:
        if customer is None:
            results.append(None)
            continue
        first = customer.pk in changed
        changed.discard(customer.pk)
        results.append({"type": kind, "ok": True, "detail": done if first else "No change."})
    return results


def _retag_many(kind: str, name: str, tenant: Tenant, ids: list[int]) -> set[int]:
    """Add (or remove) the tag on the customers; answers those whose tags changed."""
    ids = sorted(set(ids))
    if kind == "add_tag":
        Tag.objects.bulk_create(
            [Tag(tenant=tenant, name=name, color=palette_color(name))], ignore_conflicts=True
        )
    tag = Tag.objects.for_tenant(tenant).filter(name=name).first()
    if tag is None:  # removing a tag no one has
        return set()
    links = CustomerTag.objects.filter(tenant=tenant, tag=tag, customer_id__in=ids)
    had = set(links.values_list("customer_id", flat=True))
    if kind == "add_tag":
        changed = [pk for pk in ids if pk not in had]
        CustomerTag.objects.bulk_create(
            [CustomerTag(tenant=tenant, customer_id=pk, tag=tag) for pk in changed],
            ignore_conflicts=True,
        )
    else:
        changed = sorted(had)
        if changed:
            links.delete()
    if changed:
        record_tag_changes(
            tenant=tenant,
            customer_ids=changed,
            name=name,
            added=kind == "add_tag",
            by=AUTOMATION,
            at=timezone.now(),
        )
    return set(changed)


def _set_field_many(action: dict, trigger: CampaignTrigger, ids: list[int]) -> str:
    """customer_update's custom-value path for many customers: the value checked once, written
    to those whose value differs (with their history), every one's updated time bumped, the
    changed ones rescored, then their rules and segments."""
    tenant = trigger.tenant
    require_role(AUTOMATION, tenant=tenant, roles=CUSTOMER_WRITE_ROLES)
    ids = sorted(set(ids))
    definitions = active_definitions(tenant)
    key = action["field"]
    cleaned = clean_values(
        definitions=definitions, values={key: action["value"]}, require_all=False
    )
    now = timezone.now()
    reason = f"Trigger {trigger.name}"
    mark = emits.history_mark()
    changed = write_values_many(
        tenant=tenant,
        definitions=definitions,
        cleaned=cleaned,
        customer_ids=ids,
        by=AUTOMATION,
        reason=reason,
    )
    if changed:  # as customer_update: field_changed per value, customer_updated per customer
        emits.fields_changed_since(
            tenant=tenant, customer_ids=sorted(changed), mark=mark, reason=reason, fields=[key]
        )
    unchanged = [pk for pk in ids if pk not in changed]
    if unchanged:  # as customer_update: saved (updated_at) and announced with nothing read
        Customer.objects.filter(tenant=tenant, pk__in=unchanged).update(updated_at=now)
        customers_changed(tenant=tenant, customer_ids=unchanged, by=AUTOMATION, fields=set())
    if changed:
        score = score_expression(tenant=tenant, definitions=definitions, now=now)
        Customer.objects.filter(tenant=tenant, pk__in=sorted(changed)).update(
            updated_at=now, crm_score=score
        )
        customers_changed(
            tenant=tenant,
            customer_ids=changed,
            by=AUTOMATION,
            fields={f"custom.{key}", "crm_score"},
        )
    return "Field set."
