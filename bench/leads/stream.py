"""The leads of one tenant, generated in created_at order with the tenant's own random stream:
names, companies, contacts, sources, a status with funnel stamps consistent with the services,
scores, assignees and tags."""

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from bench.lib.sampling import Picker
from bench.lib.vocabulary import (
    BUSINESS_TLDS,
    COMPANY_NOUNS,
    COMPANY_PREFIXES,
    COMPANY_SUFFIXES,
    FIRST_NAMES,
    FREE_DOMAINS,
    JOB_TITLES,
    LAST_NAMES,
    NOTES,
    PHONE_FORMATS,
)

from .plan import TenantPlan
from .tenants import TenantConfig

DAY = 86_400.0

# Final outcome of a lead once it has had time to play out (weights). Young leads are caught
# part-way (see _status), which gives the funnel shape: many NEW/CONTACTED, fewer later stages.
OUTCOMES = [
    ("WON", 12),
    ("LOST", 30),
    ("NEW", 11),
    ("CONTACTED", 14),
    ("CALLBACK", 6),
    ("QUALIFIED", 12),
    ("PROPOSAL", 8),
    ("NEGOTIATION", 7),
]
OPEN_REACH_DAYS = {
    "NEW": 0,
    "CONTACTED": 1,
    "CALLBACK": 2,
    "QUALIFIED": 6,
    "PROPOSAL": 12,
    "NEGOTIATION": 20,
}
CONTACTED = {"CONTACTED", "CALLBACK", "QUALIFIED", "PROPOSAL", "NEGOTIATION", "WON"}
QUALIFIED = {"QUALIFIED", "PROPOSAL", "NEGOTIATION", "WON"}
PROBABILITY = {
    "CONTACTED": "0.10",
    "CALLBACK": "0.15",
    "QUALIFIED": "0.30",
    "PROPOSAL": "0.50",
    "NEGOTIATION": "0.75",
}
SCORE_SHIFT = {"WON": 10, "NEGOTIATION": 8, "PROPOSAL": 5, "QUALIFIED": 3, "LOST": -10}
LEGACY_BEFORE_DAYS = 400
CHANNEL_WEIGHTS = {"DIRECT": 25, "ORGANIC": 35, "PAID": 25, "REFERRAL": 10, None: 5}

FREE_PICKER = Picker([d for d, _ in FREE_DOMAINS], [w for _, w in FREE_DOMAINS])
PHONE_PICKER = Picker([(c, n) for c, n, _ in PHONE_FORMATS], [w for *_, w in PHONE_FORMATS])
OUTCOME_PICKER = Picker([s for s, _ in OUTCOMES], [w for _, w in OUTCOMES])
# How far a lost lead got before it was lost.
LOST_STAGE_PICKER = Picker(("NEW", "CONTACTED", "QUALIFIED", "PROPOSAL"), (30, 40, 20, 10))


