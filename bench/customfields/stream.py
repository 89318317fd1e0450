"""One tenant's customers, generated in created_at order with the tenant's own random stream:
core columns and a value for each custom field it fills."""

import random
from datetime import UTC, datetime

from bench.lib.vocabulary import COMPANY_NOUNS, COMPANY_PREFIXES, FIRST_NAMES, LAST_NAMES

from .data import value_generator

HISTORY_DAYS = 3 * 365
DAY = 86_400.0


class TenantStream:
    """One tenant's customers, generated in created_at order with the tenant's own RNG."""

    def __init__(self, plan, tenant, definitions, *, seed: int, anchor: datetime):
        self.plan = plan
        self.seed = seed
        self.tenant_id = tenant.pk
        self.rng = random.Random(f"{seed}:{plan.slug}:customers")
        self.anchor = anchor
        by_key = {d.field_key: d for d in definitions}
        fields_rng = random.Random(f"{seed}:{plan.slug}:fields")
        self.fields = [
            (
                spec,
                by_key[spec.key],
                value_generator(spec, anchor.date(), fields_rng),
            )
            for spec in plan.fields
        ]
        self.first, self.last = FIRST_NAMES, LAST_NAMES
        self.prefixes, self.nouns = COMPANY_PREFIXES, COMPANY_NOUNS

    def created_times(self) -> list[float]:
        rng = random.Random(f"{self.seed}:{self.plan.slug}:created")
        end = self.anchor.timestamp()
        span = HISTORY_DAYS * DAY
        return sorted(
            end - span * (1 - rng.random() ** (1 / 1.4)) for _ in range(self.plan.customers)
        )

    def customer(self, created: float) -> tuple[tuple, dict]:
        """(core row without id, {definition: canonical value})."""
        r = self.rng
        first, last = r.choice(self.first), r.choice(self.last)
        company = f"{r.choice(self.prefixes)} {r.choice(self.nouns)}" if r.random() < 0.3 else ""
        email = f"{first.lower()}.{last.lower()}{r.randint(1, 9999)}@example.com"
        phone = f"+49{r.randint(1_000_000_000, 9_999_999_999)}" if r.random() < 0.6 else ""
        purchases = int(r.expovariate(1 / 6))
        spent = f"{purchases * r.uniform(20, 120):.2f}"
        contacted = (
            datetime.fromtimestamp(
                created + r.uniform(0, 1) * (self.anchor.timestamp() - created), UTC
            )
            if r.random() < 0.7
            else None
        )
        created_dt = datetime.fromtimestamp(created, UTC)
        updated = contacted or created_dt
        core = (
            self.tenant_id,
            first,
            last,
            email,
            phone,
            company,
            "",
            r.randint(0, 100),
            contacted,
            int(r.expovariate(1 / 12)),
            purchases,
            spent,
            None,
            created_dt,
            updated,
        )
        values = {}
        person = (first, last)
        for spec, definition, gen in self.fields:
            if spec.fill >= 1.0 or r.random() < spec.fill:
                values[definition] = gen(r, person)
        return core, values
