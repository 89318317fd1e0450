"""An import's leads, written batch by batch by bulk_create / bulk_update (their imports are
smaller, and their rows narrow): each new lead scored (unless the file gives its score) and
stamped through the funnel's stages its status has reached, with its activity, `lead_created`
and import record; each updated one with the values before in its import record and activity,
`lead_status_changed` when its status moved; the tag links only the lead did not have, and
the `leads_changed` signal. Helpers of crm.services.imports.pipeline; not a way in."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from tenancy.actors import Actor, actor_user

from ...models import (
    CONTACTED_STATUSES,
    QUALIFIED_STATUSES,
    ActivityKind,
    ImportJob,
    ImportRecord,
    Lead,
    LeadActivity,
    LeadStatus,
    LeadTag,
)
from ...signals import announce_leads_changed
from .. import emits
from ..leads import score_lead
from .tagging import tag_ids
from .writing import Planned, Written, json_value


def stamp_funnel(values: dict[str, Any], now: datetime) -> None:
    """When a new lead starts at a later status, it reached the funnel's stages now (as
    the lead services stamp them)."""
    status = values.get("status", LeadStatus.NEW)
    if status in CONTACTED_STATUSES:
        values.setdefault("contacted_at", now)
    if status in QUALIFIED_STATUSES:
        values.setdefault("qualified_at", now)
    if status == LeadStatus.WON:
        values.setdefault("converted_at", now)


class LeadWriter:
    """Writes one job's leads, batch by batch (bulk_create / bulk_update)."""

    def __init__(self, *, job: ImportJob, by: Actor, default_source, labels: Mapping[str, str]):
        self.job = job
        self.tenant = job.tenant
        self.by = by
        self.user = actor_user(by)
        self.default_source = default_source
        self.labels = labels
        self.job_tags = list(job.tags or [])

    def write(self, *, creates: list[Planned], updates: list[Planned]) -> Written:
        now = timezone.now()
        done = Written()
        leads, tag_lists = [], []
        for planned in creates:
            core, _, tags = planned.merged()
            tags = sorted({*tags, *self.job_tags})
            values = dict(core)
            values.setdefault("source", self.default_source)
            if values.get("lead_score") is None:
                values["lead_score"] = score_lead(
                    source=values["source"],
                    company=values.get("company", ""),
                    email=values.get("email", ""),
                    tags=tags,
                )
            stamp_funnel(values, now)
            leads.append(Lead(tenant=self.tenant, created_by=self.user, created_at=now, **values))
            tag_lists.append(tags)
        Lead.objects.bulk_create(leads, batch_size=500)
        emits.leads_created(tenant=self.tenant, leads=leads)
        for planned, lead in zip(creates, leads, strict=True):
            planned.pk = lead.pk
        done.created, done.created_ids = len(leads), [lead.pk for lead in leads]
        records = [
            ImportRecord(
                tenant=self.tenant, job=self.job, row=p.row.number, lead=lead, created=True, at=now
            )
            for p, lead in zip(creates, leads, strict=True)
        ]
        activities = [
            LeadActivity(
                tenant=self.tenant,
                lead=lead,
                actor=self.user,
                kind=ActivityKind.CREATED,
                message=f"Imported from {self.job.filename} (import #{self.job.pk}), "
                f"score {lead.lead_score}.",
                created_at=now,
            )
            for lead in leads
        ]
        wanted = {lead.pk: tags for lead, tags in zip(leads, tag_lists, strict=True) if tags}

        current = {
            lead.pk: lead
            for lead in Lead.objects.filter(tenant=self.tenant, pk__in=[p.pk for p in updates])
        }
        changed_leads, fields, moved = [], set(), []
        for planned in updates:
            lead = current.get(planned.pk)
            if lead is None:
                done.unchanged += 1
                continue
            core, _, tags = planned.merged()
            before, labels = {}, []
            for name, new in core.items():
                model_field = Lead._meta.get_field(name)
                old = getattr(lead, model_field.attname)
                new_raw = new.pk if model_field.is_relation else new
                if new_raw == old:
                    continue
                before[name] = json_value(old)
                setattr(lead, model_field.attname, new_raw)
                fields.add(model_field.attname)
                labels.append(self.labels.get(name, name))
            wanted_tags = sorted({*tags, *self.job_tags})
            if wanted_tags:
                wanted[lead.pk] = wanted_tags
            if before:
                changed_leads.append(lead)
                if "status" in before:
                    moved.append((lead, before["status"], lead.status))
            records.append(
                ImportRecord(
                    tenant=self.tenant,
                    job=self.job,
                    row=planned.row.number,
                    lead=lead,
                    created=False,
                    before=before,
                    changed=labels,
                    at=now,
                )
            )
        if changed_leads:
            for lead in changed_leads:
                lead.updated_at = now
            Lead.objects.bulk_update(changed_leads, [*sorted(fields), "updated_at"], batch_size=500)
            emits.lead_status_changes(tenant=self.tenant, changes=moved)
        announce_leads_changed(
            tenant=self.tenant, lead_ids=[*done.created_ids, *(lead.pk for lead, _, _ in moved)]
        )
        added = self._link_tags(wanted, existing_ids=list(current))
        kept = []
        for record in records:
            if not record.created:
                record.added_tags = added.get(record.lead_id, [])
                if record.added_tags:
                    record.changed = [*record.changed, "tags"]
                if not (record.before or record.added_tags):
                    done.unchanged += 1
                    continue
                done.updated += 1
                activities.append(
                    LeadActivity(
                        tenant=self.tenant,
                        lead_id=record.lead_id,
                        actor=self.user,
                        kind=ActivityKind.UPDATED,
                        message=f"Updated by import #{self.job.pk}: {', '.join(record.changed)}.",
                        changes={k: [v, None] for k, v in record.before.items()},
                        created_at=now,
                    )
                )
            kept.append(record)
        ImportRecord.objects.bulk_create(kept, batch_size=2000)
        LeadActivity.objects.bulk_create(activities, batch_size=2000)
        return done

    def _link_tags(
        self, wanted: dict[int, list[str]], *, existing_ids: list[int]
    ) -> dict[int, list[str]]:
        if not wanted:
            return {}
        ids = tag_ids(tenant=self.tenant, names={n for names in wanted.values() for n in names})
        had = (
            set(
                LeadTag.objects.filter(tenant=self.tenant, lead_id__in=existing_ids).values_list(
                    "lead_id", "tag_id"
                )
            )
            if existing_ids
            else set()
        )
        links, added = [], {}
        for pk, names in wanted.items():
            for name in names:
                if (pk, ids[name]) not in had:
                    links.append(LeadTag(tenant=self.tenant, lead_id=pk, tag_id=ids[name]))
                    added.setdefault(pk, []).append(name)
        LeadTag.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
        return added
