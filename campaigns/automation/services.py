"""Trigger writes: create, update, delete. Managers and admins (and the operator); the
condition (with `event.<key>`), the actions and the numbers are checked before saving."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from tenancy.actors import Actor, actor_user
from tenancy.events import clean_event_type
from tenancy.models import Tenant
from tenancy.services.common import assign_fields, save_validated

from ..models import CampaignTrigger
from ..models.automation import MAX_DELAY_MINUTES
from ..services.campaigns import require_campaign_writer
from .actions import clean_actions
from .conditions import check_trigger_condition

TRIGGER_FIELDS = (
    "name",
    "campaign",
    "event_type",
    "conditions",
    "delay_minutes",
    "is_active",
    "max_per_customer",
    "actions",
)
MAX_PER_CUSTOMER = 1000


def _check(trigger: CampaignTrigger) -> None:
    tenant = trigger.tenant
    errors: dict[str, list[str]] = {}
    if trigger.campaign_id is not None and trigger.campaign.tenant_id != tenant.pk:
        errors["campaign"] = ["Unknown campaign."]
    name = trigger.name.strip() if isinstance(trigger.name, str) else ""
    if not name:
        errors["name"] = ["Give the trigger a name."]
    elif "\x00" in name:
        errors["name"] = ["Null characters are not allowed."]
    trigger.name = name
    try:
        trigger.event_type = clean_event_type(trigger.event_type)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        check_trigger_condition(trigger.conditions, tenant=tenant)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        trigger.actions = clean_actions(trigger.actions, tenant=tenant)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    delay = trigger.delay_minutes
    if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= MAX_DELAY_MINUTES:
        errors["delay_minutes"] = [f"A whole number of minutes from 0 to {MAX_DELAY_MINUTES}."]
    cap = trigger.max_per_customer
    if cap is not None and (
        isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_PER_CUSTOMER
    ):
        errors["max_per_customer"] = [
            f"A whole number from 1 to {MAX_PER_CUSTOMER}, or empty for no limit."
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def trigger_create(*, tenant: Tenant, by: Actor, data: dict[str, Any]) -> CampaignTrigger:
    require_campaign_writer(by, tenant=tenant)
    trigger = CampaignTrigger(tenant=tenant, created_by=actor_user(by))
    assign_fields(trigger, dict(data), allowed=TRIGGER_FIELDS)
    if trigger.campaign_id is None:
        raise ValidationError({"campaign": ["Choose the campaign."]})
    _check(trigger)
    save_validated(trigger)
    return trigger


@transaction.atomic
def trigger_update(*, trigger: CampaignTrigger, by: Actor, data: dict[str, Any]) -> CampaignTrigger:
    require_campaign_writer(by, tenant=trigger.tenant)
    try:
        assign_fields(trigger, dict(data), allowed=TRIGGER_FIELDS)
        _check(trigger)
        save_validated(trigger)
    except ValidationError:
        trigger.refresh_from_db()
        raise
    return trigger


@transaction.atomic
def trigger_delete(*, trigger: CampaignTrigger, by: Actor) -> None:
    """Deletes the trigger and its run log."""
    require_campaign_writer(by, tenant=trigger.tenant)
    trigger.delete()
