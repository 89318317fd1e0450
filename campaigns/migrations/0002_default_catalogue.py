"""Install the default campaign catalogue (campaigns.defaults) for the tenants that existed
before this app: new tenants get it from the tenant_created signal. A tenant that already has
campaign types is left alone, so running this again changes nothing."""

from django.db import migrations

from campaigns.defaults import install_default_catalogue


def install_for_existing_tenants(apps, schema_editor):
    Tenant = apps.get_model("crm", "Tenant")
    CampaignType = apps.get_model("campaigns", "CampaignType")
    configured = CampaignType.objects.values("tenant_id")
    for tenant_id in Tenant.objects.exclude(pk__in=configured).values_list("pk", flat=True):
        install_default_catalogue(
            tenant_id=tenant_id,
            type_model=CampaignType,
            channel_model=apps.get_model("campaigns", "CampaignChannel"),
            status_model=apps.get_model("campaigns", "CampaignStatus"),
            budget_type_model=apps.get_model("campaigns", "BudgetType"),
        )


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]
    operations = [migrations.RunPython(install_for_existing_tenants, migrations.RunPython.noop)]
