"""What comes back: opens, clicks, unsubscribes, provider delivery reports, replies, conversions.

First opens and clicks are stamped on the execution (the funnel counts executions); every
event is also kept as a CampaignResponse. A click counts as an open too, since many mail clients
block the pixel.

Opens, clicks, unsubscribes and provider reports come from the outside world (a customer's
mail client, a provider's signed webhook), not from a member: they take no actor. A conversion
entered through the API is a member's write and takes `by` (managers and admins, as for every
campaign write); a won lead's automatic conversion is recorded by the system as the OPERATOR.

A reply (reported by the channel's provider) and a conversion are contacts with the customer:
each counts as one interaction in crm (`customer_record_interaction`), which moves the
customer's last contact and score.

Opens and clicks emit events in the same transaction (tenancy.events), for the execution's
customer: `campaign_opened` once per execution (key `campaign_opened:<execution>`; a click
counts as an open here too) and `campaign_clicked` once per execution and link (key
`campaign_clicked:<execution>:<hash of the URL>`), with data {"campaign": id, "execution": id,
"channel": channel code} (+ "url" for a click). A machine open (campaigns.machine_opens) emits
nothing: it is no act of the customer's, is left out of the open rate, and a trigger on
"opened" must not fire for every mailbox whose provider prefetches images. The customer's own
open that follows still emits.
"""

import hashlib
import hmac
import uuid
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Customer, Lead
from crm.services.reactions import customers_changed
from crm.services.scoring import InteractionKind, customer_record_interaction
from tenancy.actors import OPERATOR, Actor
from tenancy.events import emit

from .. import machine_opens
from ..machine_opens import USER_AGENT_MAX_LENGTH
from ..models import (
    Campaign,
    CampaignChannel,
    CampaignExecution,
    CampaignResponse,
    ExecutionStatus,
    ResponseKind,
    Unsubscribe,
)
from .campaigns import require_campaign_writer

SIGNATURE_HEADER = "X-Atrium-Signature"
REPORTED = {
    "delivered": ResponseKind.DELIVERED,
    "bounced": ResponseKind.BOUNCED,
    "replied": ResponseKind.REPLY,
}
MAX_EVENTS = 1000


def _respond(execution: CampaignExecution, kind: str, now: datetime, **extra) -> None:
    CampaignResponse.objects.create(
        tenant_id=execution.tenant_id,
        campaign_id=execution.campaign_id,
        execution=execution,
        channel_id=execution.channel_id,
        customer_id=execution.customer_id,
        kind=kind,
        occurred_at=now,
        **extra,
    )


def _stamp_first(execution: CampaignExecution, field: str, now: datetime) -> None:
    CampaignExecution.objects.filter(pk=execution.pk, **{f"{field}__isnull": True}).update(
        **{field: now}
    )


@transaction.atomic
def record_open(
    *,
    execution: CampaignExecution,
    now: datetime | None = None,
    user_agent: str | None = None,
    address: str | None = None,
) -> bool:
    """Record an open; True when it is a machine open (campaigns.machine_opens). The proxy rule
    reads `user_agent` and `address` (the pixel's request); without a user agent (an open not
    fetched over HTTP, such as the demo's) only the time rule applies. A machine open is kept
    with its flag and stamps `machine_opened_at`, never `opened_at`, and is no activity of the
    customer's."""
    now = now or timezone.now()
    agent = (user_agent or "")[:USER_AGENT_MAX_LENGTH]
    machine = machine_opens.too_soon(execution.sent_at, now) or (
        user_agent is not None and machine_opens.from_proxy(agent, address)
    )
    _stamp_first(execution, "machine_opened_at" if machine else "opened_at", now)
    _respond(execution, ResponseKind.OPEN, now, is_machine_open=machine, user_agent=agent)
    if not machine:
        _activity_changed(execution)
        _emit_opened(execution)
    return machine


@transaction.atomic
def record_click(
    *,
    execution: CampaignExecution,
    url: str,
    now: datetime | None = None,
    user_agent: str | None = None,
) -> None:
    now = now or timezone.now()
    _stamp_first(execution, "opened_at", now)
    _stamp_first(execution, "clicked_at", now)
    _respond(
        execution,
        ResponseKind.CLICK,
        now,
        url=url[:2000],
        user_agent=(user_agent or "")[:USER_AGENT_MAX_LENGTH],
    )
    _activity_changed(execution)
    _emit_opened(execution)
    if execution.customer_id is not None:
        digest = hashlib.sha256(url.encode()).hexdigest()[:32]
        emit(
            tenant=execution.tenant,
            event_type="campaign_clicked",
            customer_id=execution.customer_id,
            data={**_event_data(execution), "url": url[:2000]},
            event_id=f"campaign_clicked:{execution.pk}:{digest}",
        )


def _event_data(execution: CampaignExecution) -> dict:
    return {
        "campaign": execution.campaign_id,
        "execution": execution.pk,
        "channel": execution.channel.channel_code,
    }


def _emit_opened(execution: CampaignExecution) -> None:
    """The customer's first open of the execution (a repeat is the same event)."""
    if execution.customer_id is not None:
        emit(
            tenant=execution.tenant,
            event_type="campaign_opened",
            customer_id=execution.customer_id,
            data=_event_data(execution),
            event_id=f"campaign_opened:{execution.pk}",
        )


