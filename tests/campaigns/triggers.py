"""Helpers of the trigger tests: a running (ACTIVE) email campaign whose audience matches no
one (it sends only through its triggers), and draining the outbox as the worker would."""

from campaigns.services.launch import campaign_launch
from tenancy.actors import OPERATOR
from tenancy.events import process_events
from tests.campaigns.conftest import EMAIL_BODY, channel
from tests.campaigns.factories import CampaignFactory

NOBODY = {"field": "first_name", "op": "eq", "value": "zz-no-one-zz"}


def running_campaign(tenant, *, name="Welcome", launch=True):
    campaign = CampaignFactory(
        tenant=tenant,
        name=name,
        audience=NOBODY,
        channels=[channel(tenant, "EMAIL")],
        contents=[
            {
                "channel": channel(tenant, "EMAIL"),
                "subject": "Hi {{ first_name }}",
                "body": EMAIL_BODY,
            }
        ],
    )
    if launch:
        campaign = campaign_launch(campaign=campaign, by=OPERATOR)
    return campaign


def drain_outbox() -> int:
    """Play the worker: process batches until none is due."""
    total = 0
    while True:
        result = process_events()
        total += result.claimed
        if not result.claimed:
            return total
