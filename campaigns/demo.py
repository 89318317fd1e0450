"""Demo campaigns for the demo tenant (called by the demo app's seed_demo): a template, an email
campaign with an A/B test that was launched a week ago and sent, opened, clicked and converted
since, a social ads campaign with a week of platform figures, and a draft built from the
template.

Everything goes through the services; only the launch time is moved back a week, the way
crm.demo spreads its leads over time. The emails go to the locmem backend, never to the demo's
example.com addresses, whatever the configured email backend is.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone

from crm.models import Customer
from tenancy.actors import OPERATOR, Actor
from tenancy.models import Tenant
from tenancy.services.config_entries import config_entry_create, spec_for

from .automation.services import trigger_create
from .models import (
    BudgetType,
    Campaign,
    CampaignChannel,
    CampaignExecution,
    CampaignTemplate,
    CampaignType,
)
from .services import catalogue  # noqa: F401  (registers the catalogue specs)
from .services.campaigns import campaign_create, campaign_create_from_template
from .services.launch import campaign_launch
from .services.metrics import ad_metric_record
from .services.sending import send_campaign
from .services.tracking import record_click, record_conversion, record_open

DEMO_DAYS = 7
NEWSLETTER_BODY = (
    "<p>Hello {{ first_name }},</p>"
    "<p>New listings in {{ custom.preferred_area }} this month, picked for a "
    "{{ custom.property_type }} buyer.</p>"
    '<p><a href="https://demo.example/listings">See the listings</a></p>'
)


def seed_demo_campaigns(*, tenant: Tenant, by: Actor) -> list[Campaign]:
    """The demo campaigns, built, launched and measured by `by` (the demo's manager)."""
    rng = random.Random(11)
    now = timezone.now()
    launched = now - timedelta(days=DEMO_DAYS - 1)
    by_code = {c.channel_code: c for c in CampaignChannel.objects.for_tenant(tenant)}
    email, facebook = by_code["EMAIL"], by_code["FACEBOOK"]
    types = {t.type_code: t for t in CampaignType.objects.for_tenant(tenant)}
    template = config_entry_create(
        spec_for(CampaignTemplate),
        by=OPERATOR,
        tenant=tenant,
        data={
            "template_name": "Monthly listings newsletter",
            "description": "New listings in each customer's preferred area.",
            "campaign_type": types["EMAIL_BLAST"],
            "default_channels": ["EMAIL"],
            "default_budget": Decimal("300"),
            "default_duration_days": 30,
            "kpis": ["open_rate", "click_rate", "conversions"],
            "target_audience": {"field": "email", "op": "is_set"},
            "content": {
                "EMAIL": {"subject": "New in {{ custom.preferred_area }}", "body": NEWSLETTER_BODY}
            },
        },
    )

    spring = campaign_create(
        tenant=tenant,
        by=by,
        data={
            "name": "Spring open house",
            "description": "Invitations to the spring open house weekend, A/B testing the subject.",
            "campaign_type": types["EMAIL_BLAST"],
            "budget": Decimal("1500"),
            "audience": {"all": [{"field": "email", "op": "is_set"}]},
            "start_date": launched.date(),
            "end_date": launched.date() + timedelta(days=30),
            "kpis": ["click_rate", "conversions"],
        },
        channels=[email],
        contents=[
            {
                "channel": email,
                "variant": variant,
                "subject": subject,
                "body": "<p>Hi {{ first_name }},</p><p>Join us for the spring open house in "
                "{{ custom.preferred_area }}.</p>"
                '<p><a href="https://demo.example/open-house">Book a visit</a></p>',
            }
            for variant, subject in (
                ("A", "You're invited: spring open house"),
                ("B", "{{ first_name }}, homes in {{ custom.preferred_area }} are open this week"),
            )
        ],
    )
    campaign_launch(campaign=spring, by=by)
    Campaign.objects.filter(pk=spring.pk).update(launched_at=launched)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        send_campaign(campaign_id=spring.pk, now=launched)
    _responses(spring, launched=launched, rng=rng, by=by)

    ads = campaign_create(
        tenant=tenant,
        by=by,
        data={
            "name": "Riverside lofts on Facebook",
            "campaign_type": types["SOCIAL_ADS"],
            "budget_type": BudgetType.objects.get(tenant=tenant, budget_type_code="TOTAL"),
            "budget": Decimal("2500"),
            "start_date": launched.date(),
            "end_date": launched.date() + timedelta(days=14),
        },
        channels=[facebook],
    )
    campaign_launch(campaign=ads, by=by)
    Campaign.objects.filter(pk=ads.pk).update(launched_at=launched)
    for day in range(DEMO_DAYS):
        impressions = rng.randint(3000, 6000)
        ad_metric_record(
            campaign=ads,
            channel=facebook,
            day=(launched + timedelta(days=day)).date(),
            impressions=impressions,
            clicks=rng.randint(impressions // 100, impressions // 40),
            spend=Decimal(rng.randint(6000, 12000)) / 100,
            by=by,
        )

    draft = campaign_create_from_template(
        template=template, data={"name": "June listings newsletter"}, by=by
    )
    trigger_create(
        tenant=tenant,
        by=by,
        data={
            "name": "Thank big buyers",
            "campaign": spring,
            "event_type": "purchase",
            "conditions": {"field": "event.amount", "op": "gte", "value": 100},
            "actions": [{"type": "send"}, {"type": "add_tag", "tag": "buyer"}],
            "max_per_customer": 1,
        },
    )
    return [spring, ads, draft]


def _responses(campaign: Campaign, *, launched, rng: random.Random, by: Actor) -> None:
    """Opens, clicks and conversions spread over the days since launch (opens and clicks come
    from customers; `by` enters the conversions)."""
    executions = list(
        CampaignExecution.objects.filter(campaign=campaign, sent_at__isnull=False).order_by("pk")
    )
    for execution in executions:
        # Variant B's personal subject does better, so the A/B test has something to say.
        opens, clicks = (0.65, 0.4) if execution.variant == "B" else (0.45, 0.12)
        if rng.random() > opens:
            continue
        opened = launched + timedelta(hours=rng.randint(1, 24 * (DEMO_DAYS - 2)))
        record_open(execution=execution, now=opened)
        if rng.random() > clicks:
            continue
        clicked = opened + timedelta(minutes=rng.randint(1, 90))
        record_click(execution=execution, url="https://demo.example/open-house", now=clicked)
        if rng.random() < 0.35:
            record_conversion(
                campaign=campaign,
                value=Decimal(rng.randrange(500, 4000, 50)),
                customer=Customer.objects.get(pk=execution.customer_id),
                occurred_at=clicked + timedelta(hours=rng.randint(1, 20)),
                note="Booked a viewing",
                by=by,
            )
