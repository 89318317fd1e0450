"""Reads for notes and tasks: who sees which, the one access selector, and a member's tasks by
the tenant's day (My tasks and the navigation's count).

Managers and admins see every note of the tenant. An agent sees the notes on customers and on the
leads they see (theirs and unassigned ones), and of the tasks only those assigned to them,
written by them or unassigned; a task assigned to them or written by them stays theirs to see
whatever lead it is on."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..models import Customer, CustomerNote, Lead

# How many tasks each group of My tasks lists (the counts are always whole): today whole as
# far as a day goes, the rest in part (bench/tasks: rendering the rows is most of the page).
TASK_GROUP_LIMITS = {"overdue": 25, "today": 50, "upcoming": 25, "done": 10}
TASK_GROUPS = {
    "overdue": "Overdue",
    "today": "Today",
    "upcoming": "Upcoming",
    "done": "Done",
}


def notes_visible_to(*, tenant: Tenant, membership: Membership) -> QuerySet[CustomerNote]:
    notes = CustomerNote.objects.for_tenant(tenant)
    if membership.can_manage:
        return notes
    me = membership.user_id
    on_visible = Q(lead__isnull=True) | Q(lead__assigned_to=me) | Q(lead__assigned_to__isnull=True)
    shared = Q(is_task=False) | Q(assigned_to__isnull=True)
    return notes.filter(Q(assigned_to=me) | Q(user=me) | (on_visible & shared))


def note_for(
    *,
    tenant: Tenant,
    membership: Membership,
    pk: object,
    queryset: QuerySet[CustomerNote] | None = None,
) -> CustomerNote:
    """The note `pk` as the member may see it, or Http404 (the same for a missing note, another
    tenant's and one the member may not see)."""
    visible = notes_visible_to(tenant=tenant, membership=membership)
    return one_or_404(visible if queryset is None else queryset & visible, pk, what="note")


@dataclass(frozen=True)
class TaskDay:
    """`now` in the tenant's zone: its day and its time of day, as tasks' due dates read."""

    today: date
    time: time

    @classmethod
    def of(cls, tenant: Tenant, now: datetime | None = None) -> "TaskDay":
        local = timezone.localtime(now or timezone.now(), tenant.tzinfo)
        return cls(local.date(), local.time().replace(tzinfo=None))

    def overdue_q(self) -> Q:
        return Q(due_date__lt=self.today) | Q(due_date=self.today, due_time__lt=self.time)

    def today_q(self) -> Q:
        return Q(due_date=self.today) & (Q(due_time__isnull=True) | Q(due_time__gte=self.time))

    def upcoming_q(self) -> Q:
        return Q(due_date__gt=self.today)


def my_tasks_q(membership: Membership) -> Q:
    """A member's own tasks: assigned to them, or written by them and assigned to no one."""
    me = membership.user_id
    # Only tasks have an assignee (a constraint says so): each branch reads one index alone.
    return Q(assigned_to=me) | Q(user=me, assigned_to__isnull=True, is_task=True)


def my_open_tasks(*, tenant: Tenant, membership: Membership) -> QuerySet[CustomerNote]:
    return CustomerNote.objects.filter(my_tasks_q(membership), tenant=tenant, is_completed=False)


def my_task_counts(*, tenant: Tenant, membership: Membership, now: datetime | None = None) -> dict:
    """{"overdue", "today", "upcoming", "done"}: how many of the member's tasks are in each group
    (one statement)."""
    day = TaskDay.of(tenant, now)
    open_ = Q(is_completed=False)
    return CustomerNote.objects.filter(
        my_tasks_q(membership), tenant=tenant, is_task=True
    ).aggregate(
        overdue=Count("pk", filter=open_ & day.overdue_q()),
        today=Count("pk", filter=open_ & day.today_q()),
        upcoming=Count("pk", filter=open_ & day.upcoming_q()),
        done=Count("pk", filter=Q(is_completed=True)),
    )


def due_task_count(*, tenant: Tenant, membership: Membership, now: datetime | None = None) -> int:
    """The navigation's badge: the member's open tasks due today or before."""
    day = TaskDay.of(tenant, now)
    return (
        my_open_tasks(tenant=tenant, membership=membership).filter(due_date__lte=day.today).count()
    )


def my_tasks(
    *,
    tenant: Tenant,
    membership: Membership,
    now: datetime | None = None,
    limits: dict[str, int] = TASK_GROUP_LIMITS,
) -> list[dict]:
    """The member's tasks in the groups of TASK_GROUPS, each `{"key", "label", "count", "tasks"}`
    (at most `limits[key]` tasks: the most overdue first, then by due day and time; done: the latest
    completed first)."""
    day = TaskDay.of(tenant, now)
    counts = my_task_counts(tenant=tenant, membership=membership, now=now)
    mine = CustomerNote.objects.filter(my_tasks_q(membership), tenant=tenant).order_by(
        "due_date", "due_time", "id"
    )
    open_ = mine.filter(is_completed=False)
    queries = {
        "overdue": open_.filter(day.overdue_q()),
        "today": open_.filter(day.today_q()),
        "upcoming": open_.filter(day.upcoming_q()),
        "done": mine.filter(is_completed=True).order_by("-completed_at", "-id"),
    }
    groups = [
        {
            "key": key,
            "label": label,
            "count": counts[key],
            "tasks": list(queries[key][: limits[key]]) if counts[key] else [],
        }
        for key, label in TASK_GROUPS.items()
    ]
    # The related rows once for all groups, after the limits (joined before them, every
    # matching task would be joined with its customer's ~110 columns before the sort): by id,
    # one statement per table, the authors and assignees together (prefetch_related_objects
    # took a statement more and ~2 ms more of the selector's ~17, bench/tasks).
    tasks = [task for group in groups for task in group["tasks"]]
    customers = Customer.objects.only("first_name", "last_name").in_bulk(
        {task.customer_id for task in tasks} - {None}
    )
    leads = Lead.objects.only("first_name", "last_name").in_bulk(
        {task.lead_id for task in tasks} - {None}
    )
    users = get_user_model().objects.in_bulk(
        ({task.user_id for task in tasks} | {task.assigned_to_id for task in tasks}) - {None}
    )
    for task in tasks:
        task.tenant = tenant
        _attach(task, "customer", customers)
        _attach(task, "lead", leads)
        _attach(task, "user", users)
        _attach(task, "assigned_to", users)
    return groups


def _attach(task: CustomerNote, field: str, rows: dict) -> None:
    """Set the related row `field` of `task` from `rows` (by id) when it is there."""
    related = rows.get(getattr(task, f"{field}_id"))
    if related is not None:
        setattr(task, field, related)


def notes_on(
    *, tenant: Tenant, membership: Membership, customer=None, lead=None
) -> QuerySet[CustomerNote]:
    """The notes and tasks the member sees on a customer (its leads' included) or on a lead."""
    notes = notes_visible_to(tenant=tenant, membership=membership).select_related(
        "user", "assigned_to", "lead", "customer"
    )
    if customer is not None:
        return notes.filter(customer=customer)
    return notes.filter(lead=lead)
