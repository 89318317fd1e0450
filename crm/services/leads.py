"""Writes for leads: create with auto-scoring, update with change tracking, archive/restore,
bulk status, bulk assignment, notes. Every change lands in the lead's activity log.

Who may write: every active member of the lead's tenant (admins, managers, agents) and the
operator; an agent only on the leads visible to them (assigned to them or unassigned), and only
managers and admins assign leads to others. Each service checks it for its actor `by`."""

from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst

from tenancy.actors import Actor, Operator, actor_user, is_operator, require_role
from tenancy.caching import bump_figures
from tenancy.models import Membership, Role, Tenant
from tenancy.services.common import assign_fields, reverted_on_refusal, save_validated
from tenancy.validators import NOTES_MAX_LENGTH, length_errors

from ..models import (
    CONTACTED_STATUSES,
    QUALIFIED_STATUSES,
    ActivityKind,
    Lead,
    LeadActivity,
    LeadSource,
    LeadStatus,
    LeadTag,
)
from ..selectors.leads import LEAD_FIGURES, leads_visible_to
from ..signals import announce_leads_changed, lead_won
from . import emits
from .scoring import count_logged_call
from .tags import clean_tag_names, set_tags

BASE_SCORE = 50
COMPANY_BONUS = 10
BUSINESS_EMAIL_BONUS = 10
HIGH_VALUE_TAG_BONUS = 15
HIGH_VALUE_TAGS = frozenset({"vip", "enterprise", "high-value", "hot", "decision-maker"})
FREE_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "gmx.com",
        "gmx.net",
        "yandex.com",
        "zoho.com",
    }
)

# Who may write leads (an agent only those visible to them), and who may hand leads to others.
LEAD_WRITE_ROLES = (Role.ADMIN, Role.MANAGER, Role.AGENT)
LEAD_ASSIGN_ROLES = (Role.ADMIN, Role.MANAGER)

# What clients may set on a lead, in display order (the API, the admin and the forms use it).
EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "job_title",
    "status",
    "source",
    "sub_source",
    "channel",
    "assigned_to",
    "lead_score",
    "probability",
    "estimated_value",
    "expected_close_date",
    "last_contact_date",
    "next_follow_up_date",
    "call_attempts",
    "notes",
    "customer",
    "campaign",
)


def score_lead(*, source: LeadSource, company: str, email: str, tags: Iterable[str]) -> int:
    """The auto-score (docs/metrics.md): 50 + the source's bonus + company + business email +
    VIP tags."""
    score = BASE_SCORE + source.score_bonus
    if company.strip():
        score += COMPANY_BONUS
    domain = email.rpartition("@")[2].lower()
    if domain and domain not in FREE_EMAIL_DOMAINS:
        score += BUSINESS_EMAIL_BONUS
    if HIGH_VALUE_TAGS & {t.lower() for t in tags}:
        score += HIGH_VALUE_TAG_BONUS
    return max(0, min(100, score))


def _actionable(*, tenant: Tenant, by: Actor) -> QuerySet[Lead]:
    """The leads of `tenant` that `by` may act on: every one for the operator, else the ones
    the member sees."""
    if isinstance(by, Operator):
        return Lead.objects.for_tenant(tenant)
    return leads_visible_to(tenant=tenant, membership=by)


def require_lead_access(*, lead: Lead, by: Actor) -> None:
    """Refuse (PermissionDenied) unless `by` may write `lead`: the operator (or a superuser),
    or a member of its tenant with a writing role who sees the lead (an agent: assigned to
    them or unassigned)."""
    require_role(by, tenant=lead.tenant, roles=LEAD_WRITE_ROLES)
    if is_operator(by):
        return
    if not leads_visible_to(tenant=lead.tenant, membership=by).filter(pk=lead.pk).exists():
        raise PermissionDenied("This lead is assigned to someone else.")


