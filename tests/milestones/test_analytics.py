"""Completion metrics, time trends and bottlenecks against a dataset whose figures are worked out
by hand below (NOW is 10 March 2026, New York). It has odd and even numbers of durations, leads
that skip, fail, stall or jump steps, milestones recorded out of order, an archived lead and
leads on another template.

Default template: LEAD_GENERATED → CONTACTED (SLA 2) → SITE_VISIT (7) → PROPOSAL_SENT (10) →
CONVERTED (30). Dates are 2026; "c" completed.

    L1  LG 1/1   C 1/2   SV 1/5   PS 1/20  CONV 2/1
    L2  LG 1/1   C 1/4   SV 1/14  PS 1/18
    L3  LG 1/2   C 1/3   SV skipped 1/6    PS 1/10
    L4  LG 1/3   C 1/5   SV in progress since 1/6
    L5  LG 1/3   SV 1/20 recorded before C 1/8
    L6  LG 1/5   PS pending since 2/1           (never contacted)
    L7  archived: LG 1/1  C 1/30                (left out of everything)
    L8  on "Short" (CONTACTED → CONVERTED): LG 1/1  C 1/2  SV 1/3
    L9  LG 1/10  C 1/11  SV failed 1/15, then SV 1/25
    L10 LG 2/1   C 2/2   SV 2/3   PS 2/2 (dated before the visit)
    L11 on "Short": LG 3/3  C 3/4
    L12 lost: LG 1/1                            (a closed lead waits for nothing)
    L13 LG 1/1   C 1/2   SV failed 1/6          (no retry yet: still waiting for the visit)
"""

from datetime import date

import pytest

from crm.models import LeadStatus
from milestones.selectors.analytics import bottlenecks, completion_metrics, time_trends
from milestones.services.config import lead_template_set, template_create
from milestones.services.lead_milestones import milestone_set_status
from tenancy.actors import OPERATOR
from tests.milestones.conftest import MILESTONES, NOW

ANALYTICS = f"{MILESTONES}analytics/"


def D(month, day):
    return date(2026, month, day)


@pytest.fixture
def dataset(tenant, make_lead, record):
    short = template_create(
        by=OPERATOR,
        tenant=tenant,
        data={"template_name": "Short"},
        sequence=["CONTACTED", "CONVERTED"],
    )

    def lead(*steps, template=None, **fields):
        created = steps[0][1]
        new = make_lead(created=created, **fields)
        if template is not None:
            lead_template_set(lead=new, by=OPERATOR, template=template)
        for code, day, *status in steps:
            final = status[0] if status else "completed"
            if final in ("skipped", "failed"):
                started = record(new, code, day, status="in_progress")
                milestone_set_status(
                    milestone=started, by=OPERATOR, status=final, achieved_date=day, now=NOW
                )
            else:
                record(new, code, day, status=final)
        return new

    lead(
        ("LEAD_GENERATED", D(1, 1)),
        ("CONTACTED", D(1, 2)),
        ("SITE_VISIT", D(1, 5)),
        ("PROPOSAL_SENT", D(1, 20)),
        ("CONVERTED", D(2, 1)),
    )
    lead(
        ("LEAD_GENERATED", D(1, 1)),
        ("CONTACTED", D(1, 4)),
        ("SITE_VISIT", D(1, 14)),
        ("PROPOSAL_SENT", D(1, 18)),
    )
    lead(
        ("LEAD_GENERATED", D(1, 2)),
        ("CONTACTED", D(1, 3)),
        ("SITE_VISIT", D(1, 6), "skipped"),
        ("PROPOSAL_SENT", D(1, 10)),
    )
    lead(
        ("LEAD_GENERATED", D(1, 3)),
        ("CONTACTED", D(1, 5)),
        ("SITE_VISIT", D(1, 6), "in_progress"),
    )
    lead(("LEAD_GENERATED", D(1, 3)), ("SITE_VISIT", D(1, 20)), ("CONTACTED", D(1, 8)))
    lead(("LEAD_GENERATED", D(1, 5)), ("PROPOSAL_SENT", D(2, 1), "pending"))
    archived = lead(("LEAD_GENERATED", D(1, 1)), ("CONTACTED", D(1, 30)))
    archived.archived_at = NOW
    archived.save(update_fields=["archived_at"])
    lead(
        ("LEAD_GENERATED", D(1, 1)),
        ("CONTACTED", D(1, 2)),
        ("SITE_VISIT", D(1, 3)),
        template=short,
    )
    lead(
        ("LEAD_GENERATED", D(1, 10)),
        ("CONTACTED", D(1, 11)),
        ("SITE_VISIT", D(1, 15), "failed"),
        ("SITE_VISIT", D(1, 25)),
    )
    lead(
        ("LEAD_GENERATED", D(2, 1)),
        ("CONTACTED", D(2, 2)),
        ("SITE_VISIT", D(2, 3)),
        ("PROPOSAL_SENT", D(2, 2)),
    )
    lead(("LEAD_GENERATED", D(3, 3)), ("CONTACTED", D(3, 4)), template=short)
    lead(("LEAD_GENERATED", D(1, 1)), status=LeadStatus.LOST)
    lead(("LEAD_GENERATED", D(1, 1)), ("CONTACTED", D(1, 2)), ("SITE_VISIT", D(1, 6), "failed"))
    return short


