"""The plan of the leads data set: which tenants, how big, where and how old (a pure function
of the seed)."""

import random
from dataclasses import dataclass

from bench.lib.sampling import tenant_sizes
from bench.lib.vocabulary import INDUSTRIES, TENANT_NAMES, TIMEZONES

SLUG_PREFIX = "bench-"
BENCH_PASSWORD = "bench-pass-123"
HISTORY_DAYS = 730


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


def plan_tenants(*, seed: int, tenants: int, total: int, largest: int) -> list[TenantPlan]:
    rng = random.Random(f"{seed}:plan")
    plans = []
    for index, size in enumerate(tenant_sizes(total=total, tenants=tenants, largest=largest)):
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
