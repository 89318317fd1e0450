"""The demo tenant's callbacks (seed_demo): a queue worth working and a history behind it."""

from django.core.management import call_command
from django.db.models import F

from callbacks.models import BusinessHoliday, CallbackActivity, CallbackRequest
from tenancy.models import Tenant


def test_seed_demo_makes_a_callback_queue_and_its_history(db):
    call_command("seed_demo")
    tenant = Tenant.objects.get(slug="demo")
    callbacks = CallbackRequest.objects.filter(tenant=tenant)
    statuses = set(callbacks.values_list("status", flat=True))
    assert statuses == {"pending", "scheduled", "in_progress", "completed", "failed", "cancelled"}
    assert callbacks.filter(status="pending", assigned_to__isnull=True).count() >= 10
    assert not callbacks.filter(sla_due_at__isnull=True).exists()
    assert callbacks.filter(status="failed", attempts=3).exists()
    late = callbacks.filter(status="completed", closed_at__gt=F("sla_due_at"))
    assert late.exists() and callbacks.filter(status="pending", reason="complaint").exists()
    assert CallbackActivity.objects.filter(callback__tenant=tenant, kind="no_answer").exists()
    assert BusinessHoliday.objects.filter(tenant=tenant).count() == 2
    call_command("seed_demo")  # idempotent
    assert CallbackRequest.objects.filter(tenant=tenant).count() == callbacks.count()