def _created_times(plan: TenantPlan, cfg: TenantConfig, rng: random.Random, anchor_ts: float):
    """Sorted creation times: growing over the tenant's history, in office hours, fewer on
    weekends (in the tenant's time zone)."""
    times = []
    span = plan.history_days * DAY
    offset = cfg.utc_offset
    for _ in range(plan.leads):
        ts = anchor_ts - span * (1 - rng.random() ** (1 / 1.6))
        local = ts + offset
        day_start = local - local % DAY
        if rng.random() < 0.8:
            seconds = min(DAY - 1, max(0.0, rng.gauss(13.5, 3.0) * 3600))
        else:
            seconds = rng.random() * DAY
        weekday = int(day_start // DAY + 3) % 7  # 1970-01-01 was a Thursday (3)
        if weekday >= 5 and rng.random() < 0.6:  # most weekend leads move into that week
            day_start += (rng.randrange(5) - weekday) * DAY
        ts = day_start + seconds - offset
        if ts >= anchor_ts:
            ts -= 7 * DAY
        times.append(ts)
    times.sort()
    return times


def _clamp(value: int, low: int = 0, high: int = 100) -> int:
    return low if value < low else high if value > high else value


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def tenant_stream(cfg: TenantConfig, *, seed: int, anchor: datetime) -> Iterator[tuple]:
    """Yield (created_ts, tenant index, n, row without id, tag ids) in created_at order."""
    plan = cfg.plan
    rng = random.Random(f"{seed}:{plan.slug}:leads")
    anchor_ts = anchor.timestamp()
    anchor_day = anchor.date()
    source_pick = Picker(cfg.sources, cfg.source_weights)
    sub_picks = {
        code: Picker([s for s, _ in entries], [w for _, w in entries])
        for code, entries in cfg.subs.items()
    }
    channel_pick = Picker(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))
    agent_pick = Picker(cfg.agents, [rng.uniform(0.5, 1.5) for _ in cfg.agents])
    tag_pick = Picker([(i, n) for i, n, _ in cfg.tags], [w for *_, w in cfg.tags])
    legacy_cutoff = anchor_ts - LEGACY_BEFORE_DAYS * DAY
    tid = cfg.tenant_id
    random_ = rng.random
    uniform = rng.uniform

    for n, created in enumerate(_created_times(plan, cfg, rng, anchor_ts)):
        age = (anchor_ts - created) / DAY
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES) if random_() < 0.96 else ""
        company = job_title = ""
        domain = None
        if random_() < plan.b2b_share:
            prefix, noun = rng.choice(COMPANY_PREFIXES), rng.choice(COMPANY_NOUNS)
            company = f"{prefix} {noun}{rng.choice(COMPANY_SUFFIXES)}"
            domain = f"{prefix}{noun}.{rng.choice(BUSINESS_TLDS)}".lower()
            if random_() < 0.85:
                job_title = rng.choice(JOB_TITLES)
        email = ""
        business_email = False
        if random_() < 0.88:
            business_email = domain is not None and random_() < 0.72
            host = domain if business_email else FREE_PICKER(rng)
            f, la = first.lower(), (last or rng.choice(LAST_NAMES)).lower()
            pattern = rng.randrange(6)
            local = (
                f"{f}.{la}",
                f"{f[0]}{la}",
                f"{f}{la[0]}",
                f"{f}_{la}",
                f"{f}.{la}{rng.randint(1, 99)}",
                f"{f}{rng.randint(1, 9999)}",
            )[pattern]
            email = f"{local}@{host}"
        phone = ""
        if not email or random_() < 0.7:
            code, digits = PHONE_PICKER(rng)
            number = str(rng.randint(2, 9)) + "".join(
                str(rng.randrange(10)) for _ in range(digits - 1)
            )
            phone = f"{code}{number}" if random_() < 0.9 else f"0{number}"

        source_id, source_code, bonus = source_pick(rng)
        sub_id = sub_picks[source_code](rng) if source_code in sub_picks else None
        if source_code == "SOCIAL" and cfg.legacy_sub and created < legacy_cutoff:
            if random_() < 0.3:
                sub_id = cfg.legacy_sub
        if source_code == "GOOGLE_ADS":
            channel = cfg.channels["PAID"]
        elif source_code == "REFERRAL" and random_() < 0.8:
            channel = cfg.channels["REFERRAL"]
        else:
            channel = cfg.channels[channel_pick(rng)]

        # status and funnel stamps, consistent with crm.services.leads._stamp_funnel
        outcome = OUTCOME_PICKER(rng)
        lost_stage = None
        if outcome in ("WON", "LOST"):
            to_close = rng.expovariate(1 / (35 if outcome == "WON" else 24)) + 0.5
            if outcome == "LOST":
                lost_stage = LOST_STAGE_PICKER(rng)
            if age < to_close:
                frac = age / to_close
                status = (
                    "NEW"
                    if frac < 0.15
                    else "CONTACTED"
                    if frac < 0.4
                    else "QUALIFIED"
                    if frac < 0.7
                    else "PROPOSAL"
                    if frac < 0.9
                    else "NEGOTIATION"
                )
                span = age * uniform(0.3, 1.0)
            else:
                status, span = outcome, to_close
        else:
            status = outcome
            if age < OPEN_REACH_DAYS[outcome] * uniform(0.5, 1.5):
                status = "NEW" if age < 1 else "CONTACTED"
            span = age * uniform(0.3, 1.0)
        reached_contact = status in CONTACTED or (
            status == "LOST" and lost_stage in ("CONTACTED", "QUALIFIED", "PROPOSAL")
        )
        reached_qualified = status in QUALIFIED or (
            status == "LOST" and lost_stage in ("QUALIFIED", "PROPOSAL")
        )
        span_s = span * DAY
        contacted_at = created + span_s * uniform(0.02, 0.3) if reached_contact else None
        qualified_at = created + span_s * uniform(0.35, 0.8) if reached_qualified else None
        converted_at = created + span_s if status == "WON" else None
        changed = created + span_s if status != "NEW" else created + uniform(0, 3600)
        changed = min(changed, anchor_ts - 30)

        last_contact = None
        follow_up = None
        if contacted_at is not None:
            last_contact = contacted_at + (changed - contacted_at) * random_()
            if status not in ("WON", "LOST") and random_() < 0.6:
                follow_up = anchor_ts + uniform(-10, 21) * DAY
        expected_close = None
        if status in ("QUALIFIED", "PROPOSAL", "NEGOTIATION"):
            expected_close = anchor_day + timedelta(days=rng.randint(-5, 90))
        elif status == "WON":
            expected_close = _dt(converted_at).date()
        elif status == "LOST" and random_() < 0.3:
            expected_close = _dt(changed).date()
        if status == "NEW":
            attempts = 0 if random_() < 0.7 else rng.randint(1, 2)
        else:
            attempts = rng.randint(1, 8)
        if status == "WON":
            probability = "1.00"
        elif status == "LOST":
            probability = "0.00" if random_() < 0.8 else None
        else:
            probability = PROBABILITY.get(status) if random_() < 0.7 else None
        value = None
        if random_() < (0.9 if status in QUALIFIED else 0.35):
            value = f"{min(9_999_999.0, rng.lognormvariate(math.log(3500), 1.1)):.2f}"

        if status == "NEW" and random_() < 0.5 or random_() < 0.04:
            assignee = None
        elif cfg.managers and random_() < 0.08:
            assignee = rng.choice(cfg.managers)
        else:
            assignee = agent_pick(rng)
        created_by = assignee if assignee is not None and random_() < 0.25 else None

        tag_ids = []
        high_value = False
        if random_() < 0.35:
            wanted = 1 if random_() < 0.55 else 2 if random_() < 0.67 else 3
            names = set()
            while len(tag_ids) < wanted:
                tag_id, name = tag_pick(rng)
                if name not in names:
                    names.add(name)
                    tag_ids.append(tag_id)
            high_value = bool(names & {"vip", "enterprise", "high-value", "decision-maker"})
        score = 50 + bonus + (10 if company else 0) + (10 if business_email else 0)
        score += 15 if high_value else 0
        if random_() >= 0.55:  # edited by hand or rescored since
            score += round(rng.gauss(0, 15)) + SCORE_SHIFT.get(status, 0)
        score = _clamp(score)

        archived = None
        updated = changed
        if random_() < (0.07 if status == "LOST" else 0.012):
            archived = min(changed + uniform(0, 30) * DAY, anchor_ts - 10)
            updated = archived
        notes = rng.choice(NOTES) if random_() < 0.22 else ""

        row = (
            tid,
            first,
            last,
            email,
            phone,
            company,
            job_title,
            status,
            source_id,
            sub_id,
            channel,
            assignee,
            score,
            probability,
            value,
            expected_close,
            _dt(last_contact),
            _dt(follow_up),
            attempts,
            notes,
            _dt(contacted_at),
            _dt(qualified_at),
            _dt(converted_at),
            _dt(archived),
            created_by,
            _dt(created),
            _dt(updated),
        )
        yield (created, plan.index, n, row, tag_ids)
