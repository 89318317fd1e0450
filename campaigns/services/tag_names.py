"""Campaign audiences and templates' target audiences name tags: when a tag is renamed or
merged (crm.services.tags.on_tag_renamed) they name the new one, so a campaign's audience
keeps meaning what its author chose."""

from crm.conditions import rename_tag
from tenancy.models import Tenant

from ..models import Campaign, CampaignTemplate


def follow_tag_rename(tenant: Tenant, old: str, new: str) -> None:
    for model, field in ((Campaign, "audience"), (CampaignTemplate, "target_audience")):
        for pk, condition in model.objects.filter(tenant=tenant).values_list("pk", field):
            condition, changed = rename_tag(condition, old, new)
            if changed:
                model.objects.filter(pk=pk).update(**{field: condition})
