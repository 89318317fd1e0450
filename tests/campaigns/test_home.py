"""campaigns' panel on the home page: the campaigns running, for managers, linked to the list
narrowed to the active phase."""

from campaigns.models import Campaign
from tests.campaigns.conftest import EMAIL_BODY, channel, status
from tests.campaigns.factories import CampaignFactory


def test_running_campaigns_count_and_link_to_the_active_ones(as_manager, tenant_a, email_campaign):
    """`email_campaign` stays a draft; the other runs."""
    email = channel(tenant_a, "EMAIL")
    running = CampaignFactory(
        tenant=tenant_a,
        name="Running one",
        budget=100,
        channels=[email],
        contents=[{"channel": email, "subject": "Hi", "body": EMAIL_BODY}],
    )
    Campaign.objects.filter(pk=running.pk).update(status=status(tenant_a, "ACTIVE"))
    response = as_manager.get("/")
    panel = next(i["panel"] for i in response.context["team"] if i["panel"].key == "team-campaigns")
    (figure,) = panel.figures
    assert (figure.label, figure.value) == ("Running", 1)
    listed = as_manager.get(figure.url).context["page_obj"].paginator.object_list
    assert [c.name for c in listed] == ["Running one"]
    assert [row.label for row in panel.rows] == ["Running one"]


def test_agents_do_not_get_the_campaigns_panel(as_agent):
    response = as_agent.get("/")
    assert all(i["panel"].key != "team-campaigns" for i in response.context["team"])
