"""The status workflow: launch, pause, resume, complete, and moving to any status the tenant's
workflow allows.

Launch fixes the audience: it creates one execution per customer and message channel, in bulk,
and the database's unique (campaign, customer, channel) constraint with `ignore_conflicts` means
a retried or concurrent launch can never add a second one. The status change itself happens
under `select_for_update`, so of two launches at once the second waits, then finds the campaign
launched and returns it unchanged. Customers without a contact point for a channel, or who opted
out of it, get an execution marked skipped with the reason. Sending starts after the commit.

Each status change is a member's act: it takes the actor `by` and refuses (PermissionDenied)
anyone but the tenant's managers and admins or the operator, before it locks or writes anything.
`create_executions` is the launch's own step, run after that check; it takes no actor.
"""

import itertools
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from crm.models import Customer
from tenancy.actors import Actor

from ..models import (
    Campaign,
    CampaignChannel,
    CampaignChannelPlan,
    CampaignExecution,
    CampaignStatus,
    ChannelKind,
    ExecutionStatus,
    SkipReason,
    StatusPhase,
    Unsubscribe,
)
from .campaigns import audience_queryset, campaign_update, require_campaign_writer

CHUNK = 5000


def _locked(campaign: Campaign) -> Campaign:
    """The campaign, re-read under a row lock. The lock is taken without joins: PostgreSQL
    re-checks a joined row after waiting for a lock and can lose it."""
    Campaign.objects.select_for_update().filter(pk=campaign.pk, tenant=campaign.tenant).values_list(
        "pk", flat=True
    ).get()
    return Campaign.objects.select_related("status", "tenant").get(pk=campaign.pk)


def _next_in_phase(campaign: Campaign, phase: str) -> CampaignStatus | None:
    return (
        CampaignStatus.objects.for_tenant(campaign.tenant)
        .live()
        .filter(status_code__in=campaign.status.next_statuses, phase=phase)
        .order_by("display_order", "status_code")
        .first()
    )


def message_channels(campaign: Campaign) -> list[CampaignChannel]:
    return message_channels_of([campaign])[campaign.pk]


def message_channels_of(campaigns: Iterable[Campaign]) -> dict[int, list[CampaignChannel]]:
    """{campaign pk: the channels it sends messages on, in the plans' order} for one tenant's
    campaigns, in one query: a batch of trigger events reads those of all its sending
    triggers' campaigns (a query per campaign was ~1.3 ms each, every batch)."""
    out: dict[int, list[CampaignChannel]] = {}
    tenants = set()
    for campaign in campaigns:
        out[campaign.pk] = []
        tenants.add(campaign.tenant_id)
    if not out:
        return out
    plans = CampaignChannelPlan.objects.filter(tenant_id__in=tenants, campaign_id__in=list(out))
    for plan in plans.select_related("channel"):
        if plan.channel.sends_messages:
            out[plan.campaign_id].append(plan.channel)
    return out


def _pick(weights: list[tuple[str, int]], total: int, campaign_id: int, customer_id: int) -> str:
    """A variant by weight, the same for a customer however often it is asked."""
    point = zlib.crc32(f"{campaign_id}:{customer_id}".encode()) % total
    for variant, weight in weights:
        if point < weight:
            return variant
        point -= weight
    return weights[-1][0]


