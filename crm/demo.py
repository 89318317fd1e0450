"""The demo tenant's CRM data (called by the demo app's seed_demo): the lead sources' costs, leads
spread over the last 90 days along a plausible funnel, customers with the real-estate template's
fields, won leads among them, and notes and tasks on them. Written through the services, with a
random stream the caller owns, so the demo is the same on every run."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from tenancy.models import Membership, Tenant

from .models import Customer, Lead, LeadActivity, LeadChannel, LeadSource, LeadStatus, LeadSubSource
from .services.customers import customer_create, customer_update, lead_convert
from .services.imports import import_run, import_start
from .services.leads import lead_create, lead_update
from .services.notes import note_create, task_complete
from .services.scoring import InteractionKind, customer_record_interaction
from .services.segments import segment_create, segment_rebuild
from .services.tag_rules import tag_rule_create
from .services.tags import tag_create

FIRST = (
    "Ava Ben Chloe Dev Emma Farid Grace Hugo Iris Jon Kiara Leo Maya Nico Omar Priya Quinn Rosa Sam"
).split()
LAST = (
    "Adams Baker Chen Diaz Evans Fischer Garcia Hughes Ivanov Jones Khan Lopez Moreau Novak Patel"
).split()
COMPANIES = [
    "Northwind",
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark Ltd",
    "",
    "",
]
# The demo's tags, made with their colours and descriptions before leads and customers use them.
DEMO_TAGS = {
    "vip": ("#b45309", "Our most valuable customers: call them first."),
    "enterprise": ("#2563eb", "Companies of 500 people or more."),
    "newsletter": ("#16a34a", "Asked for the monthly newsletter."),
    "trade-show": ("#9333ea", "Met at a trade show."),
    "follow-up": ("#dc2626", "Someone promised to call back."),
    "budget-approved": ("#0891b2", "Their budget is signed off."),
}
TAGS = list(DEMO_TAGS)
# A plausible funnel: most leads stall early, some close.
STATUS_WEIGHTS = {
    LeadStatus.NEW: 30,
    LeadStatus.CONTACTED: 20,
    LeadStatus.CALLBACK: 6,
    LeadStatus.QUALIFIED: 14,
    LeadStatus.PROPOSAL: 8,
    LeadStatus.NEGOTIATION: 5,
    LeadStatus.WON: 9,
    LeadStatus.LOST: 8,
}


def seed_demo_crm(
    *, tenant: Tenant, members: dict[str, Membership], rng: random.Random, leads: int = 120
) -> None:
    """The leads and customers of the fresh demo tenant, entered by its manager."""
    for name, (color, description) in DEMO_TAGS.items():
        tag_create(
            tenant=tenant,
            by=members["demo-manager"],
            data={"name": name, "color": color, "description": description},
        )
    LeadSubSource.objects.filter(tenant=tenant, sub_source_code="FACEBOOK").update(
        cost_per_lead=Decimal("12.50")
    )
    LeadSubSource.objects.filter(tenant=tenant, sub_source_code="LINKEDIN").update(
        cost_per_lead=Decimal("30.00")
    )
    sources = list(LeadSource.objects.for_tenant(tenant))
    subs = {s.pk: list(LeadSubSource.objects.filter(source=s)) for s in sources}
    channels = list(LeadChannel.objects.for_tenant(tenant))
    agents = [members["demo-agent"].user, members["demo-agent2"].user, None]
    manager = members["demo-manager"]
    now = timezone.now()
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    for i in range(leads):
        source = rng.choice(sources)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        domain = company.lower().replace(" ", "") + ".com" if company else "gmail.com"
        lead = lead_create(
            tenant=tenant,
            by=manager,
            data={
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}{i}@{domain}".lower(),
                "phone": f"+1555{rng.randint(1000000, 9999999)}",
                "company": company,
                "source": source,
                "sub_source": rng.choice(subs[source.pk]) if subs[source.pk] else None,
                "channel": rng.choice(channels),
                "assigned_to": rng.choice(agents),
                "estimated_value": Decimal(rng.randrange(500, 50000, 250)),
            },
            tags=rng.sample(TAGS, rng.randint(0, 2)),
        )
        created = now - timedelta(days=rng.randint(0, 89), hours=rng.randint(0, 23))
        status = rng.choices(statuses, weights)[0]
        if status != LeadStatus.NEW:
            lead_update(lead=lead, by=manager, data={"status": status})
        # Spread the history over the last 90 days so trends and durations mean something.
        closed = created + timedelta(days=rng.randint(3, 40))
        Lead.objects.filter(pk=lead.pk).update(
            created_at=created,
            contacted_at=created + timedelta(days=1) if lead.contacted_at else None,
            qualified_at=created + timedelta(days=3) if lead.qualified_at else None,
            converted_at=min(closed, now) if lead.converted_at else None,
        )
        LeadActivity.objects.filter(lead=lead).update(created_at=created)
    _seed_customers(tenant=tenant, by=manager, rng=rng)
    _seed_duplicates(tenant=tenant, by=manager)
    _seed_notes(tenant=tenant, by=manager, assignees=agents, rng=rng)
    _seed_tag_rules(tenant=tenant, by=manager)
    _seed_segments(tenant=tenant, by=manager)
    _seed_import(tenant=tenant, by=manager)


# A small spreadsheet (DEMO_IMPORTED customers), one row of it refused: the imports list and
# its error report have something to show.
DEMO_IMPORT = (
    "First name,Last name,Email,Phone,Company,Property type,Bedrooms wanted\n"
    "Lena,Vogel,lena.vogel@example.com,+49 30 1234567,Northwind,apartment,2\n"
    "Marco,Rossi,marco.rossi@example.com,,Globex,House,4\n"
    "Aiko,Tanaka,not-an-address,,Initech,Land,\n"
    "Sven,Berg,sven.berg@example.com,+46 8 1234567,,Commercial,\n"
)

DEMO_IMPORTED = 3


def _seed_import(*, tenant: Tenant, by) -> None:
    job = import_start(
        tenant=tenant,
        by=by,
        kind="customers",
        file=DEMO_IMPORT.encode(),
        filename="trade-show-contacts.csv",
        tags=["trade-show"],
        start_run=False,
    )
    import_run(job_id=job.pk)


SEGMENTS = [
    ("VIP", "#b45309", {"field": "tags", "op": "has", "value": "vip"}),
    (
        "Inactive 90 days",
        "#6b7280",
        {
            "any": [
                {"field": "last_contacted_at", "op": "more_than_days_ago", "value": 90},
                {"field": "last_contacted_at", "op": "is_empty"},
            ]
        },
    ),
    (
        "Opened a campaign in the last 30 days",
        "#2563eb",
        {"field": "activity.campaign_opened", "op": "within_last_days", "value": 30},
    ),
]


def _seed_segments(*, tenant: Tenant, by) -> None:
    """Three segments, built now (their background rebuild runs again after the seed commits,
    when the campaigns' opens are there too)."""
    for order, (name, color, conditions) in enumerate(SEGMENTS):
        segment = segment_create(
            tenant=tenant,
            by=by,
            data={"name": name, "color": color, "order": order, "conditions": conditions},
        )
        segment_rebuild(segment_id=segment.pk)


NOTES = [
    "Called, wants a quote for the spring viewing.",
    "Prefers e-mail after 5 pm.",
    "Asked about mortgage options; sent the brochure.",
]
TASKS = ["Send the quote", "Call back about the viewing", "Confirm the appointment"]


def _seed_notes(*, tenant: Tenant, by, assignees, rng: random.Random, count: int = 24) -> None:
    """Notes and tasks on the demo's customers: tasks overdue, due today and later, for each
    agent, the manager and no one, so My tasks and the home page have something to show."""
    today = timezone.localtime(timezone.now(), tenant.tzinfo).date()
    customers = list(Customer.objects.for_tenant(tenant).order_by("pk")[:count])
    for i, customer in enumerate(customers):
        note_create(tenant=tenant, by=by, data={"customer": customer, "note": rng.choice(NOTES)})
        if i % 2:
            continue
        task = note_create(
            tenant=tenant,
            by=by,
            data={
                "customer": customer,
                "note": rng.choice(TASKS),
                "is_task": True,
                "due_date": today + timedelta(days=rng.randint(-3, 7)),
                "assigned_to": rng.choice([*assignees, by.user]),
            },
        )
        if i % 6 == 0:
            task_complete(note=task, by=by)


def _seed_customers(*, tenant: Tenant, by, rng: random.Random, count: int = 60) -> None:
    """Won leads converted, and more customers besides, with values for the real-estate
    template's fields (tenant_create gave the demo tenant those fields)."""
    areas = ["Old Town", "Riverside", "Harbour", "Hillcrest", "University Quarter"]

    def custom_values():
        return {
            "property_type": rng.choice(["Apartment", "House", "Land", "Commercial"]),
            "budget_max": rng.randrange(150_000, 1_500_000, 5_000),
            "bedrooms": rng.randint(1, 5),
            "preferred_area": rng.choice(areas),
            "mortgage_approved": rng.random() < 0.6,
        }

    for lead in Lead.objects.filter(tenant=tenant, status=LeadStatus.WON):
        lead_convert(lead=lead, by=by, custom_fields=custom_values())
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        customer = customer_create(
            tenant=tenant,
            by=by,
            data={
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}.c{i}@example.com".lower(),
                "phone": f"+1555{rng.randint(1000000, 9999999)}",
                "total_purchases": rng.randint(0, 6),
            },
            tags=rng.sample(TAGS, rng.randint(0, 2)),
            custom_fields=custom_values(),
        )
        # Past calls, so scores have engagement and recency (the score is computed from them).
        for _ in range(rng.randint(0, 8)):
            customer_record_interaction(
                tenant=tenant,
                customer=customer,
                kind=InteractionKind.CALL,
                at=timezone.now() - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23)),
                by=by,
            )


