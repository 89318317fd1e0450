"""The automation's consumer of the event outbox, and the firing of delayed runs.

For a batch of one tenant's events (tenancy.events hands them over inside the worker's
transaction), set-based over the whole batch:
- the tenant's active triggers on those event types (one query) and the events' customers
  that are the tenant's, locked (one query: a foreign or deleted customer's event never fires
  and leaves no run). On PostgreSQL a customer another worker holds is skipped (SKIP LOCKED)
  and the customer's events handed back to the outbox for a later batch: two workers whose
  batches share a few customers neither deadlock nor wait for each other's whole batch;
- the batch is cut into rounds: round 1 holds each customer's first event of the batch, round
  2 their second, and so on (usually one or two rounds). In a round, every trigger's condition
  is judged for all its events at once (crm's language plus `event.<key>`: a few customer
  queries for all triggers, conditions.matching_events), against the customers as they are
  before any of the round's actions. So the triggers of one event all see the customer as the
  event found them — a trigger does not see what another trigger did for the same event (it
  sees it at the customer's next event, and the change is itself an event, tag_added or
  field_changed, that triggers can react to);
- opt-outs and `max_per_customer` counts are read once per batch (one query each);
- the runs the batch's events already have are read first (an event handed over again: the
  outbox delivers at least once) and left alone;
- the fired runs' actions are carried out grouped by kind across triggers (firing.fire_many);
- then the round's runs — every evaluation, fired, scheduled or skipped with its reason, with
  what each action did — go in with one COPY on PostgreSQL (a multi-row INSERT elsewhere).
  Should a run be there already, the unique key fails it and the whole batch's work is undone,
  so a run never happens twice.

A trigger with a delay records its runs `scheduled` with `due_at`; `fire_due_runs` (the
periodic campaigns.dispatch_due task, every minute) claims the due ones with SKIP LOCKED,
checks that the trigger is still on and its campaign still active, and fires them."""

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from crm.models import Customer
from crm.services.imports.copying import (
    COPY_LINES,
    copy_in,
    copy_text,
    copy_text_in,
    is_postgres,
)
from tenancy.models import OutboxEvent, Tenant

from ..models import (
    CampaignTrigger,
    RunOutcome,
    RunReason,
    StatusPhase,
    TriggerRun,
    Unsubscribe,
)
from ..services.launch import message_channels_of
from .conditions import TriggerCompiler, matching_events
from .firing import Job, fire_many

CONSUMER_NAME = "campaign-triggers"
COUNTED = (RunOutcome.FIRED, RunOutcome.SCHEDULED)


