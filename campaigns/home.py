"""campaigns' panel on the home page (tenancy.home), for managers: the campaigns running now,
linked to the campaign list narrowed to the same (`?phase=active`)."""

from django.urls import reverse

from tenancy.home import Day, Figure, Panel, Row, register_panel

from .models import StatusPhase
from .selectors.campaigns import campaigns_visible_to

ROWS = 5


def running_campaigns_panel(day: Day) -> Panel:
    running = campaigns_visible_to(tenant=day.tenant, membership=day.membership).filter(
        status__phase=StatusPhase.ACTIVE
    )
    return Panel(
        title="Campaigns",
        figures=[
            Figure(
                "Running",
                running.count(),
                f"{reverse('campaigns:campaign-list')}?phase={StatusPhase.ACTIVE}",
            )
        ],
        definition="Running: campaigns whose status is in the active (sending) phase.",
        rows=[
            Row(
                campaign.name,
                reverse("campaigns:campaign-detail", args=[campaign.pk]),
                campaign.status.status_name,
            )
            for campaign in running.select_related("status").order_by("-id")[:ROWS]
        ],
    )


def register() -> None:
    register_panel("team-campaigns", order=130, build=running_campaigns_panel, team=True)
