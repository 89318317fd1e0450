"""What the custom-field data set looks like: tenants, their field definitions (industry template
plus extra fields), and a value generator per field with realistic, skewed distributions.

Pure functions of the seed: no database access here. Values come out in one canonical Python
form per type (text/email/phone/url/select: str, number: str with 2 decimals, date: ISO str,
boolean: bool) that the loader turns into each layout's representation.
"""

import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from bench.lib.sampling import Picker, tenant_sizes
from bench.lib.vocabulary import (
    COMPANY_NOUNS,
    COMPANY_PREFIXES,
    FIRST_NAMES,
    LAST_NAMES,
    PHONE_FORMATS,
    TENANT_NAMES,
    TIMEZONES,
)
from customfields.industry_data import INDUSTRY_FIELDS

from .words import NOTE_PARTS, TEXT_KIND, TEXT_LISTS

SLUG_PREFIX = "cfb-"
SLOTS_PER_TYPE = {
    "text": 30,
    "number": 15,
    "date": 10,
    "boolean": 10,
    "email": 5,
    "phone": 5,
    "url": 5,
    "select": 10,
}
FILLED_PER_CUSTOMER = 20.0  # expected filled custom fields per customer
OVERFLOW_TENANTS = (3, 8)  # these tenants get 17 number fields: 2 overflow into JSON


def zipf(items, s: float = 1.05, rng: random.Random | None = None) -> Picker:
    """Rank-frequency skew: the first item is the most common (shuffled per tenant if rng)."""
    items = list(items)
    if rng is not None:
        rng.shuffle(items)
    return Picker(items, [1 / (rank + 1) ** s for rank in range(len(items))])


# ---------------------------------------------------------------------------------------------
# Extra fields a tenant adds on top of its industry template: (key, label, type, extras)

EXTRA_FIELDS: list[tuple[str, str, str, dict]] = [
    ("city", "City", "text", {}),
    ("country", "Country", "text", {}),
    ("customer_code", "Customer code", "text", {}),
    ("occupation", "Occupation", "text", {}),
    ("referred_by", "Referred by", "text", {}),
    ("internal_note", "Internal note", "text", {}),
    (
        "loyalty_tier",
        "Loyalty tier",
        "select",
        {"select_options": ["Bronze", "Silver", "Gold", "Platinum"]},
    ),
    (
        "preferred_language",
        "Preferred language",
        "select",
        {"select_options": TEXT_LISTS["languages_text"]},
    ),
    (
        "acquisition_channel",
        "Acquisition channel",
        "select",
        {"select_options": ["Walk-in", "Website", "Referral", "Social", "Ads", "Partner", "Event"]},
    ),
    (
        "customer_segment",
        "Segment",
        "select",
        {"select_options": ["Consumer", "Small business", "Mid-market", "Enterprise"]},
    ),
    (
        "contact_window",
        "Best time to contact",
        "select",
        {"select_options": ["Morning", "Lunchtime", "Afternoon", "Evening", "Weekend"]},
    ),
    (
        "satisfaction_score",
        "Satisfaction (0-10)",
        "number",
        {"validation_rules": {"min": 0, "max": 10}},
    ),
    ("lifetime_value", "Lifetime value", "number", {"validation_rules": {"min": 0}}),
    ("orders_last_year", "Orders last year", "number", {"validation_rules": {"min": 0}}),
    ("discount_rate", "Discount (%)", "number", {"validation_rules": {"min": 0, "max": 50}}),
    ("credit_limit", "Credit limit", "number", {"validation_rules": {"min": 0}}),
    ("first_purchase_date", "First purchase", "date", {}),
    ("last_login_date", "Last login", "date", {}),
    ("anniversary_date", "Customer anniversary", "date", {}),
    ("next_follow_up", "Next follow-up", "date", {}),
    ("newsletter", "Newsletter", "boolean", {}),
    ("sms_opt_in", "SMS opt-in", "boolean", {}),
    ("has_app", "Uses our app", "boolean", {}),
    ("is_partner", "Partner", "boolean", {}),
    ("secondary_email", "Secondary email", "email", {}),
    ("billing_email", "Billing email", "email", {}),
    ("mobile_phone", "Mobile phone", "phone", {}),
    ("work_phone", "Work phone", "phone", {}),
    ("linkedin_url", "LinkedIn profile", "url", {}),
    ("company_website", "Company website", "url", {}),
]
# The largest tenant (cfb-00, retail) always has these, so the scenarios have their fields.
LARGEST_EXTRAS = (
    "city",
    "country",
    "loyalty_tier",
    "preferred_language",
    "acquisition_channel",
    "lifetime_value",
    "orders_last_year",
    "satisfaction_score",
    "first_purchase_date",
    "next_follow_up",
    "newsletter",
    "sms_opt_in",
    "secondary_email",
    "mobile_phone",
    "linkedin_url",
    "customer_code",
    "internal_note",
    "occupation",
)