def _rows(
    campaign: Campaign, channels: list[CampaignChannel], customer_ids=None
) -> Iterator[tuple[int, int, str, str, str, str]]:
    """The executions of the campaign's audience (or of `customer_ids`, a trigger's customers,
    whatever the audience), as (customer, channel, variant, address, status, skip reason)."""
    tenant = campaign.tenant
    weights: dict[int, list[tuple[str, int]]] = {channel.pk: [] for channel in channels}
    for variant in campaign.variants.order_by("variant"):
        weights[variant.channel_id].append((variant.variant, variant.weight))
    totals = {pk: sum(w for _, w in pairs) for pk, pairs in weights.items()}
    opted_out: dict[int, set[int]] = {channel.pk: set() for channel in channels}
    for customer_id, channel_id in (
        Unsubscribe.objects.for_tenant(tenant)
        .filter(channel__in=channels)
        .filter(**({} if customer_ids is None else {"customer_id__in": customer_ids}))
        .values_list("customer_id", "channel_id")
    ):
        opted_out[channel_id].add(customer_id)
    if customer_ids is None:
        customers = audience_queryset(tenant=tenant, condition=campaign.audience)
    else:
        customers = Customer.objects.for_tenant(tenant).filter(pk__in=customer_ids)
    customers = customers.order_by("pk").values_list("pk", "email", "phone")
    for customer_id, email, phone in customers.iterator(chunk_size=CHUNK):
        for channel in channels:
            address = email if channel.kind == ChannelKind.EMAIL else phone
            status, reason = ExecutionStatus.PENDING, ""
            if not address:
                status = ExecutionStatus.SKIPPED
                reason = SkipReason.NO_EMAIL if channel.kind == "email" else SkipReason.NO_PHONE
            elif customer_id in opted_out[channel.pk]:
                status, reason = ExecutionStatus.SKIPPED, SkipReason.UNSUBSCRIBED
            variant = _pick(weights[channel.pk], totals[channel.pk], campaign.pk, customer_id)
            yield customer_id, channel.pk, variant, address or "", status, reason


_ROW_COLUMNS = ("customer_id", "channel_id", "variant", "address", "status", "skip_reason")
_ROW_TYPES = ("bigint", "bigint", "text", "text", "text", "text")


def _insert(campaign: Campaign, rows: list[tuple]) -> set[int]:
    """Insert the executions `rows` (of `_rows`) or leave them where the campaign's execution
    for that customer and channel exists; answers the customers who got a new one.

    On PostgreSQL one `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING`: six
    arrays as parameters, no model instance and no parameter per field, and the answer is
    what this insert wrote (a concurrent insert's rows are not counted twice). A trigger's
    send made ~5,300 instances for 3,000 events and Django spent more turning them into SQL
    than the server spent inserting them (docs/benchmarks.md, issue 16). Elsewhere the
    (customer, channel) pairs already there are read first, then bulk_create ignores
    conflicts."""
    if not rows:
        return set()
    if connection.vendor == "postgresql":
        columns_values = [list(values) for values in zip(*rows, strict=True)]
        table = CampaignExecution._meta.db_table
        columns = ", ".join(_ROW_COLUMNS)
        arrays = ", ".join(f"%s::{kind}[]" for kind in _ROW_TYPES)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (tenant_id, campaign_id, {columns}, idempotency_key, "
                "attempts, last_error, provider_message_id, cost, created_at) "
                f"SELECT %s, %s, {columns}, gen_random_uuid(), 0, '', '', 0, %s "
                f"FROM unnest({arrays}) AS row ({columns}) "
                "ON CONFLICT DO NOTHING RETURNING customer_id",
                [campaign.tenant_id, campaign.pk, timezone.now(), *columns_values],
            )
            return {customer_id for (customer_id,) in cursor.fetchall()}
    before = set(
        CampaignExecution.objects.filter(
            tenant=campaign.tenant, campaign=campaign, customer_id__in={row[0] for row in rows}
        ).values_list("customer_id", "channel_id")
    )
    CampaignExecution.objects.bulk_create(
        [
            CampaignExecution(
                tenant_id=campaign.tenant_id,
                campaign=campaign,
                **dict(zip(_ROW_COLUMNS, row, strict=True)),
            )
            for row in rows
        ],
        ignore_conflicts=True,
    )
    return {
        customer_id
        for customer_id, channel_id, *_ in rows
        if (customer_id, channel_id) not in before
    }