def figures(row):
    keys = [
        "leads_affected",
        "completed",
        "completion_rate",
        "average_days",
        "median_days",
        "p90_days",
        "sla_breached",
        "sla_breach_percent",
    ]
    return (row["from_milestone"], row["to_milestone"], *(row[key] for key in keys))


def test_bottlenecks_of_the_default_template(tenant, standard, dataset):
    rows = bottlenecks(tenant=tenant, template=standard, now=NOW)
    assert [figures(row) for row in rows] == [
        # LG → C: L1-L6, L9, L10, L12, L13 entered (10); done in 1, 3, 1, 2, 5, 1, 1, 1 days
        # (8, an even count): mean 15/8, median of the 4th and 5th of 1 1 1 1 1 2 3 5 (1), p90
        # at rank 6.3 of 0..7: 3 + 0.3 × (5 − 3). Breaches: L2 (3 > 2), L5 (5), and L6 still
        # waiting after 64 days; L12 is lost, not waiting.
        ("LEAD_GENERATED", "CONTACTED", 10, 8, 80.0, 1.88, 1.0, 3.6, 3, 30.0),
        # C → SV: L1, L2, L3, L4, L5, L9, L10, L13 entered (8); done in 3, 10, 12 (L5, recorded
        # out of order), 14 (L9's second visit), 1 days (5, an odd count): mean 40/5, median 10,
        # p90 at rank 3.6: 12 + 0.6 × 2. L3 skipped (not done, not waiting); L4 still open after
        # 64 days, L13's visit failed 67 days after its contact. Breaches: 10, 12, 14, L4, L13.
        ("CONTACTED", "SITE_VISIT", 8, 5, 62.5, 8.0, 10.0, 13.2, 5, 62.5),
        # SV → PS: L1, L2, L5, L9, L10 entered (5); done in 15 and 4 days (an even count: median
        # 9.5, p90 4 + 0.9 × 11); L10's proposal predates its visit (not done, not open); L5 and
        # L9 waiting 49 and 44 days. Breaches: 15 > 10, L5, L9.
        ("SITE_VISIT", "PROPOSAL_SENT", 5, 2, 40.0, 9.5, 9.5, 13.9, 3, 60.0),
        # PS → CONV: L1, L2, L3, L10 entered; L1 converted in 12 days; the others wait 51, 59 and
        # 36 days, past the SLA of 30.
        ("PROPOSAL_SENT", "CONVERTED", 4, 1, 25.0, 12.0, 12.0, 12.0, 3, 75.0),
    ]
    assert [row["sla_days"] for row in rows] == [2, 7, 10, 30]


def test_bottlenecks_of_another_template_count_its_leads_only(tenant, dataset):
    [row] = bottlenecks(tenant=tenant, template=dataset, now=NOW)
    # L8 and L11 contacted; neither converted. L8 has waited 67 days (> 30), L11 6 days.
    assert figures(row) == ("CONTACTED", "CONVERTED", 2, 0, 0.0, None, None, None, 1, 50.0)


def test_a_step_without_sla_has_no_breach_rate(tenant, standard, dataset, types):
    types["CONTACTED"].sla_days = None
    types["CONTACTED"].save()
    rows = bottlenecks(tenant=tenant, template=standard, now=NOW)
    assert (rows[0]["sla_breached"], rows[0]["sla_breach_percent"]) == (0, None)


