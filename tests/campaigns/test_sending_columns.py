"""A send reads of each customer only the columns its content's tags use, and renders the same
messages as with the whole customer, without a query per message."""

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.personalization import customer_columns
from campaigns.services.launch import campaign_launch
from campaigns.services.sending import Renderer, claim_batch, send_next_batch
from customfields.models import FieldDefinition
from customfields.services.values import active_definitions
from tenancy.actors import OPERATOR
from tests.campaigns.conftest import make_customers


def test_the_columns_of_each_kind_of_tag(tenant_a, loyalty):
    definitions = active_definitions(tenant_a)
    overflow = FieldDefinition(field_key="spill", mapped_field_name=None)
    columns = customer_columns(
        ["full_name", "email", "custom.loyalty_points", "custom.spill", "custom.gone"],
        {**definitions, "spill": overflow},
    )
    assert columns == {
        "first_name",
        "last_name",
        "email",
        loyalty.mapped_field_name,
        "custom_fields_extra",
    }


def test_the_claim_loads_only_what_the_tags_read(
    tenant_a, email_campaign, loyalty, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_customers(
        tenant_a,
        [{"first_name": f"C{i}", "email": f"c{i}@example.org"} for i in range(6)],
    )
    email_campaign.scheduled_at = timezone.now() + timezone.timedelta(days=1)
    email_campaign.save(update_fields=["scheduled_at"])
    with django_capture_on_commit_callbacks(execute=True):
        campaign_launch(by=OPERATOR, campaign=email_campaign)
    assert mail.outbox == []  # scheduled: nothing sent at launch
    renderer = Renderer(email_campaign)
    assert renderer.customer_columns == {"first_name", "last_name", loyalty.mapped_field_name}

    with CaptureQueriesContext(connection) as queries:
        totals = send_next_batch(campaign=email_campaign, now=timezone.now(), size=500)
    assert totals == {"sent": 8, "failed": 0, "skipped": 0}
    claim = next(q["sql"] for q in queries.captured_queries if '"crm_customer"' in q["sql"])
    assert f'"crm_customer"."{loyalty.mapped_field_name}"' in claim
    assert '"crm_customer"."custom_text_1"' not in claim and "search_text" not in claim
    # One read of the customers for the batch: no deferred column fetched message by message.
    assert sum('"crm_customer"' in q["sql"] for q in queries.captured_queries) == 1
    bodies = {m.to[0]: m.alternatives[0][0] for m in mail.outbox}
    assert "Hello Ada Lovelace, you have 120 points." in bodies["ada@example.org"]
    assert "&lt;b&gt;Builder&lt;/b&gt;" in bodies["bob@example.org"]
    assert "Hello C3 , you have  points." in bodies["c3@example.org"]
    assert {m.subject for m in mail.outbox} >= {"Hi Ada", "Hi C0"}


def test_without_columns_the_claim_loads_the_whole_customer(email_campaign):
    campaign_launch(by=OPERATOR, campaign=email_campaign)
    email_campaign.executions.update(status="pending")
    batch = claim_batch(campaign=email_campaign, now=timezone.now(), size=10)
    assert batch and all(not e.customer.get_deferred_fields() for e in batch)
