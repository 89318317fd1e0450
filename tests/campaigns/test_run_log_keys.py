"""The run log's keys: on PostgreSQL a run's (tenant, trigger) is one foreign key to the
trigger's (tenant, id), so the database refuses a run filed under another tenant than its
trigger's; on both databases a trigger's delete takes its runs along (Django deletes them:
the columns keep no key of their own)."""

import pytest
from django.db import IntegrityError, connection, transaction

from campaigns.automation.services import trigger_delete
from campaigns.models import RunOutcome, TriggerRun
from tenancy.actors import OPERATOR
from tenancy.events import emit
from tests.campaigns.test_triggers_consumer import make_trigger
from tests.campaigns.triggers import drain_outbox, running_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def trigger(tenant_a, customers):
    return make_trigger(
        tenant_a, running_campaign(tenant_a), actions=[{"type": "add_tag", "tag": "x"}]
    )


def run_of(trigger, *, tenant, customer, event=1):
    return TriggerRun(
        tenant=tenant,
        trigger=trigger,
        customer=customer,
        event=event,
        event_type="purchase",
        outcome=RunOutcome.SKIPPED,
        reason="condition_not_met",
    )


def test_a_run_under_another_tenant_than_its_triggers_is_refused(
    trigger, tenant_a, tenant_b, customers
):
    if connection.vendor != "postgresql":
        pytest.skip("the (tenant, trigger) key is PostgreSQL's (SQLite keeps none there)")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS triggerrun_tenant_trigger IMMEDIATE")
    run_of(trigger, tenant=tenant_a, customer=customers[0]).save()  # its own tenant: fine
    with pytest.raises(IntegrityError, match="triggerrun_tenant_trigger"), transaction.atomic():
        run_of(trigger, tenant=tenant_b, customer=customers[0], event=2).save()
    with pytest.raises(IntegrityError, match="triggerrun_tenant_trigger"), transaction.atomic():
        TriggerRun.objects.filter(trigger=trigger).update(trigger_id=trigger.pk + 10_000)
    assert TriggerRun.objects.filter(trigger=trigger).count() == 1


def test_a_triggers_delete_takes_its_runs_and_no_others(trigger, tenant_a, customers):
    emit(tenant=tenant_a, event_type="purchase", customer_id=customers[0].pk)
    drain_outbox()
    assert TriggerRun.objects.filter(trigger=trigger).count() == 1
    other = make_trigger(tenant_a, trigger.campaign, name="Second")
    emit(tenant=tenant_a, event_type="purchase", customer_id=customers[1].pk)
    drain_outbox()
    trigger_delete(trigger=trigger, by=OPERATOR)
    assert not TriggerRun.objects.filter(trigger_id=trigger.pk).exists()
    assert TriggerRun.objects.filter(trigger=other).count() == 1
