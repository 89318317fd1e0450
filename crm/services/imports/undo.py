"""Undo of a finished import: the customers (or leads) it created deleted, the ones it updated
given back the values they had before it (ImportRecord.before) and the tags it added taken
off, recorded in their field history (customers) or activity (leads) and timeline; then the
customers' scores and `customers_changed`, or the leads' `leads_changed` signal. Chunks of
UNDO_CHUNK records at a time. Managers and admins only (IMPORT_ROLES)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customfields.models import FieldDefinition, FieldHistory
from customfields.slots import EXTRA_FIELD
from tenancy.actors import Actor, actor_user

from ...models import (
    ActivityKind,
    Customer,
    CustomerTag,
    CustomerTagChange,
    ImportJob,
    ImportKind,
    ImportRecord,
    ImportStatus,
    Lead,
    LeadActivity,
    LeadTag,
)
from ...selectors.scoring import score_expression
from ...signals import announce_leads_changed
from ..reactions import customers_changed
from .jobs import require_importer
from .writing import shown

UNDO_CHUNK = 2_000


def _restore_value(model, name: str, value: Any) -> tuple[str, Any]:
    model_field = model._meta.get_field(name)
    if model_field.is_relation:
        return model_field.attname, value
    if value is None:
        return model_field.attname, None
    return model_field.attname, model_field.to_python(value)


@transaction.atomic
def import_undo(*, job: ImportJob, by: Actor) -> ImportJob:
    """Undo a finished import: the customers (or leads) it created are deleted, the ones it
    updated get back the values they had before it (and lose the tags it added), recorded in
    their history and timeline. Refused (ValidationError on `detail`) for a dry run, a job
    not finished, or one already undone. Managers and admins only."""
    tenant = job.tenant
    require_importer(by, tenant)
    job = ImportJob.objects.select_for_update().get(pk=job.pk, tenant=tenant)
    if job.dry_run:
        raise ValidationError({"detail": ["A dry run wrote nothing; there is nothing to undo."]})
    if job.status == ImportStatus.UNDONE:
        raise ValidationError({"detail": ["This import has been undone already."]})
    if job.status != ImportStatus.DONE:
        raise ValidationError({"detail": ["Only a finished import can be undone."]})
    now = timezone.now()
    user = actor_user(by)
    reason = f"undo of import #{job.pk}"
    model = Lead if job.kind == ImportKind.LEADS else Customer
    owner = "lead_id" if job.kind == ImportKind.LEADS else "customer_id"
    records = ImportRecord.objects.filter(tenant=tenant, job=job)
    created_ids = list(records.filter(created=True).values_list(owner, flat=True))
    if model is Customer:
        # New customers carry the job's stamp (ImportRecords with created=True are the leads',
        # and those of customers imported before the stamp existed).
        created_ids += Customer.objects.filter(tenant=tenant, import_job=job).values_list(
            "pk", flat=True
        )
    for start in range(0, len(created_ids), UNDO_CHUNK):
        model.objects.filter(tenant=tenant, pk__in=created_ids[start : start + UNDO_CHUNK]).delete()
    updated = list(
        records.filter(created=False).values_list(owner, "before", "added_tags").order_by("pk")
    )
    restored: list[int] = []
    for start in range(0, len(updated), UNDO_CHUNK):
        chunk = updated[start : start + UNDO_CHUNK]
        restored += _undo_updates(
            job=job, model=model, chunk=chunk, by=by, user=user, now=now, reason=reason
        )
    job.status = ImportStatus.UNDONE
    job.undone_at = now
    job.undone_by = user
    job.save(update_fields=["status", "undone_at", "undone_by"])
    return job


def _label(model, name: str, definition: FieldDefinition | None) -> str:
    if definition is not None:
        return definition.field_label
    if name == EXTRA_FIELD:
        return "Other custom fields"
    return str(model._meta.get_field(name).verbose_name).capitalize()


def _undo_updates(*, job, model, chunk, by, user, now, reason) -> list[int]:
    tenant = job.tenant
    ids = [pk for pk, _, _ in chunk]
    objects = model.objects.filter(tenant=tenant, pk__in=ids).in_bulk()
    groups: dict[tuple[str, ...], list] = {}
    history: list[FieldHistory] = []
    activities: list[LeadActivity] = []
    is_lead = model is Lead
    slots = {
        d.mapped_field_name: d
        for d in FieldDefinition.objects.for_tenant(tenant).exclude(mapped_field_name=None)
    }
    for pk, before, _ in chunk:
        obj = objects.get(pk)
        if obj is None or not before:
            continue
        names = []
        for name, value in before.items():
            attname, typed = _restore_value(model, name, value)
            if not is_lead:
                definition = slots.get(name)
                history.append(
                    FieldHistory(
                        tenant=tenant,
                        customer_id=pk,
                        definition=definition,
                        field_key=definition.field_key if definition else name,
                        field_label=_label(model, name, definition),
                        old_value=shown(getattr(obj, attname)),
                        new_value=shown(typed),
                        changed_by=user,
                        changed_at=now,
                        reason=reason,
                    )
                )
            setattr(obj, attname, typed)
            names.append(attname)
        obj.updated_at = now
        groups.setdefault(tuple(sorted(names)), []).append(obj)
        if is_lead:
            activities.append(
                LeadActivity(
                    tenant=tenant,
                    lead_id=pk,
                    actor=user,
                    kind=ActivityKind.UPDATED,
                    message=f"Import #{job.pk} undone: {', '.join(sorted(before))} restored.",
                    created_at=now,
                )
            )
    for names, group in groups.items():
        model.objects.bulk_update(group, [*names, "updated_at"], batch_size=500)
    # The tags the import added go again.
    by_tag: dict[str, list[int]] = {}
    for pk, _, added in chunk:
        for name in added or []:
            by_tag.setdefault(name, []).append(pk)
    for name, owners in by_tag.items():
        if is_lead:
            LeadTag.objects.filter(tenant=tenant, lead_id__in=owners, tag__name=name).delete()
            continue
        CustomerTag.objects.filter(tenant=tenant, customer_id__in=owners, tag__name=name).delete()
        CustomerTagChange.objects.bulk_create(
            [
                CustomerTagChange(
                    tenant=tenant,
                    customer_id=pk,
                    tag_name=name,
                    added=False,
                    changed_by=user,
                    changed_at=now,
                )
                for pk in owners
            ]
        )
    if is_lead:
        LeadActivity.objects.bulk_create(activities)
        announce_leads_changed(tenant=tenant, lead_ids=ids)
        return ids
    FieldHistory.objects.bulk_create(history, batch_size=2000)
    kept = sorted(objects)
    Customer.objects.filter(tenant=tenant, pk__in=kept).update(
        crm_score=score_expression(tenant=tenant)
    )
    customers_changed(tenant=tenant, customer_ids=kept, by=by)
    return kept
