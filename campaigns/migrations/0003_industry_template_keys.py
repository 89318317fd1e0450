"""Campaigns follow customfields 0003, which renamed two industry-template fields (retail
`vip_customer` to `is_vip`, healthcare `national_id` to `medical_id`) in the tenants where the
new key was free. In those tenants, what a campaign says about the field follows too: audience
conditions (`{"field": "custom.vip_customer", …}`) of campaigns and campaign templates, and the
personalisation tags (`{{ custom.vip_customer }}`) of messages and template content. Without it
a saved audience would be refused as naming an unknown field, and a tag would no longer fill."""

import re

from django.db import migrations

RENAMES = (("vip_customer", "is_vip"), ("national_id", "medical_id"))


def _renamed_in(apps, tenant_id: int) -> list[tuple[str, str]]:
    Definition = apps.get_model("customfields", "FieldDefinition")
    keys = set(Definition.objects.filter(tenant_id=tenant_id).values_list("field_key", flat=True))
    return [(old, new) for old, new in RENAMES if new in keys and old not in keys]


def _condition(node, renames):
    if isinstance(node, dict):
        result = {key: _condition(value, renames) for key, value in node.items()}
        for old, new in renames:
            if result.get("field") == f"custom.{old}":
                result["field"] = f"custom.{new}"
        return result
    if isinstance(node, list):
        return [_condition(item, renames) for item in node]
    return node


def _text(text: str, renames) -> str:
    for old, new in renames:
        text = re.sub(r"(\{\{\s*custom\.)" + re.escape(old) + r"(\s*\}\})", rf"\g<1>{new}\2", text)
    return text


def _content(content, renames):
    if isinstance(content, dict):
        return {key: _content(value, renames) for key, value in content.items()}
    if isinstance(content, str):
        return _text(content, renames)
    return content


def forwards(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    Template = apps.get_model("campaigns", "CampaignTemplate")
    Variant = apps.get_model("campaigns", "CampaignVariant")
    tenants = set(Campaign.objects.values_list("tenant_id", flat=True)) | set(
        Template.objects.values_list("tenant_id", flat=True)
    )
    for tenant_id in tenants:
        renames = _renamed_in(apps, tenant_id)
        if not renames:
            continue
        for campaign in Campaign.objects.filter(tenant_id=tenant_id):
            audience = _condition(campaign.audience, renames)
            if audience != campaign.audience:
                Campaign.objects.filter(pk=campaign.pk).update(audience=audience)
        for template in Template.objects.filter(tenant_id=tenant_id):
            audience = _condition(template.target_audience, renames)
            content = _content(template.content, renames)
            if (audience, content) != (template.target_audience, template.content):
                Template.objects.filter(pk=template.pk).update(
                    target_audience=audience, content=content
                )
        for variant in Variant.objects.filter(tenant_id=tenant_id):
            subject, body = _text(variant.subject, renames), _text(variant.body, renames)
            if (subject, body) != (variant.subject, variant.body):
                Variant.objects.filter(pk=variant.pk).update(subject=subject, body=body)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_initial"),
        ("customfields", "0003_industry_template_keys"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