def _check_assignee(*, by: Actor, assignee_id: int | None) -> None:
    """Agents may take a lead or let it go, never hand it to someone else."""
    if isinstance(by, Membership) and not by.can_manage and assignee_id not in (None, by.user_id):
        raise ValidationError({"assigned_to": ["Agents can only assign leads to themselves."]})


def _stamp_funnel(lead: Lead, now: datetime) -> None:
    """Record when the lead first reached each funnel stage; `converted_at` follows WON."""
    if lead.status in CONTACTED_STATUSES and lead.contacted_at is None:
        lead.contacted_at = now
    if lead.status in QUALIFIED_STATUSES and lead.qualified_at is None:
        lead.qualified_at = now
    if lead.status == LeadStatus.WON:
        if lead.converted_at is None:
            transaction.on_commit(partial(lead_won.send, sender=Lead, lead=lead))
        lead.converted_at = lead.converted_at or now
    else:
        lead.converted_at = None


def _describe(value: Any) -> str:
    """A value as the activity's `changes` keep it: codes, for apps to read."""
    if value is None or value == "":
        return "—"
    for attr in ("source_code", "sub_source_code", "channel_code", "username"):
        if hasattr(value, attr):
            return getattr(value, attr)
    return str(value)


def _field_label(name: str) -> str:
    """A lead field as a person reads it ("Assigned to", "Lead score")."""
    try:
        return capfirst(Lead._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return capfirst(name.replace("_", " "))


def _in_words(name: str, value: Any) -> str:
    """A value as the activity's message shows it: a status by its label, a source, channel or
    member by name."""
    if value is None or value == "":
        return "—"
    for attr in ("source_name", "sub_source_name", "channel_name"):
        if hasattr(value, attr):
            return getattr(value, attr)
    if hasattr(value, "get_username"):
        return value.get_username()
    if name == "status":
        return LeadStatus(value).label if value in LeadStatus.values else str(value)
    return str(value)


def change_line(name: str, old: Any, new: Any) -> str:
    """ "Status: New → Contacted" — one change in words."""
    return f"{_field_label(name)}: {_in_words(name, old)} → {_in_words(name, new)}"


def lead_log_activity(
    lead: Lead, *, by: Actor, kind: str, message: str, changes: dict | None = None
) -> LeadActivity:
    """Add an entry to the lead's activity log (other apps log their events here too).

    A helper of the services that made the change, not a way in: it checks no role (the
    calling service has), it records `by` as the entry's actor (no user for the OPERATOR)."""
    return LeadActivity.objects.create(
        tenant=lead.tenant,
        lead=lead,
        actor=actor_user(by),
        kind=kind,
        message=message,
        changes=changes or {},
    )


@transaction.atomic
def lead_create(
    *,
    tenant: Tenant,
    by: Actor,
    data: dict[str, Any],
    tags: Iterable[str] = (),
) -> Lead:
    require_role(by, tenant=tenant, roles=LEAD_WRITE_ROLES)
    data = dict(data)
    tag_names = clean_tag_names(tags)
    lead = Lead(tenant=tenant, created_by=actor_user(by))
    if data.get("source") is None:
        data["source"] = (
            LeadSource.objects.for_tenant(tenant).live().filter(is_default=True).first()
        )
        if data["source"] is None:
            raise ValidationError(
                {"source": ["This tenant has no default lead source; choose one."]}
            )
    auto_score = data.get("lead_score") is None
    if auto_score:
        data.pop("lead_score", None)
    assign_fields(lead, data, allowed=EDITABLE_FIELDS)
    _check_assignee(by=by, assignee_id=lead.assigned_to_id)
    if auto_score:
        lead.lead_score = score_lead(
            source=lead.source, company=lead.company, email=lead.email, tags=tag_names
        )
    _stamp_funnel(lead, timezone.now())
    save_validated(lead)
    set_tags(owner=lead, through=LeadTag, names=tag_names)
    count_logged_call(lead, by=by, before=None)
    emits.lead_created(lead=lead)
    bump_figures(tenant.pk, LEAD_FIGURES)
    announce_leads_changed(tenant=tenant, lead_ids=[lead.pk])
    who = by.user.get_username() if isinstance(by, Membership) else "system"
    lead_log_activity(
        lead,
        by=by,
        kind=ActivityKind.CREATED,
        message=f"Lead created by {who}, score {lead.lead_score}.",
    )
    return lead


@transaction.atomic
def lead_update(
    *,
    lead: Lead,
    by: Actor,
    data: dict[str, Any],
    tags: Iterable[str] | None = None,
) -> Lead:
    require_lead_access(lead=lead, by=by)
    if lead.is_archived:
        raise ValidationError({"detail": ["This lead is archived; restore it before editing."]})
    with reverted_on_refusal(lead):
        return _lead_update(lead=lead, by=by, data=data, tags=tags)


def _lead_update(
    *, lead: Lead, by: Actor, data: dict[str, Any], tags: Iterable[str] | None
) -> Lead:
    old_source_id = lead.source_id
    last_contact = lead.last_contact_date
    old_status = lead.status
    changes = assign_fields(lead, data, allowed=EDITABLE_FIELDS)
    if lead.source_id != old_source_id and "sub_source" not in data:
        lead.sub_source = None
    if "assigned_to" in changes:
        _check_assignee(by=by, assignee_id=lead.assigned_to_id)
    _stamp_funnel(lead, timezone.now())
    save_validated(lead)
    if changes:
        bump_figures(lead.tenant_id, LEAD_FIGURES)
    if lead.status != old_status:
        emits.lead_status_changes(tenant=lead.tenant, changes=[(lead, old_status, lead.status)])
        announce_leads_changed(tenant=lead.tenant, lead_ids=[lead.pk])
    if "last_contact_date" in changes:
        count_logged_call(lead, by=by, before=last_contact)
    if tags is not None:
        new_tags = clean_tag_names(tags)
        old_tags = lead.tag_names()
        if new_tags != old_tags:
            set_tags(owner=lead, through=LeadTag, names=new_tags)
            changes["tags"] = (", ".join(old_tags), ", ".join(new_tags))
    if changes:
        parts = [
            "Notes changed" if name == "notes" else change_line(name, old, new)
            for name, (old, new) in changes.items()
        ]
        kind = ActivityKind.STATUS if set(changes) == {"status"} else ActivityKind.UPDATED
        lead_log_activity(
            lead,
            by=by,
            kind=kind,
            message="; ".join(parts),
            changes={
                name: [_describe(old), _describe(new)] for name, (old, new) in changes.items()
            },
        )
    return lead


@transaction.atomic
def lead_archive(*, lead: Lead, by: Actor) -> Lead:
    require_lead_access(lead=lead, by=by)
    if lead.is_archived:
        raise ValidationError({"detail": ["This lead is already archived."]})
    lead.archived_at = timezone.now()
    lead.save(update_fields=["archived_at", "updated_at"])
    bump_figures(lead.tenant_id, LEAD_FIGURES)
    lead_log_activity(lead, by=by, kind=ActivityKind.ARCHIVED, message="Lead archived.")
    announce_leads_changed(tenant=lead.tenant, lead_ids=[lead.pk])
    return lead


@transaction.atomic
def lead_restore(*, lead: Lead, by: Actor) -> Lead:
    require_lead_access(lead=lead, by=by)
    if not lead.is_archived:
        raise ValidationError({"detail": ["This lead is not archived."]})
    lead.archived_at = None
    lead.save(update_fields=["archived_at", "updated_at"])
    bump_figures(lead.tenant_id, LEAD_FIGURES)
    lead_log_activity(lead, by=by, kind=ActivityKind.RESTORED, message="Lead restored.")
    announce_leads_changed(tenant=lead.tenant, lead_ids=[lead.pk])
    return lead


@transaction.atomic
def lead_add_note(*, lead: Lead, by: Actor, note: str) -> LeadActivity:
    require_lead_access(lead=lead, by=by)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["Write a note."]})
    if problems := length_errors(note, NOTES_MAX_LENGTH):
        raise ValidationError({"note": problems})
    return LeadActivity.objects.create(
        tenant=lead.tenant, lead=lead, actor=actor_user(by), kind=ActivityKind.NOTE, message=note
    )


