"""The campaign page's Triggers section: each trigger in words, its runs with the reasons in
words; another tenant's trigger never shows."""

import pytest
from django.urls import reverse

from campaigns.automation.services import trigger_create
from tenancy.actors import OPERATOR
from tenancy.events import emit
from tests.campaigns.triggers import drain_outbox, running_campaign

pytestmark = pytest.mark.django_db


def test_campaign_page_lists_triggers_and_their_runs(tenant_a, customers, as_manager, foreign):
    campaign = running_campaign(tenant_a)
    trigger_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={
            "name": "Big buyers",
            "campaign": campaign,
            "event_type": "purchase",
            "conditions": {"field": "event.amount", "op": "gte", "value": 100},
            "actions": [{"type": "add_tag", "tag": "big"}],
        },
    )
    emit(tenant=tenant_a, event_type="purchase", customer_id=customers[1].pk, data={"amount": 1})
    drain_outbox()
    page = as_manager.get(reverse("campaigns:campaign-detail", args=[campaign.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Big buyers" in text and "Add a tag: big" in text
    assert "The condition did not match" in text
    assert "Zqxbeta trigger" not in text