def create_executions(campaign: Campaign) -> None:
    """Insert the audience's executions in chunks; rows that exist already are left alone.
    A step of the launch, which has checked its actor (the tests and the benchmark call it to
    set up executions as the system would)."""
    rows = _rows(campaign, message_channels(campaign))
    while batch := list(itertools.islice(rows, CHUNK)):
        _insert(campaign, batch)


def create_executions_for(
    campaign: Campaign, customer_ids, *, channels: list[CampaignChannel] | None = None
) -> set[int]:
    """A trigger's send: the campaign's executions for these customers of the tenant (variant
    by the A/B weights, skipped with the reason when opted out or without an address), inserted
    or ignored — one per (campaign, customer, channel), so a customer gets a campaign once.
    Answers the customers who got a new execution. The caller enqueues the sending.
    `channels`: the campaign's message channels, when the caller has read them."""
    customer_ids = sorted(set(customer_ids))
    if not customer_ids:
        return set()
    if channels is None:
        channels = message_channels(campaign)
    return _insert(campaign, list(_rows(campaign, channels, customer_ids)))


def enqueue_sending(campaign: Campaign) -> None:
    """Start sending the campaign's pending executions after the commit (as launch does)."""
    _enqueue_sending(campaign)


def check_launchable(campaign: Campaign) -> None:
    """ValidationError when the campaign cannot be launched as it is (no channel, a message
    missing, an inactive channel)."""
    channels = [plan.channel for plan in campaign.plans.select_related("channel")]
    if not channels:
        raise ValidationError({"channels": ["Choose at least one channel before launching."]})
    with_content = set(campaign.variants.values_list("channel_id", flat=True))
    missing = [c.channel_code for c in channels if c.sends_messages and c.pk not in with_content]
    if missing:
        raise ValidationError({"contents": [f"Write the message for {', '.join(missing)}."]})
    inactive = [c.channel_code for c in channels if not c.is_active or c.is_deleted]
    if inactive:
        raise ValidationError({"channels": [f"Inactive channel: {', '.join(inactive)}."]})


def _enqueue_sending(campaign: Campaign) -> None:
    from ..tasks import send_campaign  # tasks call services; import here to keep that one way

    eta = campaign.scheduled_at
    if eta is not None and eta <= timezone.now():
        eta = None
    if send_campaign.app.conf.task_always_eager:  # no broker: send in this process
        transaction.on_commit(lambda: send_campaign.apply((campaign.pk,)))
        return
    # Several tasks per campaign, so that as many worker processes share its sending (their
    # claims skip each other's rows); one process sends ~1,000-2,000 messages/s.
    tasks = settings.CAMPAIGN_SEND_TASKS

    def enqueue():
        for _ in range(tasks):
            send_campaign.apply_async((campaign.pk,), eta=eta)

    transaction.on_commit(enqueue)


def _move(campaign: Campaign, status: CampaignStatus) -> Campaign:
    """Apply the phase's effects and set the status (campaign locked by the caller)."""
    if status.status_code not in campaign.status.next_statuses:
        raise ValidationError(
            {
                "status": [
                    f"A campaign cannot go from {campaign.status.status_code} "
                    f"to {status.status_code}."
                ]
            }
        )
    now = timezone.now()
    if status.phase == StatusPhase.ACTIVE:
        if campaign.launched_at is None:
            check_launchable(campaign)
            create_executions(campaign)
            campaign.launched_at = now
        _enqueue_sending(campaign)
    elif status.phase == StatusPhase.DRAFT and campaign.launched_at is not None:
        raise ValidationError({"status": ["A launched campaign cannot go back to a draft."]})
    elif status.phase == StatusPhase.COMPLETED:
        campaign.completed_at = now
        campaign.executions.filter(status=ExecutionStatus.PENDING).update(
            status=ExecutionStatus.SKIPPED, skip_reason=SkipReason.COMPLETED
        )
    campaign.status = status
    campaign.save(update_fields=["status", "launched_at", "completed_at", "updated_at"])
    return campaign


