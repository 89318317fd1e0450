"""Writes for campaigns: create, update, channels with their budgets, content variants, and
creating a campaign from a template.

Everything is validated together before anything is saved: the budget against the type's
guidelines (and per channel when the budget type splits it), the audience condition, the
content's personalisation tags. A campaign whose status does not allow editing refuses changes.

Who may write: the tenant's managers and admins build and run its campaigns (and the operator:
the command line, the demo, the system); agents only read them. Every write service here and in
launch.py and metrics.py checks its actor `by` itself, before it reads or writes anything.
"""

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.conditions import compile_condition
from crm.models import Customer
from customfields.services.values import active_definitions
from tenancy.actors import Actor, actor_user, require_role
from tenancy.models import Role, Tenant
from tenancy.services.common import assign_fields
from tenancy.validators import MESSAGE_BODY_MAX_LENGTH, length_errors

from ..models import (
    Campaign,
    CampaignChannel,
    CampaignChannelPlan,
    CampaignStatus,
    CampaignTemplate,
    CampaignType,
    CampaignVariant,
    ChannelKind,
)
from ..personalization import check_tags, render

CAMPAIGN_FIELDS = (
    "name",
    "description",
    "campaign_type",
    "budget_type",
    "budget",
    "audience",
    "start_date",
    "end_date",
    "scheduled_at",
    "kpis",
)
MAX_VARIANTS = 5
CAMPAIGN_WRITE_ROLES = (Role.ADMIN, Role.MANAGER)


def require_campaign_writer(by: Actor, *, tenant: Tenant) -> None:
    """PermissionDenied unless `by` may build and run `tenant`'s campaigns: a manager or an
    admin of that tenant, or the operator."""
    require_role(by, tenant=tenant, roles=CAMPAIGN_WRITE_ROLES)


def is_name_list(value: Any) -> bool:
    """A list of names (KPIs): texts."""
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


def initial_status(tenant: Tenant) -> CampaignStatus:
    status = CampaignStatus.objects.for_tenant(tenant).live().filter(is_initial=True).first()
    if status is None:
        raise ValidationError({"status": ["This tenant has no initial campaign status."]})
    return status


def audience_queryset(*, tenant: Tenant, condition: Any):
    """The tenant's customers the condition selects (ValidationError when it is not valid)."""
    return Customer.objects.for_tenant(tenant).filter(compile_condition(condition, tenant=tenant))


