"""Launch and send for real: personalised emails to an SMTP server on loopback, SMS posts to an
HTTP provider on loopback, skips with their reasons, pause/resume, retries that never send twice."""

import email
import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import CampaignExecution, ExecutionStatus, SkipReason, Unsubscribe
from campaigns.services.campaigns import campaign_create
from campaigns.services.launch import campaign_launch, campaign_pause, campaign_resume
from campaigns.services.sending import RETRY_BASE, send_campaign
from tenancy.actors import OPERATOR
from tests.campaigns.conftest import channel


def html_part(envelope) -> str:
    message = email.message_from_bytes(envelope.original_content)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no HTML part")


def test_launch_sends_personalised_emails_over_smtp(
    email_campaign, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        campaign_launch(by=OPERATOR, campaign=email_campaign)

    assert sorted(e.rcpt_tos[0] for e in smtp_server.messages) == [
        "ada@example.org",
        "bob@example.org",
    ]
    by_rcpt = {e.rcpt_tos[0]: e for e in smtp_server.messages}
    ada = email.message_from_bytes(by_rcpt["ada@example.org"].original_content)
    assert ada["Subject"] == "Hi Ada"
    assert ada["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/t/u/")
    ada_html = html_part(by_rcpt["ada@example.org"])
    assert "Hello Ada Lovelace, you have 120 points." in ada_html
    assert "/t/c/" in ada_html and "shop.example" not in ada_html  # links are tracked
    assert "/t/o/" in ada_html  # open pixel
    bob_html = html_part(by_rcpt["bob@example.org"])
    assert "&lt;b&gt;Builder&lt;/b&gt;" in bob_html  # HTML-escaped personalisation
    statuses = dict(email_campaign.executions.values_list("customer__first_name", "status"))
    assert statuses == {
        "Ada": ExecutionStatus.SENT,
        "Bob": ExecutionStatus.SENT,
        "Cy": ExecutionStatus.SKIPPED,
        "Dee": ExecutionStatus.SKIPPED,
    }
    assert set(
        email_campaign.executions.filter(status="skipped").values_list("skip_reason", flat=True)
    ) == {SkipReason.NO_EMAIL}
    sent = email_campaign.executions.filter(status="sent")
    assert all(e.cost == Decimal("0.0010") and e.sent_at for e in sent)


def test_launch_twice_creates_no_second_execution(
    email_campaign, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        campaign_launch(by=OPERATOR, campaign=email_campaign)
        campaign_launch(by=OPERATOR, campaign=email_campaign)
    assert CampaignExecution.objects.filter(campaign=email_campaign).count() == 4
    assert len(smtp_server.messages) == 2


def test_sms_goes_to_the_http_provider_with_the_key_as_bearer(
    tenant_a, customers, sms_channel, http_provider, django_capture_on_commit_callbacks, caplog
):
    campaign = campaign_create(
        by=OPERATOR,
        tenant=tenant_a,
        data={
            "name": "SMS blast",
            "budget": 10,
            "audience": {"field": "tags", "op": "has", "value": "vip"},
        },
        channels=[sms_channel],
        contents=[
            {"channel": sms_channel, "body": "Hi {{ first_name }}: https://shop.example/sms"}
        ],
    )
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_launch(by=OPERATOR, campaign=campaign)
    posted = sorted(r["json"]["to"] for r in http_provider.requests)
    assert posted == ["+441234567890", "+441234567893"]
    first = http_provider.requests[0]
    assert first["headers"]["Authorization"] == "Bearer sk-live-very-secret"
    execution = CampaignExecution.objects.get(campaign=campaign, address=first["json"]["to"])
    assert first["headers"]["Idempotency-Key"] == str(execution.idempotency_key)
    assert first["json"]["body"].startswith(
        f"Hi {execution.customer.first_name}: http://127.0.0.1:8000/t/c/"
    )
    assert "Opt out: http://127.0.0.1:8000/t/u/" in first["json"]["body"]
    assert execution.provider_message_id.startswith("prov-")
    assert "sk-live-very-secret" not in caplog.text


def test_a_failed_send_is_retried_with_backoff_and_never_sent_twice(
    tenant_a, customers, sms_channel, http_provider, django_capture_on_commit_callbacks
):
    campaign = campaign_create(
        by=OPERATOR,
        tenant=tenant_a,
        data={
            "name": "Retry",
            "budget": 10,
            "audience": {"field": "first_name", "op": "eq", "value": "Ada"},
        },
        channels=[sms_channel],
        contents=[{"channel": sms_channel, "body": "Hi"}],
    )
    http_provider.fail_next = 1
    with django_capture_on_commit_callbacks(execute=True):
        campaign_launch(by=OPERATOR, campaign=campaign)
    execution = campaign.executions.get()
    assert execution.status == ExecutionStatus.FAILED
    assert execution.last_error == "The provider answered HTTP 500."
    assert execution.attempts == 1
    assert execution.retry_at > timezone.now() + RETRY_BASE - timedelta(seconds=5)

    # Not due yet: nothing is sent.
    assert send_campaign(campaign_id=campaign.pk)["sent"] == 0
    later = execution.retry_at + timedelta(seconds=1)
    assert send_campaign(campaign_id=campaign.pk, now=later) == {
        "sent": 1,
        "failed": 0,
        "skipped": 0,
    }
    assert send_campaign(campaign_id=campaign.pk, now=later + timedelta(hours=1))["sent"] == 0
    execution.refresh_from_db()
    assert (execution.status, execution.attempts) == (ExecutionStatus.SENT, 2)
    assert len(http_provider.requests) == 1  # the refused attempt was not delivered


def test_backoff_doubles_and_gives_up(
    tenant_a, customers, sms_channel, http_provider, django_capture_on_commit_callbacks
):
    campaign = campaign_create(
        by=OPERATOR,
        tenant=tenant_a,
        data={
            "name": "Down",
            "budget": 10,
            "audience": {"field": "first_name", "op": "eq", "value": "Ada"},
        },
        channels=[sms_channel],
        contents=[{"channel": sms_channel, "body": "Hi"}],
    )
    http_provider.fail_next = 100
    with django_capture_on_commit_callbacks(execute=True):
        campaign_launch(by=OPERATOR, campaign=campaign)
    execution = campaign.executions.get()
    gaps = []
    while execution.retry_at is not None:
        moment = execution.retry_at
        send_campaign(campaign_id=campaign.pk, now=moment)
        previous = moment
        execution.refresh_from_db()
        if execution.retry_at:
            gaps.append(execution.retry_at - previous)
    assert gaps == [RETRY_BASE * 2, RETRY_BASE * 4]
    assert (execution.status, execution.attempts) == (ExecutionStatus.FAILED, 4)
    assert http_provider.requests == []


def test_pause_stops_sending_and_resume_continues_without_duplicates(
    email_campaign, smtp_server, django_capture_on_commit_callbacks
):
    campaign_launch(by=OPERATOR, campaign=email_campaign)  # sending would start after the commit
    campaign_pause(by=OPERATOR, campaign=email_campaign)
    assert send_campaign(campaign_id=email_campaign.pk)["sent"] == 0
    assert smtp_server.messages == []

    # One message goes out in a first batch, then the campaign is paused mid-way.
    from campaigns.services.sending import claim_batch, send_batch

    campaign_resume(by=OPERATOR, campaign=email_campaign)
    email_campaign.refresh_from_db()
    batch = claim_batch(campaign=email_campaign, now=timezone.now(), size=1)
    send_batch(campaign=email_campaign, executions=batch, now=timezone.now())
    campaign_pause(by=OPERATOR, campaign=email_campaign)
    assert send_campaign(campaign_id=email_campaign.pk)["sent"] == 0
    assert len(smtp_server.messages) == 1

    with django_capture_on_commit_callbacks(execute=True):
        campaign_resume(by=OPERATOR, campaign=email_campaign)
    assert len(smtp_server.messages) == 2
    assert len({e.rcpt_tos[0] for e in smtp_server.messages}) == 2
    assert email_campaign.executions.filter(status="sent").count() == 2


def test_opted_out_customers_are_skipped_at_launch_and_at_send_time(
    tenant_a, email_campaign, customers, smtp_server, django_capture_on_commit_callbacks
):
    ada, bob = customers[0], customers[1]
    email = channel(tenant_a, "EMAIL")
    Unsubscribe.objects.create(tenant=tenant_a, customer=ada, channel=email)
    campaign_launch(by=OPERATOR, campaign=email_campaign)
    # Bob opts out after launch, before his message goes.
    Unsubscribe.objects.create(tenant=tenant_a, customer=bob, channel=email)
    send_campaign(campaign_id=email_campaign.pk)
    assert smtp_server.messages == []
    reasons = dict(email_campaign.executions.values_list("customer__first_name", "skip_reason"))
    assert reasons["Ada"] == reasons["Bob"] == SkipReason.UNSUBSCRIBED


@pytest.mark.django_db(transaction=True)
def test_concurrent_launches_create_each_execution_once(tenant_a, customers, settings):
    """Two launches at once (two threads, two connections): one execution per customer."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the concurrent race needs PostgreSQL")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    campaign = campaign_create(
        by=OPERATOR,
        tenant=tenant_a,
        data={"name": "Race", "budget": 1},
        channels=[channel(tenant_a, "EMAIL")],
        contents=[{"channel": channel(tenant_a, "EMAIL"), "subject": "S", "body": "B"}],
    )
    barrier = threading.Barrier(2)
    errors = []

    def launch():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            campaign_launch(by=OPERATOR, campaign=campaign)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=launch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert CampaignExecution.objects.filter(campaign=campaign).count() == 4
    from django.core import mail

    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "bob@example.org"]


def test_the_unique_constraint_holds_when_executions_are_created_twice(email_campaign):
    from campaigns.services.launch import create_executions

    create_executions(email_campaign)
    create_executions(email_campaign)
    assert CampaignExecution.objects.filter(campaign=email_campaign).count() == 4


@pytest.mark.parametrize(("batch_size", "claims"), [(10, 1), (2, 2), (1, 3)])
def test_a_short_batch_ends_the_send_without_another_claim(
    email_campaign, smtp_server, monkeypatch, batch_size, claims
):
    """Ada and Bob are due (Cy and Dee were skipped at launch): a batch that took fewer than it
    could took all that was due, so the send stops there; a full one looks again."""
    from campaigns.services import sending

    campaign_launch(by=OPERATOR, campaign=email_campaign)  # its send not run: no commit here
    made = []
    claim = sending.claim_batch

    def counted(**kwargs):
        made.append(claim(**kwargs))
        return made[-1]

    monkeypatch.setattr(sending, "claim_batch", counted)
    assert send_campaign(campaign_id=email_campaign.pk, batch_size=batch_size)["sent"] == 2
    assert len(made) == claims
    assert sorted(e.rcpt_tos[0] for e in smtp_server.messages) == [
        "ada@example.org",
        "bob@example.org",
    ]


def test_a_triggers_executions_answer_only_the_customers_this_insert_wrote(
    email_campaign, customers
):
    """create_executions_for (a trigger's send) writes each customer's execution with its
    status, reason, address and a key of its own, and answers the customers it wrote: none the
    second time, and not one whose execution was there already."""
    from campaigns.services.launch import create_executions_for

    ada, bob, cy, dee = customers
    email = channel(email_campaign.tenant, "EMAIL")
    Unsubscribe.objects.create(tenant=email_campaign.tenant, customer=bob, channel=email)

    assert create_executions_for(email_campaign, [ada.pk, ada.pk, cy.pk]) == {ada.pk, cy.pk}
    assert create_executions_for(email_campaign, [ada.pk, bob.pk, cy.pk]) == {bob.pk}
    assert create_executions_for(email_campaign, [ada.pk, bob.pk, cy.pk]) == set()

    rows = CampaignExecution.objects.filter(campaign=email_campaign).order_by("customer_id")
    assert [
        (r.customer_id, r.channel_id, r.address, r.status, r.skip_reason, r.variant, r.attempts)
        for r in rows
    ] == [
        (ada.pk, email.pk, "ada@example.org", ExecutionStatus.PENDING, "", "A", 0),
        (
            bob.pk,
            email.pk,
            "bob@example.org",
            ExecutionStatus.SKIPPED,
            SkipReason.UNSUBSCRIBED,
            "A",
            0,
        ),
        (cy.pk, email.pk, "", ExecutionStatus.SKIPPED, SkipReason.NO_EMAIL, "A", 0),
    ]
    assert len({r.idempotency_key for r in rows}) == 3
    assert all(r.created_at and r.tenant_id == email_campaign.tenant_id for r in rows)
    assert dee.pk not in {r.customer_id for r in rows}


def test_a_channel_added_later_makes_a_customer_new_again(email_campaign, customers, sms_channel):
    """A customer who has the campaign's email counts as new when the insert gives them the
    campaign's SMS added since (their send is enqueued for it), on both databases."""
    from campaigns.models import CampaignChannelPlan, CampaignVariant
    from campaigns.services.launch import create_executions_for

    ada, bob, *_ = customers
    tenant = email_campaign.tenant
    assert create_executions_for(email_campaign, [ada.pk]) == {ada.pk}
    sms = sms_channel
    CampaignChannelPlan.objects.create(tenant=tenant, campaign=email_campaign, channel=sms)
    CampaignVariant.objects.create(
        tenant=tenant, campaign=email_campaign, channel=sms, body="Hi {{ first_name }}"
    )
    assert create_executions_for(email_campaign, [ada.pk, bob.pk]) == {ada.pk, bob.pk}
    assert create_executions_for(email_campaign, [ada.pk, bob.pk]) == set()
    assert sorted(
        CampaignExecution.objects.filter(campaign=email_campaign).values_list(
            "customer__first_name", "channel__channel_code"
        )
    ) == [("Ada", "EMAIL"), ("Ada", "SMS"), ("Bob", "EMAIL"), ("Bob", "SMS")]