# Fields the scenarios use on the largest tenant.
EQ_TEXT_FIELD = "city"
NUMBER_FIELD = "loyalty_points"
DATE_FIELD = "last_purchase_date"
SELECT_FIELD = "favorite_category"
COUNT_FIELD = "loyalty_tier"
UPDATE_FIELD = "loyalty_points"
EMAIL_FIELD = "secondary_email"


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    type: str
    extras: dict
    fill: float  # share of customers with a value


@dataclass(frozen=True)
class TenantPlan:
    index: int
    slug: str
    name: str
    industry: str
    timezone: str
    customers: int
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)


def _tenant_fields(index: int, industry: str, rng: random.Random) -> list[tuple]:
    template = list(INDUSTRY_FIELDS[industry])
    keys = {k for k, *_ in template}
    counts: dict[str, int] = {}
    for _, _, t, _ in template:
        counts[t] = counts.get(t, 0) + 1
    extras = []
    pool = [f for f in EXTRA_FIELDS if f[0] not in keys]
    if index == 0:
        wanted = [f for f in pool if f[0] in LARGEST_EXTRAS]
    else:
        target = rng.randint(20, 30) - len(template)
        wanted = rng.sample(pool, min(len(pool), target + 4))
    for f in wanted:
        limit = 18 if index in OVERFLOW_TENANTS else 30
        if index != 0 and len(template) + len(extras) >= limit:
            break
        cap = 3 if f[2] in ("email", "phone", "url") else SLOTS_PER_TYPE[f[2]] - 2
        if counts.get(f[2], 0) >= cap:
            continue
        counts[f[2]] = counts.get(f[2], 0) + 1
        extras.append(f)
    if index in OVERFLOW_TENANTS:
        n = 1
        while counts.get("number", 0) < SLOTS_PER_TYPE["number"] + 2:
            extras.append(
                (f"metric_{n}", f"Metric {n}", "number", {"validation_rules": {"min": 0}})
            )
            counts["number"] = counts.get("number", 0) + 1
            n += 1
    return template + extras


def plan_tenants(*, seed: int, tenants: int, total: int, largest: int) -> list[TenantPlan]:
    from bench.lib.vocabulary import INDUSTRIES

    rng = random.Random(f"{seed}:cf-plan")
    plans = []
    for index, size in enumerate(tenant_sizes(total=total, tenants=tenants, largest=largest)):
        industry = "retail" if index == 0 else rng.choice(INDUSTRIES)
        raw = _tenant_fields(index, industry, rng)
        base = [
            1.0 if extras.get("is_required") else rng.uniform(0.45, 1.0) for _, _, _, extras in raw
        ]
        scale = FILLED_PER_CUSTOMER / sum(base)
        fills = [min(0.98, b * scale) if b < 1.0 else 1.0 for b in base]
        if index == 0:  # the scenario fields are well filled on the largest tenant
            fills = [
                max(f, 0.9) if key in (EQ_TEXT_FIELD, NUMBER_FIELD, DATE_FIELD) else f
                for f, (key, *_) in zip(fills, raw, strict=True)
            ]
        name = TENANT_NAMES[index % len(TENANT_NAMES)]
        plans.append(
            TenantPlan(
                index=index,
                slug=f"{SLUG_PREFIX}{index:02d}",
                name=name,
                industry=industry,
                timezone=rng.choice(TIMEZONES),
                customers=size,
                fields=tuple(
                    FieldSpec(key, label, t, extras, fill)
                    for (key, label, t, extras), fill in zip(raw, fills, strict=True)
                ),
            )
        )
    return plans


# ---------------------------------------------------------------------------------------------
# Value generators: one per (tenant, field), each returning the canonical form of its type


def _lognormal_int(rng, median: float, sigma: float, low: float, high: float) -> float:
    return min(high, max(low, round(rng.lognormvariate(math.log(median), sigma))))


NUMBER_SHAPES = {
    # key: (kind, median or low, sigma or high)
    "loyalty_points": ("int", 600, 1.1),
    "orders_count": ("int", 6, 0.9),
    "visits_count": ("int", 8, 0.9),
    "trips_booked": ("int", 3, 0.7),
    "tickets_purchased": ("int", 5, 0.9),
    "seats": ("int", 12, 1.2),
    "orders_last_year": ("int", 4, 0.8),
    "annual_volume": ("int", 5000, 1.3),
    "mileage_km": ("int", 60000, 0.7),
    "average_order_value": ("money", 65, 0.6),
    "annual_income": ("round", 52000, 0.5),
    "budget_max": ("round", 350000, 0.6),
    "contract_value": ("money", 18000, 1.0),
    "total_donated": ("money", 240, 1.2),
    "lifetime_value": ("money", 900, 1.1),
    "credit_limit": ("round", 5000, 0.8),
    "farm_size_hectares": ("money", 80, 1.0),
    "bedrooms": ("range", 1, 6),
    "vehicle_year": ("range", 1998, 2025),
    "visits_per_week": ("range", 0, 7),
    "satisfaction_score": ("range", 0, 10),
    "discount_rate": ("range", 0, 30),
}
PAST_DATES = ("last_", "first_", "since", "start", "enrollment")
FUTURE_DATES = ("expiry", "renewal", "next_", "move_in", "end_date", "review")


