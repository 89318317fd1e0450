"""callbacks' panels on the home page (tenancy.home): the member's callbacks waiting, and for
managers the open callbacks past their SLA. Each figure links to the queue narrowed to exactly
what it counts (`?mine=1`, `?breached=1`)."""

from django.urls import reverse

from tenancy.home import Day, Figure, Panel, Row, register_panel

from .selectors import callback_queue

ROWS = 5


def _queue_url(query: str = "") -> str:
    return reverse("callbacks:callback-queue") + query


def my_callbacks_panel(day: Day) -> Panel:
    queue = callback_queue(tenant=day.tenant, membership=day.membership, now=day.now)
    mine = queue.filter(assigned_to=day.membership.user_id)
    return Panel(
        title="My callbacks",
        figures=[
            Figure("Waiting for me", mine.count(), _queue_url("?mine=1")),
            Figure(
                "Past their SLA",
                mine.filter(is_breached=True).count(),
                _queue_url("?mine=1&breached=1"),
            ),
        ],
        definition=(
            "Open callbacks (pending, scheduled or in progress) assigned to you; past their SLA: "
            "still open after their due time."
        ),
        rows=[
            Row(
                callback.contact_name,
                callback.get_absolute_url(),
                f"Priority {callback.priority_score} · {callback.get_status_display()}"
                + (" · past SLA" if callback.is_breached else ""),
            )
            for callback in mine.select_related("customer", "lead")[:ROWS]
        ],
    )


def team_callbacks_panel(day: Day) -> Panel:
    queue = callback_queue(tenant=day.tenant, membership=day.membership, now=day.now)
    breached = queue.filter(is_breached=True)
    return Panel(
        title="Callbacks",
        figures=[
            Figure("Open", queue.count(), _queue_url()),
            Figure("SLA breaches", breached.count(), _queue_url("?breached=1")),
        ],
        definition=(
            "Open callbacks of the team; SLA breaches: open callbacks past their SLA due time now."
        ),
    )


def register() -> None:
    register_panel("my-callbacks", order=30, build=my_callbacks_panel)
    register_panel("team-callbacks", order=120, build=team_callbacks_panel, team=True)
