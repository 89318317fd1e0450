"""Campaign activity in crm's condition language: `activity.campaign_opened` and
`activity.campaign_clicked` (a segment "opened a campaign in the last 30 days"). Registered
with crm.conditions by CampaignsConfig.ready, so crm never imports campaigns."""

from crm.conditions import Activity, register_activity

from .models import CampaignResponse, ResponseKind


def register_activities() -> None:
    for name, kind, label in (
        ("campaign_opened", ResponseKind.OPEN, "Opened a campaign"),
        ("campaign_clicked", ResponseKind.CLICK, "Clicked a campaign link"),
    ):
        register_activity(
            name,
            Activity(
                label=label,
                # The (tenant, customer, occurred_at) index serves it per customer.
                # Machine opens (campaigns.machine_opens) are no activity of the customer's.
                rows=lambda tenant, kind=kind: CampaignResponse.objects.filter(
                    tenant=tenant, kind=kind, is_machine_open=False
                ),
            ),
        )