def _check(
    campaign: Campaign,
    *,
    channels: Sequence[CampaignChannel],
    channel_budgets: Mapping[str, Decimal] | None,
    contents: Sequence[Mapping[str, Any]],
) -> None:
    errors: dict[str, list[str]] = {}
    try:
        campaign.full_clean(exclude=["status", "channels"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if campaign.campaign_type_id and campaign.budget is not None and "budget" not in errors:
        problem = campaign.campaign_type.budget_problem(campaign.budget)
        if problem:
            errors["budget"] = [problem]
    if campaign.start_date and campaign.end_date and campaign.start_date > campaign.end_date:
        errors["end_date"] = ["The campaign ends before it starts."]
    if not is_name_list(campaign.kpis):
        errors["kpis"] = ["Give a list of KPI names."]
    try:
        compile_condition(campaign.audience, tenant=campaign.tenant)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    given = [channel.channel_code for channel in channels]
    twice = sorted({code for code in given if given.count(code) > 1})
    if twice:
        errors["channels"] = [f"Name each channel once: {', '.join(twice)} given twice."]
    codes = set(given)
    if campaign.budget_type and campaign.budget_type.per_channel:
        given = dict(channel_budgets or {})
        if set(given) != codes:
            errors["channel_budgets"] = ["Give every channel of the campaign its budget."]
        elif sum(given.values(), Decimal("0")) != campaign.budget:
            errors["channel_budgets"] = ["The channels' budgets add up to the campaign's budget."]
    elif channel_budgets:
        errors["channel_budgets"] = ["Only a per-channel budget type splits the budget."]
    definitions = active_definitions(campaign.tenant)
    seen = set()
    for content in contents:
        channel = content["channel"]
        key = (channel.channel_code, content.get("variant", "A"))
        where = f"{channel.channel_code} variant {key[1]}"
        if channel.channel_code not in codes:
            errors.setdefault("contents", []).append(f"{where}: not a channel of this campaign.")
        elif not channel.sends_messages:
            errors.setdefault("contents", []).append(f"{where}: this channel sends no messages.")
        if key in seen:
            errors.setdefault("contents", []).append(f"{where}: given twice.")
        seen.add(key)
        if channel.kind == ChannelKind.EMAIL and not (content.get("subject") or "").strip():
            errors.setdefault("contents", []).append(f"{where}: an email needs a subject.")
        if not (content.get("body") or "").strip():
            errors.setdefault("contents", []).append(f"{where}: write the message.")
        for problem in length_errors(content.get("body"), MESSAGE_BODY_MAX_LENGTH):
            errors.setdefault("contents", []).append(f"{where}: {problem}")
        for part in ("subject", "body"):
            try:
                check_tags(content.get(part) or "", definitions=definitions)
            except ValidationError as exc:
                errors.setdefault("contents", []).append(f"{where}: {' '.join(exc.messages)}")
    per_channel: dict[str, int] = {}
    for code, _variant in seen:
        per_channel[code] = per_channel.get(code, 0) + 1
    if any(count > MAX_VARIANTS for count in per_channel.values()):
        errors.setdefault("contents", []).append(f"At most {MAX_VARIANTS} variants per channel.")
    if errors:
        raise ValidationError(errors)


def _write_children(
    campaign: Campaign,
    *,
    channels: Sequence[CampaignChannel] | None,
    channel_budgets: Mapping[str, Decimal] | None,
    contents: Sequence[Mapping[str, Any]] | None,
) -> None:
    tenant = campaign.tenant
    if channels is not None:
        campaign.plans.all().delete()
        CampaignChannelPlan.objects.bulk_create(
            CampaignChannelPlan(
                tenant=tenant,
                campaign=campaign,
                channel=channel,
                budget=(channel_budgets or {}).get(channel.channel_code),
            )
            for channel in channels
        )
    if contents is not None:
        campaign.variants.all().delete()
        CampaignVariant.objects.bulk_create(
            CampaignVariant(
                tenant=tenant,
                campaign=campaign,
                channel=content["channel"],
                variant=content.get("variant") or "A",
                weight=content.get("weight") or 1,
                subject=content.get("subject") or "",
                body=content["body"],
            )
            for content in contents
        )


def _current_channels(campaign: Campaign) -> list[CampaignChannel]:
    return [plan.channel for plan in campaign.plans.select_related("channel")]


def _current_budgets(campaign: Campaign) -> dict[str, Decimal]:
    return {
        plan.channel.channel_code: plan.budget
        for plan in campaign.plans.select_related("channel")
        if plan.budget is not None
    }


def _current_contents(campaign: Campaign) -> list[dict[str, Any]]:
    return [
        {
            "channel": v.channel,
            "variant": v.variant,
            "weight": v.weight,
            "subject": v.subject,
            "body": v.body,
        }
        for v in campaign.variants.select_related("channel")
    ]


@transaction.atomic
def campaign_create(
    *,
    tenant: Tenant,
    data: Mapping[str, Any],
    channels: Sequence[CampaignChannel] = (),
    channel_budgets: Mapping[str, Decimal] | None = None,
    contents: Sequence[Mapping[str, Any]] = (),
    by: Actor,
    template: CampaignTemplate | None = None,
) -> Campaign:
    """A draft in the tenant's initial status, recorded as created by `by`'s user."""
    require_campaign_writer(by, tenant=tenant)
    campaign = Campaign(
        tenant=tenant, status=initial_status(tenant), created_by=actor_user(by), template=template
    )
    data = dict(data)
    if data.get("campaign_type") is None:
        data["campaign_type"] = (
            CampaignType.objects.for_tenant(tenant).live().filter(is_default=True).first()
        )
    assign_fields(campaign, data, allowed=CAMPAIGN_FIELDS)
    _check(campaign, channels=channels, channel_budgets=channel_budgets, contents=contents)
    campaign.save()
    _write_children(campaign, channels=channels, channel_budgets=channel_budgets, contents=contents)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    data: Mapping[str, Any],
    channels: Sequence[CampaignChannel] | None = None,
    channel_budgets: Mapping[str, Decimal] | None = None,
    contents: Sequence[Mapping[str, Any]] | None = None,
    by: Actor,
) -> Campaign:
    require_campaign_writer(by, tenant=campaign.tenant)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.status.allows_editing:
        raise ValidationError(
            {"detail": [f"A campaign in status {campaign.status.status_name} cannot be edited."]}
        )
    assign_fields(campaign, dict(data), allowed=CAMPAIGN_FIELDS)
    new_channels = _current_channels(campaign) if channels is None else list(channels)
    if channel_budgets is None and channels is None:
        channel_budgets = _current_budgets(campaign)
    _check(
        campaign,
        channels=new_channels,
        channel_budgets=channel_budgets,
        contents=_current_contents(campaign) if contents is None else contents,
    )
    campaign.save()
    _write_children(
        campaign,
        channels=new_channels,
        channel_budgets=channel_budgets,
        contents=contents,
    )
    return campaign


@transaction.atomic
def campaign_create_from_template(
    *,
    template: CampaignTemplate,
    data: Mapping[str, Any],
    by: Actor,
) -> Campaign:
    """A draft with the template's type, channels, budget, duration, audience, KPIs and content;
    `data` (at least a name) overrides the defaults."""
    tenant = template.tenant
    require_campaign_writer(by, tenant=tenant)
    if not template.is_active or template.is_deleted:
        raise ValidationError({"detail": ["This template is not active."]})
    channels = list(
        CampaignChannel.objects.for_tenant(tenant)
        .live()
        .filter(channel_code__in=template.default_channels)
    )
    by_code = {channel.channel_code: channel for channel in channels}
    start = timezone.localdate()
    defaults: dict[str, Any] = {
        "name": template.template_name,
        "description": template.description,
        "campaign_type": template.campaign_type,
        "budget": template.default_budget or Decimal("0"),
        "audience": template.target_audience,
        "kpis": template.kpis,
        "start_date": start,
        "end_date": (
            start + timedelta(days=template.default_duration_days)
            if template.default_duration_days
            else None
        ),
    }
    contents = [
        {
            "channel": by_code[code],
            "variant": "A",
            "subject": part.get("subject", ""),
            "body": part.get("body", ""),
        }
        for code, part in template.content.items()
        if code in by_code and by_code[code].sends_messages
    ]
    return campaign_create(
        tenant=tenant,
        data={**defaults, **data},
        channels=channels,
        contents=contents,
        by=by,
        template=template,
    )


@transaction.atomic
def campaign_delete(*, campaign: Campaign, by: Actor) -> None:
    """Only a campaign that never launched can be deleted; a launched one keeps its history.
    The delete is for good (campaigns have no soft delete): the row and its channels and
    content are gone, so every list and lookup simply no longer finds it."""
    require_campaign_writer(by, tenant=campaign.tenant)
    if campaign.launched_at is not None:
        raise ValidationError({"detail": ["A launched campaign cannot be deleted; complete it."]})
    campaign.delete()


SAMPLE_CUSTOMER = {
    "first_name": "Alex",
    "last_name": "Sample",
    "email": "alex@example.com",
    "phone": "+15550100",
    "company": "Example Ltd",
}


def campaign_preview(
    *,
    campaign: Campaign,
    channel: CampaignChannel,
    variant: str = "A",
    customer: Customer | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> dict:
    """The message as a customer would get it (before tracking links): the given customer, or
    the audience's first, or a sample one. Unsaved `subject`/`body` are checked like saved
    content, so the builder previews exactly what saving would accept."""
    definitions = active_definitions(campaign.tenant)
    if subject is None and body is None:
        saved = campaign.variants.filter(channel=channel, variant=variant).first()
        if saved is None:
            raise ValidationError(
                {"variant": [f"No content {variant} for {channel.channel_code}."]}
            )
        subject, body = saved.subject, saved.body
    subject, body = subject or "", body or ""
    errors = []
    for text in (subject, body):
        try:
            check_tags(text, definitions=definitions)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"body": errors})
    if customer is None:
        try:
            customer = (
                audience_queryset(tenant=campaign.tenant, condition=campaign.audience)
                .order_by("pk")
                .first()
            )
        except ValidationError:
            customer = None
    sample = customer is None
    if sample:
        customer = Customer(tenant=campaign.tenant, **SAMPLE_CUSTOMER)
    is_html = channel.kind == ChannelKind.EMAIL
    return {
        "channel": channel.channel_code,
        "customer": None if sample else customer.pk,
        "customer_name": customer.full_name,
        "html": is_html,
        "subject": render(subject, customer, definitions=definitions, html=False),
        "body": render(body, customer, definitions=definitions, html=is_html),
    }
