"""Writes for the campaign catalogue: types, channels, statuses, budget types, templates.

Codes are unique per tenant among live rows; DELETE is soft. A tenant has one default type,
one default channel and exactly one initial status: setting the flag on an entry moves it there,
and the entry holding it cannot be deactivated or deleted until another one takes it.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models, transaction

from customfields.services.values import active_definitions
from tenancy.models import Tenant
from tenancy.services.common import assign_fields, save_validated

from ..conditions import compile_condition
from ..models import (
    BudgetType,
    CampaignChannel,
    CampaignStatus,
    CampaignTemplate,
    CampaignType,
    ChannelKind,
    StatusPhase,
)
from ..personalization import check_tags

_COMMON = {"description", "display_order", "is_active", "metadata"}
TYPE_FIELDS = _COMMON | {
    "type_code",
    "type_name",
    "icon",
    "color_hex",
    "is_default",
    "typical_duration_days",
    "min_budget",
    "max_budget",
    "recommended_budget",
}
CHANNEL_FIELDS = _COMMON | {
    "channel_code",
    "channel_name",
    "kind",
    "icon",
    "is_default",
    "average_cpl",
    "average_cpm",
    "average_roi",
    "cost_per_message",
    "integration_key",
    "webhook_secret",
    "integration_data",
}
STATUS_FIELDS = _COMMON | {
    "status_code",
    "status_name",
    "color_hex",
    "phase",
    "is_initial",
    "is_final",
    "allows_editing",
    "next_statuses",
}
BUDGET_TYPE_FIELDS = _COMMON | {"budget_type_code", "budget_type_name", "per_channel"}
TEMPLATE_FIELDS = _COMMON | {
    "template_name",
    "campaign_type",
    "default_channels",
    "default_budget",
    "default_duration_days",
    "target_audience",
    "kpis",
    "content",
    "is_default",
}
BACKENDS = {"console", "http"}
_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Spec:
    model: type[models.Model]
    fields: frozenset[str]
    flag: str | None  # the one-per-tenant flag ("is_default", "is_initial")
    label: str


TYPES = Spec(CampaignType, frozenset(TYPE_FIELDS), "is_default", "default campaign type")
CHANNELS = Spec(CampaignChannel, frozenset(CHANNEL_FIELDS), "is_default", "default channel")
STATUSES = Spec(CampaignStatus, frozenset(STATUS_FIELDS), "is_initial", "initial status")
BUDGET_TYPES = Spec(BudgetType, frozenset(BUDGET_TYPE_FIELDS), None, "")
TEMPLATES = Spec(CampaignTemplate, frozenset(TEMPLATE_FIELDS), "is_default", "default template")
SPECS = {spec.model: spec for spec in (TYPES, CHANNELS, STATUSES, BUDGET_TYPES, TEMPLATES)}


def _live(model, tenant: Tenant):
    return model.objects.for_tenant(tenant).live()


def _check_channel(channel: CampaignChannel) -> None:
    data = channel.integration_data
    if not isinstance(data, dict):
        raise ValidationError({"integration_data": ["Give an object."]})
    if channel.kind == ChannelKind.EMAIL and data.get("from_email"):
        try:
            validate_email(data["from_email"])
        except ValidationError:
            raise ValidationError({"integration_data": ["from_email is not an email."]}) from None
    if channel.kind in (ChannelKind.SMS, ChannelKind.WHATSAPP):
        backend = data.get("backend", "console")
        if backend not in BACKENDS:
            raise ValidationError(
                {"integration_data": [f"backend is one of {', '.join(sorted(BACKENDS))}."]}
            )
        if backend == "http":
            try:
                _url(data.get("endpoint") or "")
            except ValidationError:
                raise ValidationError(
                    {"integration_data": ["The http backend needs an http(s) endpoint."]}
                ) from None


def _check_status(status: CampaignStatus) -> None:
    codes = status.next_statuses
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ValidationError({"next_statuses": ["Give a list of status codes."]})
    known = set(_live(CampaignStatus, status.tenant).values_list("status_code", flat=True)) | {
        status.status_code
    }
    unknown = sorted(set(codes) - known)
    if unknown:
        raise ValidationError({"next_statuses": [f"Unknown status: {', '.join(unknown)}."]})
    if status.is_initial and status.phase != StatusPhase.DRAFT:
        raise ValidationError({"phase": ["The initial status is a draft."]})


def check_template(template: CampaignTemplate) -> None:
    tenant = template.tenant
    errors: dict[str, list[str]] = {}
    channels = template.default_channels
    codes = set(_live(CampaignChannel, tenant).values_list("channel_code", flat=True))
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        errors["default_channels"] = ["Give a list of channel codes."]
    elif set(channels) - codes:
        errors["default_channels"] = [
            f"Unknown channel: {', '.join(sorted(set(channels) - codes))}."
        ]
    if not isinstance(template.kpis, list):
        errors["kpis"] = ["Give a list of KPI names."]
    try:
        compile_condition(template.target_audience, tenant=tenant, field="target_audience")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    content = template.content
    definitions = active_definitions(tenant)
    if not isinstance(content, dict):
        errors["content"] = ["Give an object of channel code → {subject, body}."]
    else:
        for code, part in content.items():
            if code not in codes or not isinstance(part, dict):
                errors.setdefault("content", []).append(f"{code}: not a channel's content.")
                continue
            try:
                for key in ("subject", "body"):
                    check_tags(str(part.get(key, "")), definitions=definitions)
            except ValidationError as exc:
                errors.setdefault("content", []).append(f"{code}: {' '.join(exc.messages)}")
    if template.campaign_type_id and template.default_budget is not None:
        problem = template.campaign_type.budget_problem(template.default_budget)
        if problem:
            errors["default_budget"] = [problem]
    if errors:
        raise ValidationError(errors)


CHECKS = {
    CampaignChannel: _check_channel,
    CampaignStatus: _check_status,
    CampaignTemplate: check_template,
}


def _save(entry, spec: Spec, was_flagged: bool) -> None:
    if spec.flag:
        flagged = getattr(entry, spec.flag)
        if was_flagged and not flagged:
            raise ValidationError(
                {spec.flag: [f"Make another entry the {spec.label} instead of unsetting this."]}
            )
        if flagged and not entry.is_active:
            raise ValidationError({"is_active": [f"The {spec.label} cannot be inactive."]})
    check = CHECKS.get(spec.model)
    if check:
        check(entry)
    if spec.flag and getattr(entry, spec.flag):
        _live(spec.model, entry.tenant).filter(**{spec.flag: True}).exclude(pk=entry.pk).update(
            **{spec.flag: False}
        )
    save_validated(entry)


@transaction.atomic
def entry_create(
    *, model, tenant: Tenant, data: dict, created_by: AbstractBaseUser | None = None
) -> models.Model:
    spec = SPECS[model]
    entry = model(tenant=tenant, created_by=created_by)
    assign_fields(entry, dict(data), allowed=spec.fields)
    if spec.flag and not _live(model, tenant).filter(**{spec.flag: True}).exists():
        if spec.model is not CampaignStatus:  # the initial status is chosen, never implied
            setattr(entry, spec.flag, True)
    _save(entry, spec, was_flagged=False)
    return entry


@transaction.atomic
def entry_update(*, entry: models.Model, data: dict) -> models.Model:
    spec = SPECS[type(entry)]
    was_flagged = bool(spec.flag and getattr(entry, spec.flag))
    assign_fields(entry, dict(data), allowed=spec.fields)
    try:
        _save(entry, spec, was_flagged)
    except ValidationError:
        entry.refresh_from_db()
        raise
    return entry


def _refuse_if_flagged(entry, action: str) -> None:
    spec = SPECS[type(entry)]
    if spec.flag and getattr(entry, spec.flag):
        raise ValidationError(
            {spec.flag: [f"The {spec.label} cannot be {action}; give the role to another first."]}
        )


@transaction.atomic
def entry_deactivate(*, entry: models.Model) -> models.Model:
    _refuse_if_flagged(entry, "deactivated")
    entry.is_active = False
    entry.save(update_fields=["is_active", "updated_at"])
    return entry


@transaction.atomic
def entry_delete(*, entry: models.Model) -> None:
    """Soft delete: campaigns that use the entry keep it."""
    _refuse_if_flagged(entry, "deleted")
    entry.mark_deleted()
    entry.save(update_fields=["deleted_at", "is_active", "updated_at"])
