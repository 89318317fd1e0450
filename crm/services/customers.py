"""Writes for customers: core fields, tags and custom values in one transaction, with the
custom values validated and recorded by the customfields value service; deleting; converting a
lead.

Who may write: every active member of the customer's tenant (admins, managers, agents) and the
operator; converting a lead also needs the lead to be one the member may write. Each service
checks it for its actor `by`."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from customfields.models import FieldHistory
from customfields.services.values import active_definitions, clean_values, write_values
from tenancy.actors import Actor, actor_user, require_role
from tenancy.models import Role, Tenant
from tenancy.services.common import assign_fields, full_clean_once, reverted_on_refusal
from tenancy.validators import FIELD_VALUE_MAX_LENGTH

from ..conditions import CUSTOM_PREFIX
from ..models import ActivityKind, Customer, CustomerNote, Lead
from . import emits, reactions
from .leads import lead_log_activity, require_lead_access
from .notes import NOTE_ACTIVITY  # at call time: reactions imports the rules, which import these
from .scoring import customer_score_refresh
from .tags import clean_tag_names, set_customer_tags

# Who may create, change and delete customers: every member (customers are not per agent).
CUSTOMER_WRITE_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT)

# Kept by the services, never written by hand: the score (crm.selectors.scoring) and the
# interaction counters (crm.services.scoring.customer_record_interaction).
CUSTOMER_COMPUTED_FIELDS = ("crm_score", "last_contacted_at", "total_interactions")
# Every core column, in the order the API and the admin show them.
CUSTOMER_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "description",
    "crm_score",
    "last_contacted_at",
    "total_interactions",
    "total_purchases",
    "total_spent",
)
# What a member writes. Purchases stay writable: Atrium has no orders, so typing the count and
# the amount is the only way a purchase is recorded; the score follows them.
CUSTOMER_FIELDS = tuple(name for name in CUSTOMER_COLUMNS if name not in CUSTOMER_COMPUTED_FIELDS)
# Core fields the score reads (custom values count too).
SCORE_INPUTS = frozenset({"total_purchases"})


def nest_custom_errors(exc: ValidationError) -> dict[str, list[str]]:
    """{field_key: [...]} from the value service -> {"custom_fields.<key>": [...]}, the form
    every way in understands (the API nests it under "custom_fields")."""
    return {f"custom_fields.{key}": messages for key, messages in exc.message_dict.items()}


def _shown(value: Any) -> str | None:
    if value is None or value == "":
        return None
    text = str(value)
    if len(text) > FIELD_VALUE_MAX_LENGTH:
        text = text[: FIELD_VALUE_MAX_LENGTH - 1] + "…"
    return text


def core_history(
    customer: Customer, changes: Mapping[str, tuple], *, by: Actor, reason: str
) -> list[FieldHistory]:
    """Field-history rows for changed core fields (the custom values' rows come from the value
    service): the same record, so the timeline and the history list show both."""
    user = actor_user(by)
    return [
        FieldHistory(
            tenant=customer.tenant,
            customer=customer,
            definition=None,
            field_key=name,
            field_label=str(Customer._meta.get_field(name).verbose_name).capitalize(),
            old_value=_shown(old),
            new_value=_shown(new),
            changed_by=user,
            reason=reason,
        )
        for name, (old, new) in changes.items()
        if _shown(old) != _shown(new)
    ]


def _save(
    customer: Customer,
    *,
    by: Actor,
    tags: Iterable[str] | None,
    custom_fields: Mapping[str, Any] | None,
    require_all: bool,
    reason: str,
    changed: Mapping[str, tuple] | None = None,
    event_data: dict | None = None,
) -> Customer:
    """Validate core fields, tags and custom values together (every problem reported at once),
    then save the customer, its tags and the history of its custom values.

    `changed` (an update): the core fields that changed, {name: (old, new)}. Then only they and
    the custom values that changed are validated and written (a customer has ~110 columns, and
    validating and writing them all made an update ~8 ms of Python for one field), and the core
    changes join the field history."""
    errors: dict[str, list[str]] = {}
    definitions = active_definitions(customer.tenant)
    history: list[FieldHistory] = []
    tag_names = None
    try:
        tag_names = clean_tag_names(tags) if tags is not None else None
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        cleaned = clean_values(
            definitions=definitions, values=custom_fields or {}, require_all=require_all
        )
        history = write_values(
            customer=customer,
            definitions=definitions,
            cleaned=cleaned,
            by=by,
            reason=reason,
        )
    except ValidationError as exc:
        errors.update(nest_custom_errors(exc))
    touched = None
    if changed is not None:
        touched = {*changed, "updated_at"}
        touched.update(h.definition.mapped_field_name or "custom_fields_extra" for h in history)
    try:
        if touched is None:
            full_clean_once(customer)
        else:
            full_clean_once(
                customer, exclude=[f.name for f in Customer._meta.fields if f.name not in touched]
            )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    customer.save(update_fields=touched)
    if changed is None:
        emits.customer_created(tenant=customer.tenant, customer_id=customer.pk, data=event_data)
    if tag_names is not None:
        set_customer_tags(customer=customer, by=by, names=tag_names)
    rescore = changed is None or bool(history) or bool(SCORE_INPUTS.intersection(changed))
    # What rules and segments may read that changed (an update; a new customer: everything).
    fields = None
    if changed is not None:
        fields = {*changed, *(f"{CUSTOM_PREFIX}{h.field_key}" for h in history)}
        fields |= {"tags"} if tag_names is not None else set()
        fields |= {"crm_score"} if rescore else set()
    if changed:
        history += core_history(customer, changed, by=by, reason=reason)
    FieldHistory.objects.bulk_create(history)
    if changed is not None:
        emits.customer_fields_changed(
            tenant=customer.tenant, customer_id=customer.pk, history=history
        )
    if rescore:
        customer_score_refresh(customer, definitions=definitions)
    reactions.customers_changed(
        tenant=customer.tenant, customer_ids=[customer.pk], by=by, fields=fields
    )
    return customer


@transaction.atomic
def customer_create(
    *,
    tenant: Tenant,
    by: Actor,
    data: Mapping[str, Any],
    tags: Iterable[str] = (),
    custom_fields: Mapping[str, Any] | None = None,
) -> Customer:
    """Every active required custom field must have a value."""
    return _create(tenant=tenant, by=by, data=data, tags=tags, custom_fields=custom_fields)


def _create(
    *,
    tenant: Tenant,
    by: Actor,
    data: Mapping[str, Any],
    tags: Iterable[str],
    custom_fields: Mapping[str, Any] | None,
    event_data: dict | None = None,
) -> Customer:
    require_role(by, tenant=tenant, roles=CUSTOMER_WRITE_ROLES)
    customer = Customer(tenant=tenant, created_by=actor_user(by))
    assign_fields(customer, dict(data), allowed=CUSTOMER_FIELDS)
    return _save(
        customer,
        by=by,
        tags=tags,
        custom_fields=custom_fields,
        require_all=True,
        reason="created",
        event_data=event_data,
    )


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    by: Actor,
    data: Mapping[str, Any],
    tags: Iterable[str] | None = None,
    custom_fields: Mapping[str, Any] | None = None,
    reason: str = "",
) -> Customer:
    """Only the custom values given change; a required one cannot be emptied."""
    require_role(by, tenant=customer.tenant, roles=CUSTOMER_WRITE_ROLES)
    changes = assign_fields(customer, dict(data), allowed=CUSTOMER_FIELDS)
    with reverted_on_refusal(customer):
        return _save(
            customer,
            by=by,
            tags=tags,
            custom_fields=custom_fields,
            require_all=False,
            reason=reason,
            changed=changes,
        )


def customer_capture_field(*, customer: Customer, by: Actor, field_key: str, text: str) -> Customer:
    """A chatbot step's raw answer, coerced by the field's type and stored as "captured"
    (customer_update checks the actor)."""
    return customer_update(
        customer=customer, by=by, data={}, custom_fields={field_key: text}, reason="captured"
    )


@transaction.atomic
def customer_delete(*, customer: Customer, by: Actor) -> None:
    """Delete the customer; its tags and custom-value history go with it, its leads stay, no
    longer linked to a customer."""
    require_role(by, tenant=customer.tenant, roles=CUSTOMER_WRITE_ROLES)
    customer.delete()


@transaction.atomic
def lead_convert(
    *,
    lead: Lead,
    by: Actor,
    custom_fields: Mapping[str, Any] | None = None,
) -> Customer:
    """Make a customer of the lead (its contact details and tags) and link the two; the
    lead's notes and tasks show on the customer from then on."""
    require_lead_access(lead=lead, by=by)
    require_role(by, tenant=lead.tenant, roles=CUSTOMER_WRITE_ROLES)
    if lead.customer_id is not None:
        raise ValidationError({"detail": ["This lead has already been converted."]})
    if lead.is_archived:
        raise ValidationError({"detail": ["This lead is archived; restore it first."]})
    customer = _create(
        tenant=lead.tenant,
        by=by,
        data={
            "first_name": lead.first_name,
            "last_name": lead.last_name,
            "email": lead.email,
            "phone": lead.phone,
            "company": lead.company,
        },
        tags=lead.tag_names(),
        custom_fields=custom_fields,
        event_data={"lead": lead.pk},
    )
    lead.customer = customer
    lead.save(update_fields=["customer", "updated_at"])
    # The lead's notes and tasks become the customer's too (they keep their lead).
    if CustomerNote.objects.filter(tenant=lead.tenant, lead=lead, customer=None).update(
        customer=customer
    ):
        reactions.customers_changed(
            tenant=lead.tenant, customer_ids=[customer.pk], by=by, fields=NOTE_ACTIVITY
        )
    lead_log_activity(
        lead,
        by=by,
        kind=ActivityKind.UPDATED,
        message=f"Converted to customer {customer.full_name} (#{customer.pk}).",
        changes={"customer": [None, customer.pk]},
    )
    return customer
