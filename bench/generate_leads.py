"""Generate the benchmark dataset: 1,000,000 leads over 50 tenants, the largest with 100,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_bench \\
        .venv/bin/python -m bench.generate_leads [--reset] [--seed 2] [--anchor YYYY-MM-DD]

Deterministic: the same seed and anchor date give the same rows. Tenants, members, sources and
tags are created through the services (tenant_create, member_add, source_create, …), so each
tenant has its default sources and channels; leads and their tags are loaded with COPY in chunks
of 50,000, all tenants interleaved in created_at order (as a live database fills up, so one
tenant's leads are spread over the whole table rather than packed together). Each chunk commits
on its own: an interrupted run resumes where it stopped. `--reset` removes the bench tenants
(slugs `bench-NN`) and their users first. Ends with VACUUM ANALYZE.
"""

import argparse
import heapq
import itertools
import math
import random
import sys
import time
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ._setup import database_label, setup_django
from .vocabulary import (
    BUSINESS_TLDS,
    COMPANY_NOUNS,
    COMPANY_PREFIXES,
    COMPANY_SUFFIXES,
    FIRST_NAMES,
    FREE_DOMAINS,
    INDUSTRIES,
    JOB_TITLES,
    LAST_NAMES,
    NOTES,
    PHONE_FORMATS,
    TAGS,
    TENANT_NAMES,
    TIMEZONES,
)

SLUG_PREFIX = "bench-"
BENCH_PASSWORD = "bench-pass-123"
CHUNK = 50_000
DAY = 86_400.0
HISTORY_DAYS = 730

LEAD_COLUMNS = (
    "id",
    "tenant_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "job_title",
    "status",
    "source_id",
    "sub_source_id",
    "channel_id",
    "assigned_to_id",
    "lead_score",
    "probability",
    "estimated_value",
    "expected_close_date",
    "last_contact_date",
    "next_follow_up_date",
    "call_attempts",
    "notes",
    "contacted_at",
    "qualified_at",
    "converted_at",
    "archived_at",
    "created_by_id",
    "created_at",
    "updated_at",
)

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

# Source mix (weights; each tenant jitters them) and sub-source mix (None = no sub-source).
SOURCE_WEIGHTS = {
    "WEBSITE": 38,
    "EMAIL": 18,
    "SOCIAL": 24,
    "REFERRAL": 12,
    "GOOGLE_ADS": 16,
    "EVENTS": 5,
}
SUB_WEIGHTS = {
    "SOCIAL": {"FACEBOOK": 55, "LINKEDIN": 35, None: 10},
    "GOOGLE_ADS": {"SEARCH": 62, "DISPLAY": 30, None: 8},
    "EVENTS": {"TRADE_SHOW": 70, None: 30},
}
# Extra configuration for every other tenant: (code, name, type, [(sub code, name, cost)]).
CUSTOM_SOURCES = [
    (
        "GOOGLE_ADS",
        "Google Ads",
        "website",
        [("SEARCH", "Search", "14.50"), ("DISPLAY", "Display", "3.20")],
    ),
    ("EVENTS", "Events", "event", [("TRADE_SHOW", "Trade show", "42.00")]),
]
DEFAULT_SUB_COSTS = {"FACEBOOK": "4.80", "LINKEDIN": "11.00"}
LEGACY_SUB = ("TWITTER", "Twitter")  # soft-deleted; only leads older than LEGACY_BEFORE_DAYS
LEGACY_BEFORE_DAYS = 400
CHANNEL_WEIGHTS = {"DIRECT": 25, "ORGANIC": 35, "PAID": 25, "REFERRAL": 10, None: 5}


# ---------------------------------------------------------------------------------------------
# The plan: which tenants, how big (pure function of the seed)


@dataclass(frozen=True)
class TenantPlan:
    index: int
    slug: str
    name: str
    industry: str
    timezone: str
    leads: int
    managers: int
    agents: int
    history_days: int
    custom_sources: bool
    b2b_share: float


def _sizes(*, total: int, tenants: int, largest: int) -> list[int]:
    """The largest tenant first, then a skewed (1/(i+3)) split of the rest, largest-remainder
    rounded so the sizes add up exactly; none of the others exceeds the largest. With the
    defaults: 100,000, then 99,377, 74,533, 59,626 … down to 5,846 (median 11,042)."""
    rest, n = total - largest, tenants - 1
    if n == 0:
        return [total]
    weights = [1 / (i + 3) for i in range(n)]
    scale = rest / sum(weights)
    raw = [w * scale for w in weights]
    cap = max(1, largest - 1)
    sizes = [min(cap, math.floor(r)) for r in raw]
    while sum(sizes) < rest:
        short = rest - sum(sizes)
        room = [i for i in range(n) if sizes[i] < cap]
        if not room:
            raise SystemExit("--largest is too small for --leads over --tenants.")
        order = sorted(room, key=lambda i: (sizes[i] - raw[i], i))
        for i in order[:short]:
            sizes[i] += 1
    return [largest, *sizes]