def _resolve_leads(*, tenant: Tenant, by: Actor, lead_ids: list[int]) -> list[Lead]:
    """The caller's visible, live leads for these ids; any other id fails the whole request."""
    if not lead_ids:
        raise ValidationError({"lead_ids": ["Give at least one lead id."]})
    wanted = set(lead_ids)
    leads = list(
        _actionable(tenant=tenant, by=by)
        .filter(pk__in=wanted, archived_at__isnull=True)
        .select_for_update()
        .order_by("pk")
    )
    missing = wanted - {lead.pk for lead in leads}
    if missing:
        listed = ", ".join(str(pk) for pk in sorted(missing))
        raise ValidationError({"lead_ids": [f"Unknown or archived lead ids: {listed}."]})
    return leads


@transaction.atomic
def lead_bulk_status(
    *, tenant: Tenant, by: Actor, lead_ids: list[int], status: str, note: str = ""
) -> list[Lead]:
    """Set the status of several leads; an id the actor may not see fails them all."""
    require_role(by, tenant=tenant, roles=LEAD_WRITE_ROLES)
    if status not in LeadStatus.values:
        raise ValidationError({"status": [f"'{status}' is not a lead status."]})
    if problems := length_errors(note.strip(), NOTES_MAX_LENGTH):
        raise ValidationError({"note": problems})
    leads = _resolve_leads(tenant=tenant, by=by, lead_ids=lead_ids)
    now = timezone.now()
    moved = []
    for lead in leads:
        old = lead.status
        if old == status:
            continue
        lead.status = status
        _stamp_funnel(lead, now)
        lead.save(
            update_fields=["status", "contacted_at", "qualified_at", "converted_at", "updated_at"]
        )
        message = change_line("status", old, status) + (
            f" — {note.strip()}" if note.strip() else ""
        )
        lead_log_activity(
            lead,
            by=by,
            kind=ActivityKind.STATUS,
            message=message,
            changes={"status": [old, status]},
        )
        moved.append((lead, old, status))
    emits.lead_status_changes(tenant=tenant, changes=moved)
    if moved:
        bump_figures(tenant.pk, LEAD_FIGURES)
    announce_leads_changed(tenant=tenant, lead_ids=[lead.pk for lead, _, _ in moved])
    return leads


