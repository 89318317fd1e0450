"""seed_demo: the demo tenant with realistic data, created once."""

from django.contrib.auth import authenticate
from django.core.management import call_command

from crm.demo import DEMO_IMPORTED
from crm.models import Customer, Lead
from tenancy.models import Tenant


def run(*args):
    call_command(*args)


def test_seed_demo_is_idempotent(db):
    run("seed_demo")
    tenant = Tenant.objects.get(slug="demo")
    leads = Lead.objects.filter(tenant=tenant).count()
    assert leads >= 100
    assert set(Lead.objects.filter(tenant=tenant).values_list("status", flat=True)) >= {
        "NEW",
        "WON",
        "LOST",
    }
    assert authenticate(username="demo-agent", password="demo-pass-123") is not None
    customers = Customer.objects.filter(tenant=tenant)
    won = Lead.objects.filter(tenant=tenant, status="WON")
    assert customers.count() == 60 + won.count() + DEMO_IMPORTED
    assert not won.filter(customer__isnull=True).exists()
    assert customers.filter(custom_select_1__isnull=False).count() == customers.count()
    run("seed_demo")
    assert Tenant.objects.filter(slug="demo").count() == 1
    assert Lead.objects.filter(tenant=tenant).count() == leads