def handle_events(*, tenant: Tenant, events: list[OutboxEvent]) -> set[int]:
    """The outbox consumer (registered by CampaignsConfig.ready). Answers the pks of the
    events it hands back: those of customers another worker holds (see below)."""
    events = [event for event in events if event.customer_id is not None]
    if not events:
        return set()
    triggers = list(
        CampaignTrigger.objects.filter(
            tenant=tenant, is_active=True, event_type__in={e.event_type for e in events}
        )
        .select_related("campaign__status", "campaign__tenant", "tenant")
        .order_by("pk")
    )
    if not triggers:
        return set()
    types = {trigger.event_type for trigger in triggers}
    events = [e for e in events if e.event_type in types]
    wanted = {e.customer_id for e in events}
    customers = Customer.objects.for_tenant(tenant).filter(pk__in=wanted)
    held: set[int] = set()
    if connection.features.has_select_for_update_skip_locked:
        # The actions write these customers (tags, values, score). Two workers whose batches
        # share a few customers would deadlock taking their row locks in different orders, or,
        # locked in id order, the second would wait for the whole of the first. Instead each
        # takes the customers no one holds; the events of the others go back to the outbox,
        # pending in their place, for a later batch (after that worker's commit).
        own = set(
            customers.select_for_update(no_key=True, skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if missing := wanted - own:  # held by another transaction, or not (or no longer) ours
            there = Customer.objects.for_tenant(tenant).filter(pk__in=missing)
            held = set(there.values_list("pk", flat=True))
    else:
        own = set(customers.values_list("pk", flat=True))
    if mine := [e for e in events if e.customer_id in own]:
        _Batch(tenant, triggers, mine).run()
    return {e.pk for e in events if e.customer_id in held}


def _rounds(events: list[OutboxEvent]) -> list[list[OutboxEvent]]:
    """Round n: each customer's n-th event of the batch (events come oldest first)."""
    rounds: list[list[OutboxEvent]] = []
    seen: dict[int, int] = defaultdict(int)
    for event in events:
        n = seen[event.customer_id]
        seen[event.customer_id] += 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(event)
    return rounds


class _Batch:
    """One batch of one tenant's events against its active triggers."""

    def __init__(self, tenant: Tenant, triggers: list[CampaignTrigger], events: list[OutboxEvent]):
        self.tenant, self.triggers, self.events = tenant, triggers, events
        self.now = timezone.now()
        self.compiler = TriggerCompiler(tenant, now=self.now)  # field definitions read once
        self.active = {t.pk for t in triggers if t.campaign.status.phase == StatusPhase.ACTIVE}
        self.opted_out = self._opted_out()
        self.counts = self._counts()
        # The runs the batch's events already have (an event handed over again): not again.
        self.done = set(
            TriggerRun.objects.filter(tenant=tenant, event__in=[e.pk for e in events])
            .values_list("trigger_id", "customer_id", "event")
            .order_by()
        )

    def run(self) -> None:
        for events in _rounds(self.events):
            self._round(events)

    def _opted_out(self) -> dict[int, set[int]]:
        """{trigger pk: customers opted out of every message channel of its campaign}, for the
        active triggers that send."""
        sending = [
            t
            for t in self.triggers
            if t.pk in self.active and any(a.get("type") == "send" for a in t.actions)
        ]
        channels = {
            campaign_id: {channel.pk for channel in found}
            for campaign_id, found in message_channels_of(t.campaign for t in sending).items()
        }
        wanted = set().union(*channels.values()) if channels else set()
        if not wanted:
            return {}
        pairs: dict[int, set[int]] = defaultdict(set)
        for customer_id, channel_id in Unsubscribe.objects.filter(
            tenant=self.tenant,
            customer_id__in={e.customer_id for e in self.events},
            channel_id__in=wanted,
        ).values_list("customer_id", "channel_id"):
            pairs[customer_id].add(channel_id)
        return {
            t.pk: {
                pk
                for pk, done in pairs.items()
                if channels[t.campaign_id] and done >= channels[t.campaign_id]
            }
            for t in sending
        }

    def _counts(self) -> dict[tuple[int, int], int]:
        """{(trigger pk, customer id): runs that fired (or will)} from events other than the
        batch's, for the active triggers with a cap."""
        capped = [t.pk for t in self.triggers if t.pk in self.active and t.max_per_customer]
        if not capped:
            return {}
        # No two workers count for the same customer at once: its events are judged only by
        # the worker that holds its row (handle_events), which reads here what the others
        # committed. (Locking the capped triggers instead made every worker wait for the
        # others' whole batches.)
        rows = (
            TriggerRun.objects.filter(
                tenant=self.tenant,
                trigger_id__in=capped,
                customer_id__in={e.customer_id for e in self.events},
                outcome__in=COUNTED,
            )
            .exclude(event__in=[e.pk for e in self.events])
            .values("trigger_id", "customer_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {(row["trigger_id"], row["customer_id"]): row["n"] for row in rows}

    def _round(self, events: list[OutboxEvent]) -> None:
        by_type: dict[str, list[OutboxEvent]] = defaultdict(list)
        for event in events:
            by_type[event.event_type].append(event)
        mine = [(t, by_type[t.event_type]) for t in self.triggers if by_type[t.event_type]]
        judged = [(t, evs) for t, evs in mine if t.pk in self.active]
        matched = dict(
            zip(
                [t.pk for t, _ in judged],
                matching_events(
                    [(t.conditions, [(e.customer_id, e.data) for e in evs]) for t, evs in judged],
                    tenant=self.tenant,
                    compiler=self.compiler,
                ),
                strict=True,
            )
        )
        runs = [
            self._decide(trigger, event, index in matched.get(trigger.pk, ()))
            for trigger, evs in mine
            for index, event in enumerate(evs)
            if (trigger.pk, event.customer_id, event.pk) not in self.done
        ]
        jobs = [
            Job(run.trigger, run.customer_id, run.data)
            for run in runs
            if run.outcome == RunOutcome.FIRED
        ]
        if jobs:
            fire_many(tenant=self.tenant, jobs=jobs)
            for run, job in zip(
                [run for run in runs if run.outcome == RunOutcome.FIRED], jobs, strict=True
            ):
                run.results = job.results
        insert_runs(self.tenant, runs, now=self.now)

    def _decide(self, trigger: CampaignTrigger, event: OutboxEvent, matched: bool) -> "Run":
        run = Run(trigger, event.customer_id, event.pk, event.event_type, event.data)
        key = (trigger.pk, event.customer_id)
        if trigger.pk not in self.active:
            run.outcome, run.reason = RunOutcome.SKIPPED, RunReason.CAMPAIGN_NOT_ACTIVE
        elif not matched:
            run.outcome, run.reason = RunOutcome.SKIPPED, RunReason.CONDITION
        elif event.customer_id in self.opted_out.get(trigger.pk, ()):
            run.outcome, run.reason = RunOutcome.SKIPPED, RunReason.OPTED_OUT
        elif trigger.max_per_customer and self.counts.get(key, 0) >= trigger.max_per_customer:
            run.outcome, run.reason = RunOutcome.SKIPPED, RunReason.MAX_REACHED
        else:
            self.counts[key] = self.counts.get(key, 0) + 1
            if trigger.delay_minutes:
                run.outcome = RunOutcome.SCHEDULED
                run.due_at = self.now + timedelta(minutes=trigger.delay_minutes)
            else:
                run.outcome, run.fired_at = RunOutcome.FIRED, self.now
        return run


@dataclass(slots=True)
class Run:
    """One evaluation, as the run log's row will hold it."""

    trigger: CampaignTrigger
    customer_id: int
    event: int
    event_type: str
    data: dict
    outcome: str = RunOutcome.SKIPPED
    reason: str = ""
    due_at: datetime | None = None
    fired_at: datetime | None = None
    results: list = field(default_factory=list)


# The fields a run has of its own come first and last; those between are the same for every
# run of one trigger, outcome and reason in a batch.
RUN_COLUMNS = (
    "customer_id",
    "event",
    "tenant_id",
    "trigger_id",
    "event_type",
    "outcome",
    "reason",
    "due_at",
    "fired_at",
    "created_at",
    "event_data",
    "results",
)


def _run_row(tenant: Tenant, run: Run, now: datetime) -> tuple:
    return (
        run.customer_id,
        run.event,
        tenant.pk,
        run.trigger.pk,
        run.event_type,
        run.outcome,
        run.reason,
        run.due_at,
        run.fired_at,
        now,
        run.data if run.trigger.delay_minutes else {},
        run.results,
    )


def insert_runs(tenant: Tenant, runs: list[Run], *, now: datetime) -> None:
    """Write the runs to the run log: COPY on PostgreSQL (no model instances, no parameter
    lists). COPY has no ON CONFLICT: a run already there (which the batch's read of its events'
    runs rules out while it holds the events) fails it, and with it everything the batch did —
    the unique key is what keeps a run from happening twice.

    A batch writes ~18 runs per event, three in four of them skipped: each line is its
    customer and event, the text of its trigger, outcome and reason (made once per batch) and
    its event data and results, which are empty unless the trigger has a delay or fired."""
    if not is_postgres():
        copy_in(TriggerRun, RUN_COLUMNS, (_run_row(tenant, run, now) for run in runs))
        return
    middles: dict[tuple, str] = {}

    def line(run: Run) -> str:
        key = (run.trigger.pk, run.event_type, run.outcome, run.reason, run.due_at, run.fired_at)
        middle = middles.get(key)
        if middle is None:
            fields = _run_row(tenant, run, now)[2:-2]
            middle = middles[key] = "\t".join(copy_text(value) for value in fields)
        data = copy_text(run.data) if run.trigger.delay_minutes else "{}"
        results = copy_text(run.results) if run.results else "[]"
        return f"{run.customer_id}\t{run.event}\t{middle}\t{data}\t{results}\n"

    lines = map(line, runs)
    copy_text_in(
        TriggerRun,
        RUN_COLUMNS,
        iter(lambda: "".join(itertools.islice(lines, COPY_LINES)), ""),
    )


def fire_due_runs(*, now: datetime | None = None, limit: int = 500) -> int:
    """Fire the scheduled runs whose time has come (SKIP LOCKED: workers share them), each
    tenant's together. Answers how many were taken."""
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
        jobs: dict[int, list[tuple[int, Job]]] = defaultdict(list)
        for trigger_id in sorted(by_trigger):
            trigger, group = triggers[trigger_id], by_trigger[trigger_id]
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
            jobs[trigger.tenant_id] += [
                (run.pk, Job(trigger, run.customer_id, run.event_data)) for run in group
            ]
        for tenant_jobs in jobs.values():
            fire_many(tenant=tenant_jobs[0][1].trigger.tenant, jobs=[j for _, j in tenant_jobs])
            TriggerRun.objects.bulk_update(
                [TriggerRun(pk=pk, results=job.results) for pk, job in tenant_jobs], ["results"]
            )
    return len(runs)
