"""The demo tenant's callbacks: a queue worth working (fresh and week-old requests, VIP customers,
complaints, preferred windows, some waiting to be claimed), and a history behind it (completed in
time and late, failed after unanswered calls, cancelled), all written through the services at
the moments they happened. Plus the tenant's next two public holidays."""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from crm.models import Customer, Lead
from tenancy.models import Membership

from .models import CallbackOutcome, CallbackReason, CallbackSource
from .services.assignment import callback_assign
from .services.requests import callback_create
from .services.settings import holiday_create
from .services.status import callback_change_status

REASONS = {
    CallbackReason.SALES_INQUIRY: 30,
    CallbackReason.SUPPORT: 30,
    CallbackReason.BILLING: 15,
    CallbackReason.COMPLAINT: 15,
    CallbackReason.OTHER: 10,
}
SOURCES = {
    CallbackSource.WEB_FORM: 40,
    CallbackSource.CAMPAIGN_RESPONSE: 25,
    CallbackSource.MANUAL: 20,
    CallbackSource.API: 15,
}
NOTES = [
    "Asked about the viewing on Saturday.",
    "Wants to discuss the mortgage offer.",
    "Unhappy with the response time of the last agent.",
    "Question about the deposit invoice.",
    "Interested in the new riverside development.",
    "",
    "",
]
RESOLUTIONS = {
    CallbackOutcome.RESOLVED: "Answered the questions; nothing further needed.",
    CallbackOutcome.SALE: "Booked a second viewing and agreed the offer.",
    CallbackOutcome.FOLLOW_UP: "Sending the brochure; call again next week.",
    CallbackOutcome.NOT_INTERESTED: "Found a property elsewhere.",
    CallbackOutcome.ESCALATED: "Passed to the branch manager.",
}
# What happens to each request after it arrives: closed ones arrived over the last two weeks,
# open ones over the last 60 hours (older ones would all be urgent by now).
CLOSED_PLAN = ["completed"] * 12 + ["failed"] * 2 + ["cancelled"] * 2
OPEN_PLAN = ["in_progress"] * 2 + ["scheduled"] * 3 + ["assigned"] * 5 + ["waiting"] * 13


def _next_holidays(today: date) -> list[tuple[date, str]]:
    christmas = date(today.year, 12, 25)
    if christmas < today:
        christmas = date(today.year + 1, 12, 25)
    return [(christmas, "Christmas Day"), (christmas + timedelta(days=7), "New Year's Day")]


def seed_demo_callbacks(*, tenant, members: dict[str, Membership], rng: random.Random) -> None:
    admin, manager = members["demo-admin"], members["demo-manager"]
    agents = [members["demo-agent"], members["demo-agent2"]]
    now = timezone.now()
    for day, name in _next_holidays(timezone.localtime(now, tenant.tzinfo).date()):
        holiday_create(tenant=tenant, by=admin, data={"date": day, "name": name})
    customers = list(Customer.objects.for_tenant(tenant).exclude(phone="").order_by("pk"))
    leads = list(
        Lead.objects.for_tenant(tenant)
        .filter(archived_at__isnull=True, customer__isnull=True, assigned_to__isnull=True)
        .exclude(phone="")
        .order_by("pk")
    )
    plan = [
        (now - timedelta(minutes=rng.randint(3 * 24 * 60, 14 * 24 * 60)), fate)
        for fate in CLOSED_PLAN
    ]
    plan += [(now - timedelta(minutes=rng.randint(10, 60 * 60)), fate) for fate in OPEN_PLAN]
    # A VIP's complaint a day and a half old, still open: high priority, SLA breached.
    vip = next((c for c in customers if "vip" in c.tag_names()), customers[0])
    overdue = callback_create(
        tenant=tenant,
        by=manager,
        data={
            "customer": vip,
            "reason": CallbackReason.COMPLAINT,
            "source": CallbackSource.CAMPAIGN_RESPONSE,
            "notes": "Replied to the autumn campaign: the promised discount was not applied.",
        },
        now=now - timedelta(hours=36),
    )
    callback_assign(callback=overdue, by=manager, assignee_id=agents[0].user_id, now=now)
    tomorrow = timezone.localtime(now, tenant.tzinfo).date() + timedelta(days=1)
    for arrived, fate in sorted(plan):
        data = {
            "reason": rng.choices(list(REASONS), list(REASONS.values()))[0],
            "source": rng.choices(list(SOURCES), list(SOURCES.values()))[0],
            "notes": rng.choice(NOTES),
        }
        if rng.random() < 0.75:
            data["customer"] = rng.choice(customers)
        else:
            data["lead"] = rng.choice(leads)
        if fate == "waiting" and rng.random() < 0.3:  # "call me tomorrow morning"
            start = datetime.combine(tomorrow, time(10), tzinfo=tenant.tzinfo)
            data["preferred_start"], data["preferred_end"] = start, start + timedelta(hours=2)
        callback = callback_create(tenant=tenant, by=manager, data=data, now=arrived)
        if fate == "waiting":
            continue
        agent = rng.choice(agents)
        picked_up = arrived + (now - arrived) * rng.uniform(0.1, 0.6)
        callback = callback_assign(
            callback=callback, by=manager, assignee_id=agent.user_id, now=picked_up
        )
        _work(callback, agent=agent, manager=manager, fate=fate, at=picked_up, now=now, rng=rng)


def _work(callback, *, agent, manager, fate, at, now, rng) -> None:
    def move(status, when, **extra):
        return callback_change_status(callback=callback, by=agent, status=status, now=when, **extra)

    if fate == "scheduled":
        tomorrow = timezone.localtime(now, callback.tenant.tzinfo).date() + timedelta(days=1)
        call_at = datetime.combine(tomorrow, time(10), tzinfo=callback.tenant.tzinfo)
        move("scheduled", now, scheduled_for=call_at + timedelta(minutes=30 * rng.randint(0, 12)))
    elif fate == "in_progress":
        move("in_progress", now)
    elif fate == "cancelled":
        callback_change_status(
            callback=callback,
            by=manager,
            status="cancelled",
            note="The customer wrote in and the question is answered.",
            now=at,
        )
    elif fate == "failed":
        for attempt in range(3):
            move("in_progress", at + timedelta(hours=2 * attempt))
            move("no_answer", at + timedelta(hours=2 * attempt, minutes=3))
    elif fate == "completed":
        if rng.random() < 0.3 and callback.sla_due_at < now - timedelta(hours=6):  # late
            at = callback.sla_due_at + (now - callback.sla_due_at) * rng.uniform(0.1, 0.3)
        if rng.random() < 0.4:
            move("in_progress", at)
            move("no_answer", at + timedelta(minutes=2), note="Straight to voicemail.")
            at += timedelta(hours=1)
        outcome = rng.choice(list(RESOLUTIONS))
        move("in_progress", at)
        move(
            "completed",
            at + timedelta(minutes=rng.randint(4, 25)),
            resolution=RESOLUTIONS[outcome],
            outcome=outcome,
        )