def _seed_duplicates(*, tenant: Tenant, by) -> None:
    """A few of the last customers made into likely duplicates of the first ones (the same
    address in capitals, the same phone, the same name at the same company), so the duplicates
    list and the merge page have something to show. No customer is added."""
    customers = list(Customer.objects.for_tenant(tenant).order_by("pk"))
    if len(customers) < 8:
        return
    first, second, third = customers[:3]
    customer_update(customer=customers[-1], by=by, data={"email": first.email.upper()})
    customer_update(customer=customers[-2], by=by, data={"phone": second.phone})
    for customer in (third, customers[-3]):
        customer_update(
            customer=customer,
            by=by,
            data={
                "first_name": third.first_name,
                "last_name": third.last_name,
                "company": "Harbour Realty",
            },
        )


TAG_RULES = [
    {
        "tag": "engaged",
        "name": "Engaged: 5 interactions or more",
        "condition": {"field": "total_interactions", "op": "gte", "value": 5},
        "untag_when_unmatched": True,
    },
    {
        "tag": "repeat buyer",
        "name": "Repeat buyer: 4 purchases or more",
        "condition": {"field": "total_purchases", "op": "gte", "value": 4},
    },
]


def _seed_tag_rules(*, tenant: Tenant, by) -> None:
    """Smart-tag rules, created last so they tag the demo's customers as a backfill."""
    for data in TAG_RULES:
        tag_rule_create(tenant=tenant, by=by, data=data)