@transaction.atomic
def lead_assign(*, tenant: Tenant, by: Actor, lead_ids: list[int], agent_id: int) -> list[Lead]:
    """Assign several leads to one active member of the tenant (managers and admins only)."""
    require_role(by, tenant=tenant, roles=LEAD_WRITE_ROLES)
    require_role(
        by,
        tenant=tenant,
        roles=LEAD_ASSIGN_ROLES,
        message="Only managers and admins can assign leads.",
    )
    membership = (
        Membership.objects.filter(tenant=tenant, user_id=agent_id, is_active=True)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise ValidationError({"agent_id": ["Not an active member of this tenant."]})
    agent = membership.user
    leads = _resolve_leads(tenant=tenant, by=by, lead_ids=lead_ids)
    for lead in leads:
        if lead.assigned_to_id == agent.pk:
            continue
        old = lead.assigned_to
        lead.assigned_to = agent
        lead.save(update_fields=["assigned_to", "updated_at"])
        lead_log_activity(
            lead,
            by=by,
            kind=ActivityKind.ASSIGNED,
            message=change_line("assigned_to", old, agent),
            changes={"assigned_to": [_describe(old), agent.get_username()]},
        )
    bump_figures(tenant.pk, LEAD_FIGURES)  # figures a member sees follow who the leads are for
    return leads
