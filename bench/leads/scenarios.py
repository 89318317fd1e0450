"""The timed scenarios of the leads API: list pages with filters and orderings, searches,
statistics and source performance, each with N varied URLs (and, where there is one, the
selector alone), parameters drawn from the tenant's own data."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

PAGE_TARGET_MS = 30.0
REPORT_TARGET_MS = 200.0


@dataclass
class Scenario:
    name: str
    description: str
    target_ms: float | None
    urls: list[str]
    # Optional: the same work without DRF (selector only), to show the API's own overhead.
    direct: Callable[[int], object] | None = None


def build_scenarios(*, tenant, membership, iterations: int, seed: int) -> list[Scenario]:
    from django.db.models import Count, Max

    from crm.models import Lead, LeadSource, LeadStatus, Tag
    from crm.selectors.leads import lead_statistics, leads_visible_to
    from crm.selectors.sources import source_performance
    from tenancy.dates import DateRange
    from tenancy.models import Membership, Role

    rng = random.Random(seed)
    n = iterations

    def cycle(make: Callable[[int], dict], path: str = "/api/v1/leads/") -> list[str]:
        return [f"{path}?{urlencode(make(i))}" if make(i) else path for i in range(n)]

    sources = list(LeadSource.objects.for_tenant(tenant).live().order_by("display_order"))
    codes = [s.source_code for s in sources]
    statuses = [s for s in LeadStatus.values if s != LeadStatus.CALLBACK]
    pages = [1, 1, 1, 1, 2, 2, 3, 4, 5, 10]
    agents = list(
        Membership.objects.filter(tenant=tenant, role=Role.AGENT).values_list("user_id", flat=True)
    )
    open_statuses = ["NEW", "CONTACTED", "CALLBACK", "QUALIFIED", "PROPOSAL", "NEGOTIATION"]
    tags = list(
        Tag.objects.for_tenant(tenant)
        .annotate(n=Count("lead_tags"))
        .order_by("n", "name")
        .values_list("name", flat=True)
    )
    # "Today" of the data set: the day after its newest lead, so windows stay comparable when
    # the data was generated days ago (the generator's --anchor).
    newest = Lead.objects.for_tenant(tenant).aggregate(newest=Max("created_at"))["newest"]
    today = newest.astimezone(tenant.tzinfo).date() + timedelta(days=1)

    # Search terms taken from the tenant's own leads (a seeded sample), so they find something.
    sample_ids = sorted(
        rng.sample(list(Lead.objects.for_tenant(tenant).values_list("pk", flat=True)), 4 * n)
    )
    sample = list(
        Lead.objects.filter(pk__in=sample_ids)
        .order_by("pk")
        .values("first_name", "last_name", "email", "company")
    )
    name_terms, email_terms = [], []
    for i, lead in enumerate(sample):
        if lead["last_name"] and len(name_terms) < n:
            name_terms.append(
                lead["last_name"].lower()
                if i % 3 == 0
                else f"{lead['first_name']} {lead['last_name']}".lower()
                if i % 3 == 1
                else lead["last_name"][:5].lower()
            )
        if lead["email"] and len(email_terms) < n:
            local, _, host = lead["email"].partition("@")
            email_terms.append(
                f"{local}@"
                if i % 3 != 2
                else (lead["email"] if i % 2 else f"@{host.split('.')[0]}")
            )

    scenarios = [
        Scenario(
            "page: status+source, -lead_score",
            "?status=S&source=C&ordering=-lead_score&page_size=50&page=K",
            PAGE_TARGET_MS,
            cycle(
                lambda i: {
                    "status": statuses[i % len(statuses)],
                    "source": codes[(i // len(statuses) + i) % len(codes)],
                    "ordering": "-lead_score",
                    "page_size": 50,
                    "page": pages[i % len(pages)],
                }
            ),
        ),
        Scenario(
            "page: all, default order",
            "?page_size=50&page=K (ordering -created_at)",
            PAGE_TARGET_MS,
            cycle(lambda i: {"page_size": 50, "page": pages[i % len(pages)]}),
        ),
        Scenario(
            "page: agent's open leads by follow-up",
            "?assigned_to=U&status=S&ordering=next_follow_up_date",
            PAGE_TARGET_MS,
            cycle(
                lambda i: {
                    "assigned_to": agents[i % len(agents)],
                    "status": open_statuses[i % len(open_statuses)],
                    "ordering": "next_follow_up_date",
                    "page_size": 50,
                }
            ),
        ),
        Scenario(
            "page: hot + tag, -estimated_value",
            "?is_hot_leads_only=true&tags=T&ordering=-estimated_value",
            PAGE_TARGET_MS,
            cycle(
                lambda i: {
                    "is_hot_leads_only": "true",
                    "tags": tags[i % len(tags)],
                    "ordering": "-estimated_value",
                    "page_size": 50,
                    "page": pages[i % 4],
                }
            ),
        ),
        Scenario(
            "page: created in a month, by company",
            "?created_after=D&created_before=D+30&ordering=company",
            PAGE_TARGET_MS,
            cycle(
                lambda i: {
                    "created_after": (today - timedelta(days=30 + 14 * i)).isoformat(),
                    "created_before": (today - timedelta(days=14 * i)).isoformat(),
                    "ordering": "company",
                    "page_size": 50,
                }
            ),
        ),
        Scenario(
            "page: archived only",
            "?archived_only=true&page_size=50&page=K (ordering -created_at)",
            PAGE_TARGET_MS,
            cycle(lambda i: {"archived_only": "true", "page_size": 50, "page": pages[i % 4]}),
        ),
        Scenario(
            "search: name",
            "?search=<last name | first last | 5-letter prefix>",
            PAGE_TARGET_MS,
            cycle(lambda i: {"search": name_terms[i % len(name_terms)], "page_size": 50}),
        ),
        Scenario(
            "search: email fragment",
            "?search=<local-part@ | whole address | @company>",
            PAGE_TARGET_MS,
            cycle(lambda i: {"search": email_terms[i % len(email_terms)], "page_size": 50}),
        ),
        Scenario(
            "statistics: all leads",
            "GET /api/v1/leads/statistics/",
            REPORT_TARGET_MS,
            ["/api/v1/leads/statistics/"] * n,
            direct=lambda i: lead_statistics(
                leads=leads_visible_to(tenant=tenant, membership=membership).filter(
                    archived_at__isnull=True
                )
            ),
        ),
        Scenario(
            "statistics: one source, last year",
            "statistics/?source=C&created_after=today-365",
            REPORT_TARGET_MS,
            cycle(
                lambda i: {
                    "source": codes[i % len(codes)],
                    "created_after": (today - timedelta(days=365)).isoformat(),
                },
                "/api/v1/leads/statistics/",
            ),
        ),
    ]

    def period(i: int) -> DateRange:
        end = today - timedelta(days=i % 30)
        return DateRange(end - timedelta(days=364), end)

    by_code = {s.source_code: s for s in sources}
    scenarios.append(
        Scenario(
            "source performance: 1 year",
            "lead-sources/{code}/performance/?start_date=&end_date= (365 days)",
            REPORT_TARGET_MS,
            [
                f"/api/v1/customization/lead-sources/{codes[i % len(codes)]}/performance/?"
                + urlencode({"start_date": period(i).start.isoformat(), "end_date": period(i).end})
                for i in range(n)
            ],
            direct=lambda i: source_performance(
                tenant=tenant, source=by_code[codes[i % len(codes)]], period=period(i)
            ),
        )
    )
    scenarios.append(
        Scenario(
            "extra: lead-sources list with counters",
            "GET /api/v1/customization/lead-sources/ (leads_generated, conversion_count)",
            REPORT_TARGET_MS,
            ["/api/v1/customization/lead-sources/"] * n,
        )
    )
    return scenarios