def plan_tenants(*, seed: int, tenants: int, total: int, largest: int) -> list[TenantPlan]:
    rng = random.Random(f"{seed}:plan")
    plans = []
    for index, size in enumerate(_sizes(total=total, tenants=tenants, largest=largest)):
        name = TENANT_NAMES[index % len(TENANT_NAMES)]
        if index >= len(TENANT_NAMES):
            name = f"{name} {index // len(TENANT_NAMES) + 1}"
        big = index == 0
        plans.append(
            TenantPlan(
                index=index,
                slug=f"{SLUG_PREFIX}{index:02d}",
                name=name,
                industry=rng.choice(INDUSTRIES),
                timezone="Europe/Berlin" if big else rng.choice(TIMEZONES),
                leads=size,
                managers=3 if size >= 50_000 else 2 if size >= 15_000 else 1,
                agents=max(2, min(20, round(size / 5_000))),
                history_days=HISTORY_DAYS
                if big or rng.random() < 0.6
                else rng.randint(180, HISTORY_DAYS),
                custom_sources=big or index % 2 == 1,
                b2b_share=0.8 if big else rng.uniform(0.35, 0.9),
            )
        )
    return plans


# ---------------------------------------------------------------------------------------------
# Tenants, members, sources and tags through the services


@dataclass
class TenantConfig:
    plan: TenantPlan
    tenant_id: int
    utc_offset: float
    sources: list[tuple[int, str, int]]  # id, code, score bonus
    source_weights: list[float]  # the seed mix, jittered per tenant
    subs: dict[str, list[tuple[int | None, float]]]  # source code -> [(sub id | None, weight)]
    legacy_sub: int | None
    channels: dict[str | None, int | None]
    managers: list[int]
    agents: list[int]
    tags: list[tuple[int, str, int]]  # id, name, weight


def ensure_tenant(plan: TenantPlan):
    from django.db import transaction

    from crm.models import LeadSource, LeadSubSource, Tag
    from crm.services import sources as source_services
    from tenancy.models import Role, Tenant
    from tenancy.services.members import OPERATOR, member_add
    from tenancy.services.tenants import tenant_create

    tenant = Tenant.objects.filter(slug=plan.slug).first()
    if tenant is not None:
        return tenant
    with transaction.atomic():
        tenant = tenant_create(
            slug=plan.slug, name=plan.name, industry=plan.industry, timezone=plan.timezone
        )
        members = [(f"{plan.slug}-admin", Role.ADMIN)]
        members += [(f"{plan.slug}-manager{i + 1}", Role.MANAGER) for i in range(plan.managers)]
        members += [(f"{plan.slug}-agent{i + 1:02d}", Role.AGENT) for i in range(plan.agents)]
        for username, role in members:
            member_add(
                by=OPERATOR,
                tenant=tenant,
                username=username,
                role=role,
                password=BENCH_PASSWORD,
                email=f"{username}@example.com",
            )
        for sub in LeadSubSource.objects.for_tenant(tenant):
            cost = DEFAULT_SUB_COSTS.get(sub.sub_source_code)
            if cost:
                source_services.sub_source_update(sub_source=sub, data={"cost_per_lead": cost})
        if plan.custom_sources:
            for order, (code, name, source_type, subs) in enumerate(CUSTOM_SOURCES, start=10):
                source = source_services.source_create(
                    tenant=tenant,
                    data={
                        "source_code": code,
                        "source_name": name,
                        "source_type": source_type,
                        "display_order": order,
                    },
                )
                for sub_order, (sub_code, sub_name, cost) in enumerate(subs):
                    source_services.sub_source_create(
                        source=source,
                        data={
                            "sub_source_code": sub_code,
                            "sub_source_name": sub_name,
                            "cost_per_lead": cost,
                            "display_order": sub_order,
                        },
                    )
            social = LeadSource.objects.for_tenant(tenant).live().get(source_code="SOCIAL")
            legacy = source_services.sub_source_create(
                source=social,
                data={
                    "sub_source_code": LEGACY_SUB[0],
                    "sub_source_name": LEGACY_SUB[1],
                    "cost_per_lead": "2.50",
                    "display_order": 9,
                },
            )
            source_services.entry_delete(entry=legacy)
        Tag.objects.bulk_create(Tag(tenant=tenant, name=name) for name, _ in TAGS)
    return tenant