def value_generator(spec: FieldSpec, anchor: date, rng: random.Random):
    """fn(rng, person) -> the field's value for one customer; `person` is (first, last)."""
    t, key = spec.type, spec.key
    rules = spec.extras.get("validation_rules", {})
    if t == "text":
        kind, arg = TEXT_KIND.get(key, ("note", None))
        if kind == "zipf":
            pick = zipf(arg, rng=rng)
            return lambda r, p: pick(r)
        if kind == "code":
            counter = itertools.count(rng.randint(10_000, 90_000))
            return lambda r, p: f"{arg}{next(counter):07d}"
        if kind == "plate":
            return lambda r, p: (
                f"{r.choice('ABCDEFGHKLMNPRSTUVWXYZ')}{r.choice('ABCDEFGHKLMNPRSTUVWXYZ')}"
                f"-{r.randint(100, 9999)}"
            )
        if kind == "name":
            return lambda r, p: f"{r.choice(FIRST_NAMES)} {r.choice(LAST_NAMES)}"
        notes = zipf(NOTE_PARTS, rng=rng)
        return lambda r, p: notes(r) if r.random() < 0.7 else f"{notes(r)}; {notes(r)}"
    if t == "number":
        kind, a, b = NUMBER_SHAPES.get(key, ("int", 40, 1.0))
        low, high = float(rules.get("min", 0)), float(rules.get("max", 1e9))
        if kind == "int":
            return lambda r, p: f"{_lognormal_int(r, a, b, low, high):.2f}"
        if kind == "round":
            return lambda r, p: f"{round(r.lognormvariate(math.log(a), b), -2):.2f}"
        if kind == "range":
            return lambda r, p: f"{r.randint(max(a, int(low)), min(b, int(high))):.2f}"
        return lambda r, p: f"{r.lognormvariate(math.log(a), b):.2f}"
    if t == "date":
        if "birth" in key:
            start = date(1945, 1, 1).toordinal()
            span = date(2007, 1, 1).toordinal() - start
            return lambda r, p: date.fromordinal(start + int(r.random() * span)).isoformat()
        if "anniversary" in key:
            base = anchor.toordinal()
            return lambda r, p: date.fromordinal(base - r.randint(0, 3650)).isoformat()
        if any(word in key for word in FUTURE_DATES):
            base = anchor.toordinal()
            return lambda r, p: date.fromordinal(base + r.randint(-60, 730)).isoformat()
        mean = rng.uniform(120, 400)
        base = anchor.toordinal()
        return lambda r, p: date.fromordinal(
            base - min(1825, int(r.expovariate(1 / mean)))
        ).isoformat()
    if t == "boolean":
        share = rng.uniform(0.1, 0.7)
        return lambda r, p: r.random() < share
    if t == "email":
        hosts = zipf(["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "gmx.net", "web.de"])
        return lambda r, p: f"{p[0].lower()}.{p[1].lower()}{r.randint(1, 999)}@{hosts(r)}"
    if t == "phone":
        formats = Picker([(c, n) for c, n, _ in PHONE_FORMATS], [w for *_, w in PHONE_FORMATS])

        def phone(r, p):
            code, digits = formats(r)
            return (
                code
                + str(r.randint(2, 9))
                + "".join(str(r.randrange(10)) for _ in range(digits - 1))
            )

        return phone
    if t == "url":
        if "linkedin" in key:
            return lambda r, p: (
                f"https://www.linkedin.com/in/{p[0].lower()}-{p[1].lower()}-{r.randrange(16**6):06x}"
            )
        return lambda r, p: (
            f"https://www.{r.choice(COMPANY_PREFIXES).lower()}{r.choice(COMPANY_NOUNS).lower()}"
            f".com/{r.choice(['', 'about', 'shop', 'contact'])}"
        )
    if t == "select":
        pick = zipf(spec.extras["select_options"], s=0.9, rng=rng)
        return lambda r, p: pick(r)
    raise ValueError(t)


def anchor_minus(anchor: date, days: int) -> date:
    return anchor - timedelta(days=days)