@transaction.atomic
def campaign_transition(*, campaign: Campaign, status: CampaignStatus, by: Actor) -> Campaign:
    """Move to `status` if the current status allows it (moving to where it is changes nothing)."""
    require_campaign_writer(by, tenant=campaign.tenant)
    campaign = _locked(campaign)
    if status.pk == campaign.status_id:
        return campaign
    return _move(campaign, status)


def _to_phase(campaign: Campaign, phase: str, verb: str) -> Campaign:
    target = _next_in_phase(campaign, phase)
    if target is None:
        raise ValidationError(
            {"status": [f"A campaign in status {campaign.status.status_name} cannot be {verb}."]}
        )
    return _move(campaign, target)


@transaction.atomic
def campaign_launch(*, campaign: Campaign, by: Actor, send_at: datetime | None = None) -> Campaign:
    """Idempotent: launching a campaign that is already launched and active returns it as is.
    `send_at` (a future time) launches it now and holds the sending until then (its
    `scheduled_at`; the minute-by-minute dispatch sends it when it comes)."""
    require_campaign_writer(by, tenant=campaign.tenant)
    campaign = _locked(campaign)
    if campaign.launched_at is not None:
        if campaign.status.phase == StatusPhase.ACTIVE:
            return campaign
        raise ValidationError({"status": ["This campaign was launched already; resume it."]})
    if send_at is not None:
        if send_at <= timezone.now():
            raise ValidationError({"scheduled_at": ["Choose a time from now on."]})
        campaign.scheduled_at = send_at
        campaign.save(update_fields=["scheduled_at", "updated_at"])
    return _to_phase(campaign, StatusPhase.ACTIVE, "launched")


def launch_start_time(campaign: Campaign) -> datetime | None:
    """The start of the campaign's start date (09:00 in the tenant's zone) when that is still
    ahead and no send time is set: what "schedule for the start" means."""
    if campaign.start_date is None or campaign.scheduled_at is not None:
        return None
    tz = campaign.tenant.tzinfo
    start = datetime.combine(campaign.start_date, time(9, 0), tzinfo=tz)
    return start if start > timezone.now() else None


@transaction.atomic
def campaign_pause(*, campaign: Campaign, by: Actor) -> Campaign:
    require_campaign_writer(by, tenant=campaign.tenant)
    campaign = _locked(campaign)
    if campaign.status.phase == StatusPhase.PAUSED:
        return campaign
    return _to_phase(campaign, StatusPhase.PAUSED, "paused")


@transaction.atomic
def campaign_resume(*, campaign: Campaign, by: Actor) -> Campaign:
    require_campaign_writer(by, tenant=campaign.tenant)
    campaign = _locked(campaign)
    if campaign.launched_at is None:
        raise ValidationError({"status": ["Launch the campaign first."]})
    if campaign.status.phase == StatusPhase.ACTIVE:
        return campaign
    return _to_phase(campaign, StatusPhase.ACTIVE, "resumed")


@transaction.atomic
def campaign_complete(*, campaign: Campaign, by: Actor) -> Campaign:
    require_campaign_writer(by, tenant=campaign.tenant)
    campaign = _locked(campaign)
    if campaign.status.phase == StatusPhase.COMPLETED:
        return campaign
    return _to_phase(campaign, StatusPhase.COMPLETED, "completed")


@transaction.atomic
def campaign_edit(
    *,
    campaign: Campaign,
    data: dict,
    channels=None,
    channel_budgets=None,
    contents=None,
    status: CampaignStatus | None = None,
    by: Actor,
) -> Campaign:
    """An API or page edit: field changes (only while the status allows editing), then a move
    to `status` if one is given — both or neither."""
    require_campaign_writer(by, tenant=campaign.tenant)
    if data or channels is not None or channel_budgets is not None or contents is not None:
        campaign = campaign_update(
            campaign=campaign,
            data=data,
            channels=channels,
            channel_budgets=channel_budgets,
            contents=contents,
            by=by,
        )
    if status is not None:
        campaign = campaign_transition(campaign=campaign, status=status, by=by)
    return campaign
