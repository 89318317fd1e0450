"""The managers' figures on a hand-computed fixture (docs/metrics.md "Callbacks"): open and
breached callbacks, the breach rate of the period's completed callbacks, and each agent's
load."""

from datetime import date, timedelta

import pytest

from callbacks.selectors import agent_load, sla_figures
from callbacks.services.assignment import callback_assign
from callbacks.services.status import callback_change_status
from tenancy.dates import DateRange
from tenancy.models import Role
from tests.factories import make_member

from .conftest import NOW

PERIOD = DateRange(date(2026, 3, 1), date(2026, 3, 31))


def work(callback, agent, manager, *, result, at, **extra):
    callback_assign(
        callback=callback, by=manager, assignee_id=agent.user_id, now=callback.created_at
    )
    callback_change_status(callback=callback, by=agent, status="in_progress", now=at)
    return callback_change_status(callback=callback, by=agent, status=result, now=at, **extra)


@pytest.fixture
def history(tenant_a, manager_a, agent_a, agent_a2, make_callback):
    """Every request is low (support, 10 points): due 72 business hours (nine working days)
    after arrival."""
    done = {"resolution": "ok", "outcome": "resolved"}
    # Completed by agent_a two days after arriving on 2 March: in time (due 13 March 09:00+).
    on_time = make_callback(now=NOW - timedelta(days=2))
    work(on_time, agent_a, manager_a, result="completed", at=NOW, **done)
    # Completed by agent_a2 in the period, three weeks after arriving: late.
    late = make_callback(now=NOW - timedelta(days=21))
    work(late, agent_a2, manager_a, result="completed", at=NOW, **done)
    # Completed late, but in February: outside the period.
    february = make_callback(now=NOW - timedelta(days=40))
    work(february, agent_a, manager_a, result="completed", at=NOW - timedelta(days=5), **done)
    # Failed late: not a completion.
    failed = make_callback(now=NOW - timedelta(days=20))
    work(failed, agent_a, manager_a, result="failed", at=NOW, note="wrong number")
    # Open, assigned to agent_a, past due; open, unassigned, in time; in progress for agent_a2.
    overdue = make_callback(now=NOW - timedelta(days=15))
    callback_assign(callback=overdue, by=manager_a, assignee_id=agent_a.user_id)
    make_callback(now=NOW)
    calling = make_callback(now=NOW)
    callback_change_status(callback=calling, by=agent_a2, status="in_progress", now=NOW)


def test_sla_figures(tenant_a, history):
    assert sla_figures(tenant=tenant_a, period=PERIOD, now=NOW) == {
        "open": 3,
        "open_breached": 1,
        "unassigned": 1,
        "completed": 2,
        "completed_breached": 1,
        "breach_rate": 50.0,
        "start_date": "2026-03-01",
        "end_date": "2026-03-31",
    }


def test_breach_rate_over_no_completions_is_zero(tenant_a, make_callback):
    make_callback()
    figures = sla_figures(tenant=tenant_a, period=PERIOD, now=NOW)
    assert (figures["completed"], figures["breach_rate"]) == (0, 0.0)


def test_load_per_agent(tenant_a, manager_a, agent_a, agent_a2, history, tenant_b):
    make_member(tenant_b, "beta-agent", Role.AGENT)  # another tenant's agent is not listed
    rows = agent_load(tenant=tenant_a, period=PERIOD, now=NOW)
    assert rows == [
        {
            "user_id": agent_a.user_id,
            "username": "alpha-agent",
            "role": "agent",
            "open": 1,
            "in_progress": 0,
            "breached_open": 1,
            "completed": 1,
        },
        {
            "user_id": agent_a2.user_id,
            "username": "alpha-agent2",
            "role": "agent",
            "open": 1,
            "in_progress": 1,
            "breached_open": 0,
            "completed": 1,
        },
        {
            "user_id": manager_a.user_id,
            "username": "alpha-manager",
            "role": "manager",
            "open": 0,
            "in_progress": 0,
            "breached_open": 0,
            "completed": 0,
        },
    ]
