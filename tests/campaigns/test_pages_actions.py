"""The campaign pages' actions: launch, pause, resume and complete with their messages, the live
audience count of the posted rules, and the preview of unsaved content for a customer."""

import pytest

from campaigns.models import Campaign, CampaignExecution

from .conftest import channel
from .pages import basic_data, rules_data, url

pytestmark = pytest.mark.django_db


def test_launch_pause_resume_complete_through_the_pages(
    as_manager, email_campaign, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    detail = url("campaign-detail", email_campaign.pk)

    def act(action):
        response = as_manager.post(
            url("campaign-action", email_campaign.pk, action), {"confirmed": "on"}, follow=True
        )
        assert response.redirect_chain[-1][0] == detail
        email_campaign.refresh_from_db()
        return [str(m) for m in response.context["messages"]]

    assert act("launch") == ["Campaign launched."]
    assert email_campaign.status.status_code == "ACTIVE"
    assert CampaignExecution.objects.filter(campaign=email_campaign).count() == 4
    assert act("pause") == ["Campaign paused."]
    assert email_campaign.status.status_code == "PAUSED"
    assert act("launch") == ["This campaign was launched already; resume it."]
    assert act("resume") == ["Campaign resumed."]
    assert act("complete") == ["Campaign completed."]
    assert act("resume") == ["A campaign in status Completed cannot be resumed."]
    assert email_campaign.status.status_code == "COMPLETED"


def test_launch_refusal_is_a_message_and_nothing_changes(as_manager, tenant_a):
    as_manager.post(url("campaign-create"), basic_data(tenant_a))
    campaign = Campaign.objects.get()
    # Refused before any confirmation is asked.
    response = as_manager.post(url("campaign-action", campaign.pk, "launch"), follow=True)
    assert [str(m) for m in response.context["messages"]][-1] == "Write the message for EMAIL."
    campaign.refresh_from_db()
    assert campaign.launched_at is None and campaign.status.status_code == "DRAFT"


def test_live_count_follows_the_posted_rules(as_manager, customers):
    def count(data):
        response = as_manager.post(url("audience-count"), data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        return response.context["count"]["count"], response.context["errors"]

    assert count(rules_data()) == (4, [])
    assert count(rules_data(("tags", "has", "vip"))) == (2, [])
    assert count(rules_data(("custom.loyalty_points", "gte", "100"))) == (1, [])
    assert count(rules_data(("tags", "has", "vip"), ("email", "is_set", ""), combinator="any")) == (
        3,
        [],
    )
    assert count({"editor": "json", "condition": '{"field": "phone", "op": "is_set"}'}) == (3, [])
    none, errors = count(rules_data(("custom.nope", "eq", "1")))
    assert none is None and errors[0] == "Rule 1: Field: Choose one of the fields listed."
    # The rows take only the operators the field takes (crm.conditions.field_operators).
    none, errors = count(rules_data(("crm_score", "contains", "x")))
    assert errors == ["Rule 1: Operator: Choose one of the operators offered for this field."]
    none, errors = count(rules_data(("custom.loyalty_points", "ne", "1")))
    assert errors == ["Rule 1: Operator: Choose one of the operators offered for this field."]


def test_preview_renders_the_unsaved_content_for_a_customer(
    as_manager, tenant_a, email_campaign, customers
):
    bob = customers[1]
    response = as_manager.post(
        url("campaign-preview", email_campaign.pk),
        {
            "channel": channel(tenant_a, "EMAIL").pk,
            "subject": "Hey {{ first_name }}",
            "body": "<p>{{ last_name }} has {{ custom.loyalty_points }}</p>",
            "customer": bob.pk,
        },
    )
    preview = response.context["preview"]
    assert preview["subject"] == "Hey Bob"
    assert preview["body"] == "<p>&lt;b&gt;Builder&lt;/b&gt; has 5</p>"
    # In a sandboxed iframe; the body is escaped once more into its srcdoc attribute.
    assert b'sandbox srcdoc="&lt;p&gt;&amp;lt;b&amp;gt;Builder' in response.content

    response = as_manager.post(
        url("campaign-preview", email_campaign.pk),
        {"channel": channel(tenant_a, "EMAIL").pk, "subject": "{{ oops }}", "body": "x"},
    )
    assert response.context["preview"] is None
    assert "Unknown personalisation tag: {{ oops }}." in " ".join(response.context["errors"])


def test_launch_and_complete_ask_first_saying_how_many(as_manager, email_campaign):
    asked = as_manager.post(url("campaign-action", email_campaign.pk, "launch"))
    body = asked.content.decode()
    assert f"Send {email_campaign.name} to 4 customers now?" in body
    assert "Send to 4 customers" in body
    email_campaign.refresh_from_db()
    assert email_campaign.launched_at is None  # asking writes nothing
    assert not CampaignExecution.objects.exists()
    as_manager.post(url("campaign-action", email_campaign.pk, "launch"), {"confirmed": "on"})
    email_campaign.refresh_from_db()
    assert email_campaign.launched_at is not None
    finish = as_manager.post(url("campaign-action", email_campaign.pk, "complete"))
    assert f"Complete {email_campaign.name}?" in finish.content.decode()
    email_campaign.refresh_from_db()
    assert email_campaign.status.status_code == "ACTIVE"


def test_launch_before_the_start_date_offers_now_or_the_start(as_manager, email_campaign):
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.localdate() + timedelta(days=6)
    email_campaign.start_date = start
    email_campaign.save(update_fields=["start_date"])
    asked = as_manager.post(url("campaign-action", email_campaign.pk, "launch")).content.decode()
    assert "now, or at its start?" in asked
    assert 'name="when" value="start"' in asked and 'name="when" value="now"' in asked
    response = as_manager.post(
        url("campaign-action", email_campaign.pk, "launch"),
        {"confirmed": "on", "when": "start"},
        follow=True,
    )
    message = [str(m) for m in response.context["messages"]][-1]
    assert message.startswith("Campaign launched; sending starts ")
    email_campaign.refresh_from_db()
    local = timezone.localtime(email_campaign.scheduled_at, email_campaign.tenant.tzinfo)
    assert (local.date(), local.hour) == (start, 9)
    assert email_campaign.status.status_code == "ACTIVE"
    # Nothing goes out before the start: every message waits.
    assert not CampaignExecution.objects.exclude(status__in=["pending", "skipped"]).exists()


def test_the_figures_refresh_themselves_while_sending(as_manager, email_campaign):
    from campaigns.models import CampaignExecution as Execution
    from campaigns.models import CampaignStatus
    from campaigns.services.launch import create_executions

    # Active with its messages still waiting (as when no worker has reached them yet).
    create_executions(email_campaign)
    email_campaign.launched_at = email_campaign.created_at
    email_campaign.status = CampaignStatus.objects.get(
        tenant=email_campaign.tenant, status_code="ACTIVE"
    )
    email_campaign.save(update_fields=["launched_at", "status"])
    Execution.objects.filter(campaign=email_campaign).update(status="pending")
    first = Execution.objects.filter(campaign=email_campaign).order_by("pk").first()
    Execution.objects.filter(pk=first.pk).update(status="sent")

    detail = as_manager.get(url("campaign-detail", email_campaign.pk)).content.decode()
    figures = url("campaign-figures", email_campaign.pk)
    assert f'hx-get="{figures}" hx-trigger="every 2s"' in detail
    assert "Sending: 1 of 4 handled" in detail
    Execution.objects.filter(campaign=email_campaign).update(status="sent")
    done = as_manager.get(figures).content.decode()
    assert "hx-trigger" not in done  # done: the section stops asking
    assert 'id="campaign-figures"' in done and "Sending:" not in done


def test_roi_is_honest_about_tiny_costs():
    from tenancy.templatetags.figures import roi_figure

    assert ">—<" in roi_figure(9999900.0, "0.07", "7000.07")
    assert "too small" in roi_figure(9999900.0, "0.07", "7000.07")
    assert ">×42 the cost<" in roi_figure(4100.0, "10.00", "420.00")
    assert ">35.5%<" in roi_figure(35.5, "100.00", "135.50")
    assert "no cost yet" in roi_figure(None, "0", "50")
