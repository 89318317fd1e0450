"""Carrying out the actions of many runs at once: the runs a batch fired (or the scheduled runs
that came due), of any number of triggers, grouped by what they do instead of one service
call per run.

The runs come in trigger order (pk), each trigger's runs in event order; each run's result
list follows its trigger's actions. What a customer sees is what one run after the other
would have done, with these differences, all within one call:
- tags: the adds and removes of every run are played in order on the customers' tags, and
  only the end state is written — one write per tag for all its customers. A tag added by one
  trigger and removed by a later one for the same customer is neither (no timeline rows, no
  tag_added/tag_removed events); each run's result says what its step did ("Tag added.",
  "No change.");
- values: for each customer and field the last run's value is written, with the history row
  and events of that one change (the earlier runs' results still say "Field set.");
- the kinds go in this order: tags, values, messages, then tasks, callbacks and lead
  assignments (through their services one run at a time, in run order).
A value the field no longer takes is tried through the per-run path, so its message is that
path's; sends make one execution per (campaign, customer, channel) as before, so a second
run for the same customer and campaign records "Already sent"."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import Customer, CustomerTag, Tag
from crm.models.tags import palette_color
from crm.selectors.scoring import score_expression
from crm.services import emits
from crm.services.customers import CUSTOMER_WRITE_ROLES
from crm.services.reactions import customers_changed
from crm.services.tags import record_tag_changes
from customfields.services.values import active_definitions, clean_values, write_values_each
from tenancy.actors import require_role
from tenancy.models import Tenant

from ..models import CampaignTrigger
from ..services.launch import create_executions_for, enqueue_sending, message_channels_of
from .actions import AUTOMATION, run_action

ALREADY_SENT = "Already sent: a customer gets a campaign's message once."


@dataclass
class Job:
    """One run to carry out: its trigger, customer and event data; `results` filled in."""

    trigger: CampaignTrigger
    customer_id: int
    data: dict
    results: list[dict | None] = field(default_factory=list)


def fire_many(*, tenant: Tenant, jobs: Sequence[Job]) -> None:
    """Carry out the actions of `jobs` (each freshly inserted or claimed, so once) and set each
    job's `results` ({"type", "ok", "detail"} per action of its trigger, in order)."""
    steps: dict[str, list[tuple[Job, int, dict]]] = defaultdict(list)
    position = {}
    for job in jobs:
        job.results = [None] * len(job.trigger.actions)
        position.setdefault(job.trigger.pk, len(position))
    ordered = sorted(
        (
            (position[job.trigger.pk], index, n, job, action)
            for n, job in enumerate(jobs)
            for index, action in enumerate(job.trigger.actions)
        ),
        key=lambda step: step[:3],
    )
    for _, index, _, job, action in ordered:
        kind = action.get("type")
        steps["tag" if kind in ("add_tag", "remove_tag") else kind].append((job, index, action))
    if steps["tag"]:
        _tags(tenant, steps.pop("tag"))
    if steps["set_field"]:
        _values(tenant, steps.pop("set_field"))
    if steps["send"]:
        _sends(steps.pop("send"))
    rest = [step for kind, group in steps.items() for step in group]
    rest.sort(key=lambda step: (position[step[0].trigger.pk], step[1]))
    if rest:
        customers = Customer.objects.for_tenant(tenant).in_bulk(
            {job.customer_id for job, _, _ in rest}
        )
        for job, index, action in rest:
            customer = customers.get(job.customer_id)
            if customer is not None:
                job.results[index] = run_action(
                    action, trigger=job.trigger, customer=customer, event_data=job.data
                )
    for job in jobs:
        job.results = [result for result in job.results if result is not None]


def _tags(tenant: Tenant, steps: list[tuple[Job, int, dict]]) -> None:
    names = {action["tag"] for _, _, action in steps}
    ids = {job.customer_id for job, _, _ in steps}
    had = set(
        CustomerTag.objects.filter(tenant=tenant, customer_id__in=ids, tag__name__in=names)
        .values_list("customer_id", "tag__name")
        .order_by()
    )
    now = set(had)
    for job, index, action in steps:
        key, kind = (job.customer_id, action["tag"]), action["type"]
        if kind == "add_tag":
            changed = key not in now
            now.add(key)
            done = "Tag added."
        else:
            changed = key in now
            now.discard(key)
            done = "Tag removed."
        job.results[index] = {"type": kind, "ok": True, "detail": done if changed else "No change."}
    for name in sorted(names):
        added = sorted(pk for pk, tag in now - had if tag == name)
        removed = sorted(pk for pk, tag in had - now if tag == name)
        if added:
            _retag(tenant, name, added, add=True)
        if removed:
            _retag(tenant, name, removed, add=False)


