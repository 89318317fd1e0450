"""Writes for the campaign catalogue: types, channels, statuses, budget types, templates.

Each is a config entry (tenancy.services.config_entries): codes unique per tenant among live
rows, DELETE soft, one default type, channel and template and exactly one initial status (the
initial status is always chosen, never implied). What is particular to each kind (a channel's
integration, a status's next statuses, a template's channels, audience and content) is its
spec's check.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from crm.conditions import compile_condition
from customfields.services.values import active_definitions
from tenancy.models import Tenant
from tenancy.services.config_entries import ConfigSpec, register

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
from .campaigns import is_name_list

BACKENDS = {"console", "http"}
_url = URLValidator(schemes=["http", "https"])


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
    if not is_name_list(template.kpis):
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
            if set(part) - {"subject", "body"} or not all(
                isinstance(v, str) for v in part.values()
            ):
                errors.setdefault("content", []).append(
                    f"{code}: give a subject and a body as texts, nothing else."
                )
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


TYPES = register(
    ConfigSpec(
        CampaignType,
        fields=(
            "type_code",
            "type_name",
            "icon",
            "color_hex",
            "is_default",
            "typical_duration_days",
            "min_budget",
            "max_budget",
            "recommended_budget",
        ),
        noun="campaign type",
        flag_noun="default campaign type",
    )
)
CHANNELS = register(
    ConfigSpec(
        CampaignChannel,
        fields=(
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
        ),
        noun="channel",
        flag_noun="default channel",
        check=lambda entry, changes: _check_channel(entry),
    )
)
STATUSES = register(
    ConfigSpec(
        CampaignStatus,
        fields=(
            "status_code",
            "status_name",
            "color_hex",
            "phase",
            "is_initial",
            "is_final",
            "allows_editing",
            "next_statuses",
        ),
        noun="status",
        flag_noun="initial status",
        flag_implied=False,  # the initial status is chosen, never implied
        check=lambda entry, changes: _check_status(entry),
    )
)
BUDGET_TYPES = register(
    ConfigSpec(
        BudgetType,
        fields=("budget_type_code", "budget_type_name", "per_channel"),
        noun="budget type",
    )
)
TEMPLATES = register(
    ConfigSpec(
        CampaignTemplate,
        fields=(
            "template_name",
            "campaign_type",
            "default_channels",
            "default_budget",
            "default_duration_days",
            "target_audience",
            "kpis",
            "content",
            "is_default",
        ),
        noun="template",
        flag_noun="default template",
        check=lambda entry, changes: check_template(entry),
    )
)
