"""The automation's consumer of the event outbox, and the firing of delayed runs.

For a batch of one tenant's events (tenancy.events hands them over inside the worker's
transaction): the tenant's active triggers on those event types (one query); the events'
customers that are the tenant's (one query: a foreign or deleted customer's event never fires
and leaves no run); then per trigger — its campaign must be ACTIVE, its condition is evaluated
for all its events at once (crm's language plus `event.<key>`, one customer query per pattern
of event-rule outcomes), opt-outs and `max_per_customer` are read in one query each — and one
multi-row INSERT … ON CONFLICT DO NOTHING of the runs. Only the rows this batch inserted (its
`batch` token) have their actions carried out: an event handed over again finds its runs
there and does nothing twice.

A trigger with a delay records its runs `scheduled` with `due_at`; `fire_due_runs` (the
periodic campaigns.dispatch_due task, every minute) claims the due ones with SKIP LOCKED,
checks that the trigger is still on and its campaign still active, and fires them.

A trigger that fired for many customers of a batch carries out its tag and value actions
set-based (actions.run_action_many: one write for all of them, same rows and answers as run by
run); the other actions go through their service one run at a time."""

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from crm.models import Customer
from tenancy.models import OutboxEvent, Tenant

from ..models import (
    CampaignTrigger,
    RunOutcome,
    RunReason,
    StatusPhase,
    TriggerRun,
    Unsubscribe,
)
from ..services.launch import create_executions_for, enqueue_sending, message_channels
from .actions import SET_BASED, run_action, run_action_many
from .conditions import TriggerCompiler, matching_customers

CONSUMER_NAME = "campaign-triggers"
COUNTED = (RunOutcome.FIRED, RunOutcome.SCHEDULED)


def handle_events(*, tenant: Tenant, events: list[OutboxEvent]) -> None:
    """The outbox consumer (registered by CampaignsConfig.ready)."""
    by_type: dict[str, list[OutboxEvent]] = defaultdict(list)
    for event in events:
        if event.customer_id is not None:
            by_type[event.event_type].append(event)
    if not by_type:
        return
    triggers = list(
        CampaignTrigger.objects.filter(tenant=tenant, is_active=True, event_type__in=list(by_type))
        .select_related("campaign__status", "campaign__tenant", "tenant")
        .order_by("pk")
    )
    if not triggers:
        return
    customers = Customer.objects.for_tenant(tenant).filter(
        pk__in={e.customer_id for group in by_type.values() for e in group}
    )
    if connection.features.has_select_for_update:
        # The actions write these customers (tags, values, score) trigger after trigger, so
        # two workers whose batches share customers took their row locks in different orders
        # and deadlocked. Locked up front in id order, the second waits for the first instead.
        customers = customers.select_for_update(no_key=True).order_by("pk")
    own = set(customers.values_list("pk", flat=True))
    now = timezone.now()
    compiler = TriggerCompiler(tenant, now=now)  # the field definitions read once a batch
    for trigger in triggers:
        mine = [e for e in by_type[trigger.event_type] if e.customer_id in own]
        if mine:
            evaluate(trigger, mine, now=now, compiler=compiler)


def _opted_out(trigger: CampaignTrigger, customer_ids: set[int]) -> set[int]:
    """Customers opted out of every message channel of the campaign (when the trigger sends)."""
    if not any(action.get("type") == "send" for action in trigger.actions):
        return set()
    channels = {channel.pk for channel in message_channels(trigger.campaign)}
    if not channels:
        return set()
    pairs = Unsubscribe.objects.filter(
        tenant=trigger.tenant, customer_id__in=customer_ids, channel_id__in=channels
    ).values_list("customer_id", "channel_id")
    per_customer: dict[int, set[int]] = defaultdict(set)
    for customer_id, channel_id in pairs:
        per_customer[customer_id].add(channel_id)
    return {pk for pk, done in per_customer.items() if done >= channels}


def _counts(trigger: CampaignTrigger, events: list[OutboxEvent]) -> dict[int, int]:
    """Runs that fired (or will) per customer, from events other than these."""
    if trigger.max_per_customer is None:
        return {}
    # Two workers counting for the same trigger at once could both let a customer through:
    # the trigger's row lock makes them take turns (only for triggers with a cap).
    CampaignTrigger.objects.select_for_update().filter(pk=trigger.pk).values_list(
        "pk", flat=True
    ).get()
    rows = (
        TriggerRun.objects.filter(
            tenant=trigger.tenant,
            trigger=trigger,
            customer_id__in={e.customer_id for e in events},
            outcome__in=COUNTED,
        )
        .exclude(event__in=[e.pk for e in events])
        .values("customer_id")
        .annotate(n=Count("pk"))
    )
    return {row["customer_id"]: row["n"] for row in rows}


