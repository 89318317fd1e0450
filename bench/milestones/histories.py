"""One lead's milestones, consistent with its status and funnel dates: the steps its template
(standard or "Fast track") implies, with skips, failed attempts and retries, open steps, lost
leads failing their next step, plus extra milestones of the other types, and
`days_from_previous` computed as the services do. Rows come out ready for COPY."""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

EXTRA_SHARE = 0.27  # each extra type, per lead: ~2.2 extra milestones a lead
EXTRA_TYPES = [
    # code, name, category, SLA days
    ("EMAIL_SENT", "Email sent", "engagement", None),
    ("FOLLOW_UP_CALL", "Follow-up call", "engagement", 3),
    ("MEETING", "Meeting", "action", 7),
    ("DEMO", "Product demo", "action", 7),
    ("DOCUMENTS_RECEIVED", "Documents received", "action", 10),
    ("QUOTE_REVISED", "Quote revised", "decision", 5),
    ("NEGOTIATION_CALL", "Negotiation call", "decision", 5),
    ("REFERENCE_CHECK", "Reference check", "decision", 10),
]
STANDARD = ["LEAD_GENERATED", "CONTACTED", "SITE_VISIT", "PROPOSAL_SENT", "CONVERTED"]
FAST_TRACK = ["LEAD_GENERATED", "CONTACTED", "PROPOSAL_SENT", "CONVERTED"]
# Steps of the lead's template that a status has completed (lost leads: see _template_steps).
REACHED = {
    "NEW": 1,
    "CONTACTED": 2,
    "CALLBACK": 2,
    "QUALIFIED": 2,
    "PROPOSAL": -1,  # all but the last
    "NEGOTIATION": -1,
    "WON": None,  # all
}
OUTCOMES = ("positive", "positive", "neutral", "negative", "")


class TenantMilestones:
    """What the generator needs of one tenant: type ids, templates, time zone."""

    def __init__(self, tenant, today: date):
        from milestones.models import MilestoneTemplate, MilestoneType

        self.tenant_id = tenant.pk
        self.types = {t.type_code: t.pk for t in MilestoneType.objects.for_tenant(tenant).live()}
        templates = MilestoneTemplate.objects.for_tenant(tenant).live()
        self.fast_track = templates.get(template_name="Fast track").pk
        self.zone = ZoneInfo(tenant.timezone)
        self.today = today

    def day(self, moment: datetime | None) -> date | None:
        return None if moment is None else moment.astimezone(self.zone).date()


def _template_steps(status: str, steps: list[str], rng: random.Random) -> tuple[list, str | None]:
    """(completed steps, what happens to the next one: 'open', 'failed' or None)."""
    if status == "LOST":
        reached = rng.choice((1, 1, 2, 2, 2, 3))
        return steps[: min(reached, len(steps) - 1)], "failed" if rng.random() < 0.7 else None
    reach = REACHED[status]
    done = steps if reach is None else steps[:reach]
    if status == "QUALIFIED" and "SITE_VISIT" in steps and rng.random() < 0.4:
        done = steps[:3]
    nxt = "open" if len(done) < len(steps) and rng.random() < 0.45 else None
    return done, nxt


def _step_days(lead, t: TenantMilestones, steps: list[str], rng: random.Random) -> dict:
    lead_id, _, status, created, contacted, qualified, converted, _, _ = lead
    created_day = t.day(created)
    contact = t.day(contacted) or created_day + timedelta(days=int(rng.expovariate(1 / 2)))
    days = {"LEAD_GENERATED": created_day, "CONTACTED": contact}
    converted_day = t.day(converted)
    if converted_day is not None:  # won: the later steps spread up to the conversion
        span = max((converted_day - contact).days, len(steps))
        for i, code in enumerate(steps[2:-1], start=1):
            days[code] = contact + timedelta(days=span * i // (len(steps) - 1))
        days["CONVERTED"] = converted_day
        return days
    visit = contact + timedelta(days=1 + int(rng.expovariate(1 / 5)))
    days["SITE_VISIT"] = visit
    start = max(visit if "SITE_VISIT" in steps else contact, t.day(qualified) or contact)
    days["PROPOSAL_SENT"] = start + timedelta(days=1 + int(rng.expovariate(1 / 7)))
    days["CONVERTED"] = days["PROPOSAL_SENT"] + timedelta(days=1 + int(rng.expovariate(1 / 14)))
    return days


def lead_milestones(lead, t: TenantMilestones, rng: random.Random, on_fast_track: bool) -> list:
    """The lead's milestones as [day, time, status, type code, fields…] in timeline order, with
    days_from_previous, as tuples ready for COPY."""
    lead_id, tenant_id, status, created, _, _, _, _, assignee = lead
    steps = FAST_TRACK if on_fast_track else STANDARD
    done, nxt = _template_steps(status, steps, rng)
    days = _step_days(lead, t, steps, rng)
    created_day = t.day(created)
    entries = []  # (day, time, order, code, status)

    def at(day: date) -> date:
        return min(max(day, created_day), t.today)

    for code in done:
        if code == "SITE_VISIT" and rng.random() < 0.05:  # a failed visit, then a new one
            entries.append((at(days[code] - timedelta(days=2)), code, "failed"))
        skip = code == "SITE_VISIT" and rng.random() < 0.12
        entries.append((at(days[code]), code, "skipped" if skip else "completed"))
    if nxt is not None:
        following = steps[len(done)]
        day = at(days.get(following) or t.today)
        if nxt == "open":
            entries.append((day, following, "in_progress" if rng.random() < 0.5 else "pending"))
        else:
            entries.append((day, following, "failed"))
    last = max(day for day, _, _ in entries)
    span = max((last - created_day).days, 1) + 14
    for code, *_ in EXTRA_TYPES:
        if rng.random() < EXTRA_SHARE:
            roll = rng.random()
            extra = "completed" if roll < 0.85 else "pending" if roll < 0.93 else "failed"
            entries.append((at(created_day + timedelta(days=rng.randrange(span))), code, extra))

    rows = []
    timed = [
        (day, rng.randrange(8 * 3600, 19 * 3600) if rng.random() < 0.7 else None, i, code, s)
        for i, (day, code, s) in enumerate(entries)
    ]
    timed.sort(key=lambda e: (e[0], -1 if e[1] is None else e[1], e[2]))
    previous = None
    for day, seconds, _, code, state in timed:
        dfp = (day - previous).days if state == "completed" and previous is not None else None
        if state == "completed":
            previous = day
        moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        rows.append(
            (
                tenant_id,
                lead_id,
                t.types[code],
                day,
                None if seconds is None else f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}",
                state,
                dfp,
                "",
                None,
                None,
                "",
                None,
                rng.choice(OUTCOMES) if state == "completed" else "",
                None,
                False,
                "[]",
                "{}",
                assignee if state == "completed" else None,
                moment,
                moment,
            )
        )
    return rows
