"""Install the default milestone configuration (milestones.defaults) for the tenants that existed
before this app: new tenants get it from the tenant_created signal. A tenant that already has
milestone types is left alone, so running this again changes nothing."""

from django.db import migrations

from milestones.defaults import install_default_configuration


def install_for_existing_tenants(apps, schema_editor):
    Tenant = apps.get_model("crm", "Tenant")
    MilestoneType = apps.get_model("milestones", "MilestoneType")
    configured = MilestoneType.objects.values("tenant_id")
    for tenant_id in Tenant.objects.exclude(pk__in=configured).values_list("pk", flat=True):
        install_default_configuration(
            tenant_id=tenant_id,
            type_model=MilestoneType,
            template_model=apps.get_model("milestones", "MilestoneTemplate"),
            step_model=apps.get_model("milestones", "MilestoneTemplateStep"),
        )


class Migration(migrations.Migration):
    dependencies = [("milestones", "0001_initial")]
    operations = [migrations.RunPython(install_for_existing_tenants, migrations.RunPython.noop)]
