"""tenant_create is the one way a tenant comes to be: the command, the admin and any other caller
get every app's defaults and the industry's customer fields alike."""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from crm.models import LeadSource
from customfields.models import FieldDefinition
from milestones.models import MilestoneTemplate
from tenancy.models import Tenant
from tenancy.services.tenants import tenant_create


def _setup_of(tenant):
    return (
        sorted(LeadSource.objects.for_tenant(tenant).values_list("source_code", flat=True)),
        MilestoneTemplate.objects.for_tenant(tenant).filter(is_default=True).count(),
        sorted(FieldDefinition.objects.for_tenant(tenant).values_list("field_key", flat=True)),
    )


def test_the_admin_the_command_and_the_service_set_a_tenant_up_alike(db):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pass-word-1")
    client = Client()
    client.force_login(root)
    response = client.post(
        "/admin/tenancy/tenant/add/",
        {
            "name": "From admin",
            "slug": "from-admin",
            "industry": "retail",
            "timezone": "UTC",
            "currency": "USD",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    call_command(
        "create_tenant",
        "from-command",
        "--name=From command",
        "--industry=retail",
        "--admin-username=cmd-admin",
        "--admin-password=a-Long-pass-1",
    )
    by_service = tenant_create(slug="from-service", name="From service", industry="retail")
    by_admin = Tenant.objects.get(slug="from-admin")
    by_command = Tenant.objects.get(slug="from-command")
    expected = _setup_of(by_service)
    assert expected[0] and expected[1] == 1 and expected[2]  # sources, a template, fields
    assert _setup_of(by_admin) == expected
    assert _setup_of(by_command) == expected


def test_the_admin_changes_a_tenant_through_the_service_and_keeps_its_slug(db):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pass-word-1")
    tenant = tenant_create(slug="keep", name="Keep")
    client = Client()
    client.force_login(root)
    response = client.post(
        f"/admin/tenancy/tenant/{tenant.pk}/change/",
        {
            "name": "Renamed",
            "slug": "changed",
            "industry": "other",
            "timezone": "Europe/Paris",
            "currency": "EUR",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.slug, tenant.name, tenant.timezone, tenant.currency) == (
        "keep",
        "Renamed",
        "Europe/Paris",
        "EUR",
    )
