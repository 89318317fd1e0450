"""crm's panels on the home page (tenancy.home): the member's leads for the day, and for
managers the team's open leads by status. Each figure links to the lead list filtered to
exactly the leads it counts (the list's own filters, archived leads left out as the list does)."""

from django.http import QueryDict
from django.urls import reverse

from tenancy.home import Day, Figure, Panel, Row, register_panel

from .models import CLOSED_STATUSES, LeadStatus
from .models.leads import follow_up_due_q
from .selectors.leads import leads_visible_to, live_lead_counts
from .selectors.notes import my_task_counts, my_tasks

ROWS = 5
OPEN_STATUSES = [status for status in LeadStatus if status not in CLOSED_STATUSES]


def lead_list_url(**params) -> str:
    query = QueryDict(mutable=True)
    query.update({name: str(value) for name, value in params.items()})
    return f"{reverse('crm:lead-list')}?{query.urlencode()}"


def _live_leads(day: Day):
    return leads_visible_to(tenant=day.tenant, membership=day.membership).filter(
        archived_at__isnull=True
    )


def my_leads_panel(day: Day) -> Panel:
    me = day.membership.user_id
    mine = _live_leads(day).filter(assigned_to=me)
    due = mine.filter(follow_up_due_q(before=day.tomorrow_starts))
    new = mine.filter(created_at__gte=day.yesterday_starts)
    return Panel(
        title="My leads",
        figures=[
            Figure(
                "Need follow-up today",
                due.count(),
                lead_list_url(assigned_to=me, follow_up_due="true"),
            ),
            Figure(
                "New since yesterday",
                new.count(),
                lead_list_url(assigned_to=me, created_after=day.yesterday.isoformat()),
            ),
        ],
        definition=(
            "Need follow-up today: your open leads whose next follow-up date is today or "
            "earlier. New since yesterday: leads assigned to you that were created yesterday or "
            "today. Archived leads are not counted."
        ),
        rows=[
            Row(
                lead.full_name,
                lead.get_absolute_url(),
                f"Follow up {day.local(lead.next_follow_up_date):%d %b %H:%M} · "
                f"{lead.get_status_display()}",
            )
            for lead in due.order_by("next_follow_up_date", "id")[:ROWS]
        ],
    )


def team_leads_panel(day: Day) -> Panel:
    counted = live_lead_counts(
        tenant=day.tenant, membership=day.membership, statuses=[s.value for s in OPEN_STATUSES]
    )
    return Panel(
        title="Open leads by status",
        figures=[
            Figure(
                status.label, counted.value.get(status.value, 0), lead_list_url(status=status.value)
            )
            for status in OPEN_STATUSES
        ],
        definition=(
            "Every open lead of the team (not won, lost or archived), by status; counted at "
            f"{day.local(counted.as_of):%H:%M} and counted again as soon as a lead changes."
        ),
        chart=True,
    )


def my_tasks_panel(day: Day) -> Panel:
    counts = my_task_counts(tenant=day.tenant, membership=day.membership, now=day.now)
    tasks_url = reverse("crm:task-list")
    groups = my_tasks(
        tenant=day.tenant,
        membership=day.membership,
        now=day.now,
        limits={"overdue": ROWS, "today": ROWS, "upcoming": 0, "done": 0},
    )
    return Panel(
        title="My tasks",
        figures=[
            Figure("Overdue", counts["overdue"], f"{tasks_url}#tasks-overdue"),
            Figure("Due today", counts["today"], f"{tasks_url}#tasks-today"),
        ],
        definition=(
            "Your open tasks (assigned to you, or written by you and assigned to no one) due "
            "before now, and due later today, in the tenant's time zone."
        ),
        rows=[
            Row(
                task.note[:80],
                (task.customer or task.lead).get_absolute_url(),
                f"{'Overdue' if group['key'] == 'overdue' else 'Today'} · due "
                f"{task.due_date:%d %b}{f' {task.due_time:%H:%M}' if task.due_time else ''}",
            )
            for group in groups[:2]
            for task in group["tasks"]
        ][:ROWS],
    )


def register() -> None:
    register_panel("my-tasks", order=10, build=my_tasks_panel)
    register_panel("my-leads", order=20, build=my_leads_panel)
    register_panel("team-leads", order=110, build=team_leads_panel, team=True)
