"""Each bench tenant through the services (tenant_create, member_add, the source services),
and what the lead stream needs to know of it afterwards."""

import random
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bench.lib.vocabulary import TAGS

from .plan import BENCH_PASSWORD, TenantPlan

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
LEGACY_SUB = ("TWITTER", "Twitter")  # soft-deleted; the stream uses it for old leads only


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
    from tenancy.actors import OPERATOR
    from tenancy.models import Role, Tenant
    from tenancy.services.config_entries import (
        config_entry_create,
        config_entry_delete,
        config_entry_update,
    )
    from tenancy.services.members import member_add
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
                config_entry_update(sub, data={"cost_per_lead": cost}, by=OPERATOR)
        if plan.custom_sources:
            for order, (code, name, source_type, subs) in enumerate(CUSTOM_SOURCES, start=10):
                source = config_entry_create(
                    source_services.SOURCES,
                    by=OPERATOR,
                    tenant=tenant,
                    data={
                        "source_code": code,
                        "source_name": name,
                        "source_type": source_type,
                        "display_order": order,
                    },
                )
                for sub_order, (sub_code, sub_name, cost) in enumerate(subs):
                    config_entry_create(
                        source_services.SUB_SOURCES,
                        by=OPERATOR,
                        tenant=tenant,
                        source=source,
                        data={
                            "sub_source_code": sub_code,
                            "sub_source_name": sub_name,
                            "cost_per_lead": cost,
                            "display_order": sub_order,
                        },
                    )
            social = LeadSource.objects.for_tenant(tenant).live().get(source_code="SOCIAL")
            legacy = config_entry_create(
                source_services.SUB_SOURCES,
                by=OPERATOR,
                tenant=tenant,
                source=social,
                data={
                    "sub_source_code": LEGACY_SUB[0],
                    "sub_source_name": LEGACY_SUB[1],
                    "cost_per_lead": "2.50",
                    "display_order": 9,
                },
            )
            config_entry_delete(legacy, by=OPERATOR)
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