def _activity_changed(execution: CampaignExecution) -> None:
    """Opens and clicks are conditions' activity (activity.campaign_opened, …): segments that
    read them follow at once, not at the next hourly refresh."""
    if execution.customer_id is not None:
        customers_changed(
            tenant=execution.tenant, customer_ids=[execution.customer_id], by=OPERATOR
        )


@transaction.atomic
def record_unsubscribe(*, execution: CampaignExecution, now: datetime | None = None) -> bool:
    """Opt the customer out of the execution's channel; False when already opted out."""
    now = now or timezone.now()
    _, created = Unsubscribe.objects.get_or_create(
        tenant_id=execution.tenant_id,
        customer_id=execution.customer_id,
        channel_id=execution.channel_id,
        defaults={"campaign_id": execution.campaign_id},
    )
    if created:
        _respond(execution, ResponseKind.UNSUBSCRIBE, now)
    return created


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_authentic(channel: CampaignChannel, body: bytes, given: str) -> bool:
    """The report was signed with the channel's webhook secret (HMAC-SHA256 of the raw body)."""
    if not channel.webhook_secret or not given:
        return False
    return hmac.compare_digest(signature(channel.webhook_secret, body), given)


@transaction.atomic
def record_provider_reports(*, channel: CampaignChannel, events: list) -> int:
    """Apply {"reference": <idempotency key>, "status": "delivered"|"bounced"|"replied"} reports
    for executions on this channel; returns how many were applied. A reply is kept as a response
    (each one: a customer may reply twice) and counted as an interaction of the customer's."""
    if not isinstance(events, list) or len(events) > MAX_EVENTS:
        raise ValidationError({"events": [f"Give a list of at most {MAX_EVENTS} reports."]})
    applied = 0
    now = timezone.now()
    for event in events:
        if not isinstance(event, dict) or event.get("status") not in REPORTED:
            raise ValidationError({"events": ["Each report has a reference and a status."]})
        reference = _uuid(event.get("reference"))
        execution = (
            CampaignExecution.objects.filter(
                tenant_id=channel.tenant_id, channel=channel, idempotency_key=reference
            )
            .exclude(sent_at=None)
            .first()
            if reference
            else None
        )
        if execution is None:
            continue
        if event["status"] == "replied":
            changed = 1
            _record_reply(execution, now)
        elif event["status"] == "delivered":
            changed = CampaignExecution.objects.filter(
                pk=execution.pk, status=ExecutionStatus.SENT
            ).update(status=ExecutionStatus.DELIVERED, delivered_at=now)
        else:
            changed = CampaignExecution.objects.filter(
                pk=execution.pk, status__in=(ExecutionStatus.SENT, ExecutionStatus.DELIVERED)
            ).update(status=ExecutionStatus.BOUNCED, bounced_at=now)
        if changed:
            _respond(execution, REPORTED[event["status"]], now)
            applied += 1
    return applied


def _record_reply(execution: CampaignExecution, now: datetime) -> None:
    """The reply's response is written with the others of the report (below); here it counts as
    an interaction, made by the customer and recorded by the system."""
    if execution.customer_id is not None:
        customer_record_interaction(
            tenant=execution.tenant,
            customer=execution.customer,
            kind=InteractionKind.REPLY,
            at=now,
            by=OPERATOR,
        )


def _uuid(value) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


@transaction.atomic
def record_conversion(
    *,
    campaign: Campaign,
    value: Decimal | None,
    customer: Customer | None = None,
    channel: CampaignChannel | None = None,
    lead: Lead | None = None,
    occurred_at: datetime | None = None,
    note: str = "",
    by: Actor,
) -> CampaignResponse:
    """A conversion with its value, attached to the customer's execution in the campaign when
    there is one (on `channel`, or the one they clicked or were sent last)."""
    require_campaign_writer(by, tenant=campaign.tenant)
    if value is not None and value < 0:
        raise ValidationError({"value": ["A conversion's value cannot be negative."]})
    execution = None
    if customer is not None:
        executions = campaign.executions.filter(customer=customer).exclude(sent_at=None)
        if channel is not None:
            executions = executions.filter(channel=channel)
        execution = executions.order_by("-clicked_at", "-sent_at").first()
    response = CampaignResponse(
        tenant=campaign.tenant,
        campaign=campaign,
        execution=execution,
        channel=channel or (execution.channel if execution else None),
        customer=customer,
        lead=lead,
        kind=ResponseKind.CONVERSION,
        value=value,
        note=note[:500],
        occurred_at=occurred_at or timezone.now(),
    )
    response.save()
    contact = customer or (lead.customer if lead is not None else None)
    if contact is not None:
        customer_record_interaction(
            tenant=campaign.tenant,
            customer=contact,
            kind=InteractionKind.CONVERSION,
            at=response.occurred_at,
            by=by,
        )
    return response


def convert_won_lead(*, lead: Lead) -> CampaignResponse | None:
    """The automatic conversion of a won lead attributed to a campaign (once per lead),
    recorded by the system (OPERATOR): whoever won the lead, the conversion follows from it."""
    if lead.campaign_id is None:
        return None
    campaign = Campaign.objects.filter(pk=lead.campaign_id, tenant_id=lead.tenant_id).first()
    if campaign is None:
        return None
    try:
        with transaction.atomic():
            return record_conversion(
                campaign=campaign,
                value=lead.estimated_value,
                customer=lead.customer,
                lead=lead,
                occurred_at=lead.converted_at,
                note=f"Lead #{lead.pk} won",
                by=OPERATOR,
            )
    except IntegrityError:  # this lead converted for the campaign before
        return None
