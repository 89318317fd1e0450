"""The bottlenecks in Python, over the rows: the baseline the SQL of
milestones.selectors.analytics.bottlenecks is timed and checked against."""

import itertools
from collections import defaultdict

from bench.lib.timing import percentile


def python_bottlenecks(*, tenant, template, now) -> list[dict]:
    """The same figures as milestones.selectors.analytics.bottlenecks, computed in Python over
    the rows it would read (the tenant's milestones of the template's types)."""
    from crm.models import CLOSED_STATUSES, Lead
    from milestones.models import LeadMilestone, LeadMilestonePlan
    from milestones.selectors.timeline import local_today
    from tenancy.figures import rate

    today = local_today(tenant, now)
    steps = list(template.steps.select_related("milestone_type"))
    type_ids = [s.milestone_type_id for s in steps]
    leads = Lead.objects.filter(tenant=tenant)
    archived = set(leads.filter(archived_at__isnull=False).values_list("pk", flat=True))
    closed = set(leads.filter(status__in=CLOSED_STATUSES).values_list("pk", flat=True))
    plans = dict(
        LeadMilestonePlan.objects.filter(tenant=tenant).values_list("lead_id", "template_id")
    )
    completed = defaultdict(dict)  # lead -> type -> day
    live = defaultdict(dict)  # lead -> type -> (status, day), not failed
    for lead_id, type_id, status, day in LeadMilestone.objects.filter(
        tenant=tenant, milestone_type_id__in=type_ids
    ).values_list("lead_id", "milestone_type_id", "status", "achieved_date"):
        if status == "completed":
            completed[lead_id][type_id] = day
        if status != "failed":
            live[lead_id][type_id] = (status, day)

    def follows(lead_id):
        if lead_id in archived:
            return False
        chosen = plans.get(lead_id)
        return chosen == template.pk or (chosen is None and template.is_default)

    result = []
    for step, following in itertools.pairwise(steps):
        a, b = step.milestone_type_id, following.milestone_type_id
        sla = following.milestone_type.sla_days
        affected = breached = 0
        durations = []
        for lead_id, days in completed.items():
            if a not in days or not follows(lead_id):
                continue
            affected += 1
            status, b_day = live[lead_id].get(b, (None, None))
            done = status == "completed" and b_day >= days[a]
            if done:
                durations.append((b_day - days[a]).days)
            still_open = status in (None, "pending", "in_progress") and lead_id not in closed
            late = done and durations[-1] > (sla or 0)
            waited = still_open and (today - days[a]).days > (sla or 0)
            breached += sla is not None and (late or waited)
        durations.sort()
        result.append(
            {
                "from_milestone": step.milestone_type.type_code,
                "to_milestone": following.milestone_type.type_code,
                "average_days": round(sum(durations) / len(durations), 2) if durations else None,
                "median_days": round(percentile(durations, 50), 2) if durations else None,
                "p90_days": round(percentile(durations, 90), 2) if durations else None,
                "leads_affected": affected,
                "completed": len(durations),
                "completion_rate": rate(len(durations), affected),
                "sla_breached": breached,
                "sla_breach_percent": rate(breached, affected) if sla is not None else None,
            }
        )
    return result