def test_completion_metrics_by_type(tenant, dataset):
    metrics = completion_metrics(tenant=tenant)
    rows = {
        row["type_code"]: (
            row["total"],
            row["completed"],
            row["in_progress"],
            row["pending"],
            row["skipped"],
            row["failed"],
            row["completion_rate"],
        )
        for row in metrics["details"]
    }
    assert rows == {
        "LEAD_GENERATED": (12, 12, 0, 0, 0, 0, 100.0),  # L7 is archived
        "CONTACTED": (10, 10, 0, 0, 0, 0, 100.0),
        # L1 L2 L5 L8 L9 L10 completed, L3 skipped, L4 in progress, L9's first and L13's failed
        "SITE_VISIT": (10, 6, 1, 0, 1, 2, 60.0),
        "PROPOSAL_SENT": (5, 4, 0, 1, 0, 0, 80.0),
        "CONVERTED": (1, 1, 0, 0, 0, 0, 100.0),
    }
    assert [row["type_code"] for row in metrics["details"]][0] == "LEAD_GENERATED"
    assert (metrics["total"], metrics["completed"], metrics["completion_rate"]) == (38, 33, 86.84)


def test_time_trends_for_a_type(tenant, types, dataset):
    series = time_trends(tenant=tenant, milestone_type=types["CONTACTED"], days=90, now=NOW)
    assert len(series) == 90
    assert (series[0]["date"], series[-1]["date"]) == (date(2025, 12, 11), D(3, 10))
    busy = {
        p["date"]: (p["completed_count"], p["average_days_from_previous"])
        for p in series
        if p["completed_count"]
    }
    assert busy == {
        D(1, 2): (3, 1.0),  # L1, L8 (trends do not depend on the template) and L13
        D(1, 3): (1, 1.0),
        D(1, 4): (1, 3.0),
        D(1, 5): (1, 2.0),
        D(1, 8): (1, 5.0),
        D(1, 11): (1, 1.0),
        D(2, 2): (1, 1.0),
        D(3, 4): (1, 1.0),
    }
    assert all(p["type_code"] == "CONTACTED" for p in series)
    week = time_trends(tenant=tenant, milestone_type=types["CONTACTED"], days=7, now=NOW)
    assert [(p["date"], p["completed_count"]) for p in week if p["completed_count"]] == [
        (D(3, 4), 1)  # the first day of the window counts
    ]


def test_time_trends_of_every_type(tenant, dataset):
    series = time_trends(tenant=tenant, milestone_type=None, days=90, now=NOW)
    assert sum(p["completed_count"] for p in series) == 33
    first_of_january = next(p for p in series if p["date"] == D(1, 1))
    # LG of L1, L2, L8, L12 and L13 (L7 is archived); all first milestones
    assert first_of_january["completed_count"] == 5
    assert first_of_january["average_days_from_previous"] is None
    assert {p["type_code"] for p in series} == {None}


def test_analytics_api(api, manager_a, tenant, standard, dataset):
    client = api(manager_a)
    # the real clock is past NOW; every open transition was already in breach at NOW
    assert client.get(f"{ANALYTICS}bottlenecks/").json() == bottlenecks(
        tenant=tenant, template=standard, now=NOW
    )
    short = client.get(f"{ANALYTICS}bottlenecks/", {"template_id": dataset.pk}).json()
    assert short[0]["leads_affected"] == 2
    completion = client.get(f"{ANALYTICS}completion/").json()
    assert completion["completed"] == 33
    assert completion["details"][2]["type_code"] == "SITE_VISIT"
    trends = client.get(f"{ANALYTICS}trends/", {"type_code": "CONTACTED", "days": 5}).json()
    assert len(trends) == 5 and trends[0]["type_code"] == "CONTACTED"
    assert set(trends[0]) == {"date", "type_code", "completed_count", "average_days_from_previous"}


@pytest.mark.parametrize(
    "path, params, field",
    [
        ("trends/", {"type_code": "NOPE"}, "type_code"),
        ("trends/", {"days": "0"}, "days"),
        ("trends/", {"days": "367"}, "days"),
        ("trends/", {"days": "ten"}, "days"),
        ("bottlenecks/", {"template_id": "999999"}, "template_id"),
        ("bottlenecks/", {"template_id": "x"}, "template_id"),
        ("bottlenecks/", {"template_id": "²"}, "template_id"),  # a digit to isdigit, not to int
        ("trends/", {"days": "²"}, "days"),
    ],
)
def test_bad_analytics_parameters_are_400(api, manager_a, tenant, path, params, field):
    response = api(manager_a).get(f"{ANALYTICS}{path}", params)
    assert response.status_code == 400
    assert field in response.json()
