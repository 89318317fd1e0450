"""campaigns 0003: in a tenant whose template field was renamed (customfields 0003), saved
audiences and personalisation tags follow the new key; a tenant that kept the old key is left
as it is."""

import importlib

from django.apps import apps

from campaigns.models import Campaign, CampaignVariant
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR
from tests.campaigns.conftest import channel
from tests.campaigns.factories import CampaignFactory

migration = importlib.import_module("campaigns.migrations.0003_industry_template_keys")
OLD_AUDIENCE = {
    "all": [
        {"field": "custom.vip_customer", "op": "eq", "value": True},
        {"not": {"field": "custom.vip_customer", "op": "is_empty"}},
    ]
}
NEW_AUDIENCE = {
    "all": [
        {"field": "custom.is_vip", "op": "eq", "value": True},
        {"not": {"field": "custom.is_vip", "op": "is_empty"}},
    ]
}


def _campaign_naming_the_old_key(tenant):
    campaign = CampaignFactory(
        tenant=tenant,
        contents=[{"channel": channel(tenant, "EMAIL"), "subject": "Hi", "body": "Hello"}],
    )
    Campaign.objects.filter(pk=campaign.pk).update(audience=OLD_AUDIENCE)
    CampaignVariant.objects.filter(campaign=campaign).update(
        subject="VIP? {{custom.vip_customer}}", body="Status: {{ custom.vip_customer }}."
    )
    return campaign


def test_a_renamed_tenants_audiences_and_tags_follow_the_new_key(tenant_a, tenant_b):
    definition_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"field_key": "is_vip", "field_label": "VIP", "field_type": "boolean"},
    )
    definition_create(
        tenant=tenant_b,
        by=OPERATOR,
        data={"field_key": "vip_customer", "field_label": "VIP", "field_type": "boolean"},
    )
    renamed = _campaign_naming_the_old_key(tenant_a)
    kept = _campaign_naming_the_old_key(tenant_b)

    migration.forwards(apps, None)

    renamed.refresh_from_db()
    variant = CampaignVariant.objects.get(campaign=renamed)
    assert renamed.audience == NEW_AUDIENCE
    assert (variant.subject, variant.body) == (
        "VIP? {{custom.is_vip}}",
        "Status: {{ custom.is_vip }}.",
    )
    kept.refresh_from_db()
    assert kept.audience == OLD_AUDIENCE
    assert "custom.vip_customer" in CampaignVariant.objects.get(campaign=kept).body