def load_config(plan: TenantPlan, tenant, *, anchor: datetime) -> TenantConfig:
    from crm.models import LeadChannel, LeadSource, LeadSubSource, Tag
    from tenancy.models import Membership, Role

    rng = random.Random(f"{plan.slug}:config")
    sources = list(LeadSource.objects.for_tenant(tenant).live().order_by("display_order"))
    subs: dict[str, list[tuple[int | None, float]]] = {}
    legacy = None
    for sub in LeadSubSource.objects.for_tenant(tenant).select_related("source"):
        if sub.deleted_at is not None:
            legacy = sub.pk
            continue
        code = sub.source.source_code
        weight = SUB_WEIGHTS.get(code, {}).get(sub.sub_source_code, 10)
        subs.setdefault(code, []).append((sub.pk, weight))
    for code, entries in subs.items():
        entries.append((None, SUB_WEIGHTS.get(code, {}).get(None, 10)))
        entries.sort(key=lambda e: (e[0] is None, e[0] or 0))
    channels: dict[str | None, int | None] = {
        c.channel_code: c.pk for c in LeadChannel.objects.for_tenant(tenant).live()
    }
    channels[None] = None
    members = Membership.objects.filter(tenant=tenant).order_by("user__username")
    tags = {t.name: t.pk for t in Tag.objects.for_tenant(tenant)}
    offset = ZoneInfo(plan.timezone).utcoffset(anchor.replace(tzinfo=None)).total_seconds()
    used = [s for s in sources if s.source_code in SOURCE_WEIGHTS]
    return TenantConfig(
        plan=plan,
        tenant_id=tenant.pk,
        utc_offset=offset,
        sources=[(s.pk, s.source_code, s.score_bonus) for s in used],
        source_weights=[SOURCE_WEIGHTS[s.source_code] * rng.uniform(0.5, 1.5) for s in used],
        subs=subs,
        legacy_sub=legacy,
        channels=channels,
        managers=[m.user_id for m in members if m.role == Role.MANAGER],
        agents=[m.user_id for m in members if m.role == Role.AGENT],
        tags=[(tags[name], name, weight) for name, weight in TAGS if name in tags],
    )


# ---------------------------------------------------------------------------------------------
# Leads