def evaluate(
    trigger: CampaignTrigger,
    events: list[OutboxEvent],
    *,
    now: datetime,
    compiler: TriggerCompiler | None = None,
) -> int:
    """Record a run per event (inserted or ignored) and fire the new ones that are due now.
    Answers how many runs this call inserted."""
    token = uuid.uuid4()
    active = trigger.campaign.status.phase == StatusPhase.ACTIVE
    matched: set[int] = set()
    if active:
        try:
            matched = matching_customers(
                trigger.conditions,
                tenant=trigger.tenant,
                events=[(e.customer_id, e.data) for e in events],
                now=now,
                compiler=compiler,
            )
        except ValidationError:  # a field the condition names was deleted since: no match
            matched = set()
    opted_out = _opted_out(trigger, {e.customer_id for e in events}) if active else set()
    counts = _counts(trigger, events) if active else {}
    runs = []
    for index, event in enumerate(events):
        run = TriggerRun(
            tenant=trigger.tenant,
            trigger=trigger,
            customer_id=event.customer_id,
            event=event.pk,
            event_type=event.event_type,
            event_data=event.data if trigger.delay_minutes else {},
            batch=token,
        )
        if not active:
            run.outcome, run.reason = RunOutcome.SKIPPED, RunReason.CAMPAIGN_NOT_ACTIVE
        elif index not in matched:
            run.outcome, run.reason = RunOutcome.SKIPPED, RunReason.CONDITION
        elif event.customer_id in opted_out:
            run.outcome, run.reason = RunOutcome.SKIPPED, RunReason.OPTED_OUT
        elif (
            trigger.max_per_customer is not None
            and counts.get(event.customer_id, 0) >= trigger.max_per_customer
        ):
            run.outcome, run.reason = RunOutcome.SKIPPED, RunReason.MAX_REACHED
        else:
            counts[event.customer_id] = counts.get(event.customer_id, 0) + 1
            if trigger.delay_minutes:
                run.outcome, run.due_at = (
                    RunOutcome.SCHEDULED,
                    now + timedelta(minutes=trigger.delay_minutes),
                )
            else:
                run.outcome, run.fired_at = RunOutcome.FIRED, now
        runs.append(run)
    TriggerRun.objects.bulk_create(runs, ignore_conflicts=True)
    new = list(
        TriggerRun.objects.filter(tenant=trigger.tenant, trigger=trigger, batch=token)
        .order_by("pk")
        .only("pk", "customer_id", "outcome", "event")
    )
    data = {event.pk: event.data for event in events}
    to_fire = [run for run in new if run.outcome == RunOutcome.FIRED]
    if to_fire:
        fire(trigger, to_fire, data={run.pk: data.get(run.event, {}) for run in to_fire})
    return len(new)


def fire(trigger: CampaignTrigger, runs: list[TriggerRun], *, data: dict[int, dict]) -> None:
    """Carry out the trigger's actions, in order, for these runs (each freshly inserted or
    claimed, so once), and record what each did."""
    customers = Customer.objects.for_tenant(trigger.tenant).in_bulk([r.customer_id for r in runs])
    results: dict[int, list[dict]] = {run.pk: [] for run in runs}
    for action in trigger.actions:
        if action.get("type") == "send":
            new = create_executions_for(trigger.campaign, [run.customer_id for run in runs])
            if new:
                enqueue_sending(trigger.campaign)
            for run in runs:
                results[run.pk].append(
                    {
                        "type": "send",
                        "ok": True,
                        "detail": "Message queued."
                        if run.customer_id in new
                        else "Already sent: a customer gets a campaign's message once.",
                    }
                )
            continue
        if action.get("type") in SET_BASED and len(runs) > 1:
            many = run_action_many(
                action, trigger=trigger, customers=[customers.get(r.customer_id) for r in runs]
            )
            for run, result in zip(runs, many, strict=True):
                if result is not None:
                    results[run.pk].append(result)
            if action["type"] == "set_field":  # the later actions see the values as they are
                customers = Customer.objects.for_tenant(trigger.tenant).in_bulk(list(customers))
            continue
        for run in runs:
            customer = customers.get(run.customer_id)
            if customer is None:
                continue
            results[run.pk].append(
                run_action(
                    action, trigger=trigger, customer=customer, event_data=data.get(run.pk, {})
                )
            )
    for run in runs:
        run.results = results[run.pk]
    TriggerRun.objects.bulk_update(runs, ["results"])


def fire_due_runs(*, now: datetime | None = None, limit: int = 500) -> int:
    """Fire the scheduled runs whose time has come (SKIP LOCKED: workers share them). Answers
    how many were taken."""
    now = now or timezone.now()
    with transaction.atomic():
        due = TriggerRun.objects.filter(outcome=RunOutcome.SCHEDULED, due_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        runs = list(due.order_by("due_at", "pk")[:limit])
        by_trigger: dict[int, list[TriggerRun]] = defaultdict(list)
        for run in runs:
            by_trigger[run.trigger_id].append(run)
        triggers = CampaignTrigger.objects.select_related(
            "campaign__status", "campaign__tenant", "tenant"
        ).in_bulk(list(by_trigger))
        for trigger_id, group in by_trigger.items():
            trigger = triggers[trigger_id]
            ids = [run.pk for run in group]
            if not trigger.is_active:
                TriggerRun.objects.filter(pk__in=ids).update(
                    outcome=RunOutcome.SKIPPED, reason=RunReason.TRIGGER_INACTIVE
                )
                continue
            if trigger.campaign.status.phase != StatusPhase.ACTIVE:
                TriggerRun.objects.filter(pk__in=ids).update(
                    outcome=RunOutcome.SKIPPED, reason=RunReason.CAMPAIGN_NOT_ACTIVE
                )
                continue
            TriggerRun.objects.filter(pk__in=ids).update(outcome=RunOutcome.FIRED, fired_at=now)
            fire(trigger, group, data={run.pk: run.event_data for run in group})
    return len(runs)