def _retag(tenant: Tenant, name: str, ids: list[int], *, add: bool) -> None:
    """Add the tag to (or remove it from) these customers, who lack (or have) it, as crm's
    bulk tag edit does: the links, then the timeline rows and events."""
    if add:
        Tag.objects.bulk_create(
            [Tag(tenant=tenant, name=name, color=palette_color(name))], ignore_conflicts=True
        )
    tag = Tag.objects.for_tenant(tenant).get(name=name)
    if add:
        CustomerTag.objects.bulk_create(
            [CustomerTag(tenant=tenant, customer_id=pk, tag=tag) for pk in ids],
            ignore_conflicts=True,
        )
    else:
        CustomerTag.objects.filter(tenant=tenant, tag=tag, customer_id__in=ids).delete()
    record_tag_changes(
        tenant=tenant, customer_ids=ids, name=name, added=add, by=AUTOMATION, at=timezone.now()
    )


def _values(tenant: Tenant, steps: list[tuple[Job, int, dict]]) -> None:
    """customer_update's custom-value path for many customers and values: each (trigger,
    field, value) checked once; each customer's last value per field written with its history
    (write_values_each: one write for all); every named customer's updated time bumped, the changed
    ones rescored, then their rules and segments — once for all."""
    require_role(AUTOMATION, tenant=tenant, roles=CUSTOMER_WRITE_ROLES)
    definitions = active_definitions(tenant)
    cleaned: dict[tuple[str, Any], dict | None] = {}
    last: dict[tuple[int, str], tuple[Job, dict]] = {}
    for job, index, action in steps:
        key = (action["field"], _hashable(action["value"]))
        if key not in cleaned:
            try:
                cleaned[key] = clean_values(
                    definitions=definitions,
                    values={action["field"]: action["value"]},
                    require_all=False,
                )
            except ValidationError:
                cleaned[key] = None
        if cleaned[key] is None:  # refused: the per-run path says why, and writes nothing
            customer = Customer.objects.for_tenant(tenant).filter(pk=job.customer_id).first()
            if customer is not None:
                job.results[index] = run_action(
                    action, trigger=job.trigger, customer=customer, event_data=job.data
                )
            continue
        job.results[index] = {"type": "set_field", "ok": True, "detail": "Field set."}
        last[(job.customer_id, action["field"])] = (job, action)
    if not last:
        return
    values: dict[int, dict[str, Any]] = defaultdict(dict)
    reasons: dict[tuple[int, str], str] = {}
    for (customer_id, key), (job, action) in last.items():
        values[customer_id][key] = cleaned[(key, _hashable(action["value"]))][key]
        reasons[(customer_id, key)] = f"Trigger {job.trigger.name}"
    now = timezone.now()
    history = write_values_each(
        tenant=tenant, definitions=definitions, values=values, by=AUTOMATION, reason=reasons
    )
    # As customer_update: customer_updated per customer, field_changed per value.
    emits.customers_fields_changed(tenant=tenant, history=history)
    changed = {row.customer_id for row in history}
    named = {customer_id for customer_id, _ in last}
    unchanged = sorted(named - changed)
    if unchanged:  # as customer_update: saved (updated_at) and announced with nothing read
        Customer.objects.filter(tenant=tenant, pk__in=unchanged).update(updated_at=now)
        customers_changed(tenant=tenant, customer_ids=unchanged, by=AUTOMATION, fields=set())
    if changed:
        score = score_expression(tenant=tenant, definitions=definitions, now=now)
        Customer.objects.filter(tenant=tenant, pk__in=sorted(changed)).update(
            updated_at=now, crm_score=score
        )
        keys = {f"custom.{key}" for _, key in last}
        customers_changed(
            tenant=tenant, customer_ids=changed, by=AUTOMATION, fields={*keys, "crm_score"}
        )


def _hashable(value: Any) -> Any:
    """A set_field value as a dict key (they are JSON scalars; True is not 1 here)."""
    return (type(value).__name__, value)


def _sends(steps: list[tuple[Job, int, dict]]) -> None:
    by_campaign: dict[int, list[tuple[Job, int]]] = defaultdict(list)
    campaigns = {}
    for job, index, _ in steps:
        by_campaign[job.trigger.campaign_id].append((job, index))
        campaigns[job.trigger.campaign_id] = job.trigger.campaign
    channels = message_channels_of(campaigns.values())
    for campaign_id, group in by_campaign.items():
        new = create_executions_for(
            campaigns[campaign_id],
            [job.customer_id for job, _ in group],
            channels=channels[campaign_id],
        )
        if new:
            enqueue_sending(campaigns[campaign_id])
        for job, index in group:
            first = job.customer_id in new
            new.discard(job.customer_id)
            job.results[index] = {
                "type": "send",
                "ok": True,
                "detail": "Message queued." if first else ALREADY_SENT,
            }