class Picker:
    """Weighted choice with a precomputed cumulative table (faster than random.choices)."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


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


# ---------------------------------------------------------------------------------------------
# Loading


def bench_tenants():
    from tenancy.models import Tenant

    return Tenant.objects.filter(slug__startswith=SLUG_PREFIX)


def reset() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from tenancy.models import Tenant

    started = time.perf_counter()
    ids = list(bench_tenants().values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cur:
        if not Tenant.objects.exclude(pk__in=ids).exists():
            # Only bench tenants in this (dedicated) database: truncate, leaving no dead rows.
            cur.execute(
                "TRUNCATE crm_leadtag, crm_leadactivity, crm_lead, crm_tag RESTART IDENTITY CASCADE"
            )
        else:
            for table in ("crm_leadtag", "crm_leadactivity", "crm_lead"):
                cur.execute(f"DELETE FROM {table} WHERE tenant_id = ANY(%s)", [ids])
        bench_tenants().delete()
        get_user_model().objects.filter(username__startswith=SLUG_PREFIX).delete()
    print(f"reset: removed {len(ids)} bench tenants in {time.perf_counter() - started:.1f} s")


def _reserve_ids(cur, n: int) -> list[int]:
    cur.execute(
        "SELECT nextval(pg_get_serial_sequence('crm_lead', 'id')) FROM generate_series(1, %s)",
        [n],
    )
    return sorted(r[0] for r in cur.fetchall())


def load_leads(configs: list[TenantConfig], *, seed: int, anchor: datetime, total: int) -> None:
    from django.db import connection, transaction

    from crm.models import Lead

    done = Lead.objects.filter(tenant__slug__startswith=SLUG_PREFIX).count()
    if done == total:
        print(f"leads: all {total:,} already loaded")
        return
    if done % CHUNK or done > total:
        raise SystemExit(
            f"Found {done:,} bench leads, which is not a completed chunk of this plan; "
            "run again with --reset."
        )
    streams = [tenant_stream(cfg, seed=seed, anchor=anchor) for cfg in configs]
    merged = heapq.merge(*streams)
    if done:
        print(f"leads: resuming after {done:,} already loaded (regenerating to skip them)")
        for _ in itertools.islice(merged, done):
            pass
    columns = ", ".join(LEAD_COLUMNS)
    loaded = done
    started = time.perf_counter()
    while True:
        batch = list(itertools.islice(merged, CHUNK))
        if not batch:
            break
        with transaction.atomic(), connection.cursor() as cur:
            ids = _reserve_ids(cur, len(batch))
            with cur.copy(f"COPY crm_lead ({columns}) FROM STDIN") as copy:
                for lead_id, (_, _, _, row, _) in zip(ids, batch, strict=True):
                    copy.write_row((lead_id, *row))
            with cur.copy("COPY crm_leadtag (lead_id, tag_id, tenant_id) FROM STDIN") as copy:
                for lead_id, (_, _, _, row, tag_ids) in zip(ids, batch, strict=True):
                    for tag_id in tag_ids:
                        copy.write_row((lead_id, tag_id, row[0]))
        loaded += len(batch)
        rate = (loaded - done) / (time.perf_counter() - started)
        print(f"leads: {loaded:>9,} / {total:,}  ({rate:,.0f} rows/s)", flush=True)


def vacuum_analyze() -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cur:
        for table in ("crm_lead", "crm_leadtag", "crm_tag", "crm_leadsource", "crm_leadsubsource"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    print(f"vacuum analyze: {time.perf_counter() - started:.1f} s")


def summary() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT t.slug, count(l.id) FROM crm_tenant t LEFT JOIN crm_lead l "
            "ON l.tenant_id = t.id WHERE t.slug LIKE %s GROUP BY t.slug ORDER BY 2 DESC",
            [SLUG_PREFIX + "%"],
        )
        rows = cur.fetchall()
        cur.execute(
            "SELECT pg_size_pretty(pg_table_size('crm_lead')), "
            "pg_size_pretty(pg_indexes_size('crm_lead')), (SELECT count(*) FROM crm_leadtag)"
        )
        table, indexes, tags = cur.fetchone()
    sizes = [n for _, n in rows]
    print(
        f"tenants: {len(rows)}, leads: {sum(sizes):,} (largest {sizes[0]:,} = {rows[0][0]}, "
        f"median {sizes[len(sizes) // 2]:,}, smallest {sizes[-1]:,}); lead tags: {tags:,}"
    )
    print(f"crm_lead: table {table}, indexes {indexes}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--leads", type=int, default=1_000_000, help="total over all tenants")
    parser.add_argument("--largest", type=int, default=100_000, help="leads of tenant bench-00")
    parser.add_argument(
        "--anchor",
        type=date.fromisoformat,
        default=datetime.now(UTC).date(),
        help="'now' of the data (YYYY-MM-DD, default today, UTC): leads span the 2 years before",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="remove the bench tenants first (in a database holding only bench tenants this "
        "truncates the lead tables and every table referencing them, e.g. bench milestones)",
    )
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.largest <= args.leads or args.tenants < 1:
        parser.error("need 1 <= --largest <= --leads and --tenants >= 1")

    setup_django(allow_any_database=args.allow_any_database)
    from django.test import override_settings

    anchor = datetime.combine(args.anchor, datetime.min.time(), tzinfo=UTC)
    print(f"database: {database_label()}; seed {args.seed}; anchor {args.anchor}")
    started = time.perf_counter()
    if args.reset:
        reset()
    plans = plan_tenants(
        seed=args.seed, tenants=args.tenants, total=args.leads, largest=args.largest
    )
    existing = set(bench_tenants().values_list("slug", flat=True))
    stray = existing - {p.slug for p in plans}
    if stray:
        raise SystemExit(f"Bench tenants outside this plan exist ({len(stray)}); use --reset.")
    step = time.perf_counter()
    configs = []
    # Users only: a fast hasher for the bench process (real hashing is ~0.3 s per user).
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for plan in plans:
            tenant = ensure_tenant(plan)
            configs.append(load_config(plan, tenant, anchor=anchor))
    print(f"tenants, members, sources, tags: {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    load_leads(configs, seed=args.seed, anchor=anchor, total=args.leads)
    print(f"leads and tags: {time.perf_counter() - step:.1f} s")
    vacuum_analyze()
    summary()
    print(f"generation took {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
