"""The registries behind the home page and the global search (tenancy.home, tenancy.search):
order, the team panels for managers only, a panel with nothing to say left out, the hits per
group and the "more" flag, and the cleaning of what was typed."""

from datetime import UTC, datetime

import pytest

from tenancy import home, search
from tenancy.home import Day, Figure, Panel, figures_chart, panels_for, register_panel
from tenancy.search import Hit, clean_query, register_search, search_everything


@pytest.fixture
def only_test_panels(monkeypatch):
    monkeypatch.setattr(home, "_PANELS", {})


@pytest.fixture
def only_test_providers(monkeypatch):
    monkeypatch.setattr(search, "_PROVIDERS", {})


def day_for(membership):
    return Day(
        tenant=membership.tenant,
        membership=membership,
        now=datetime(2026, 3, 4, 23, 30, tzinfo=UTC),
    )


def test_panels_come_in_order_and_team_panels_only_for_managers(
    only_test_panels, agent_a, manager_a
):
    register_panel("b", order=20, build=lambda day: Panel("Second"))
    register_panel("a", order=10, build=lambda day: Panel("First"))
    register_panel("quiet", order=15, build=lambda day: None)
    register_panel("t", order=1, build=lambda day: Panel("Team"), team=True)

    agent = panels_for(day=day_for(agent_a))
    assert [p.title for p in agent["mine"]] == ["First", "Second"]
    assert [p.key for p in agent["mine"]] == ["a", "b"]
    assert agent["team"] == []
    manager = panels_for(day=day_for(manager_a))
    assert [p.title for p in manager["team"]] == ["Team"]


def test_the_day_is_the_tenants_day(agent_a):
    agent_a.tenant.timezone = "Asia/Tokyo"  # 23:30 UTC on the 4th is 08:30 on the 5th
    day = day_for(agent_a)
    assert day.today.isoformat() == "2026-03-05"
    assert day.yesterday_starts == datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    assert day.tomorrow_starts == datetime(2026, 3, 5, 15, 0, tzinfo=UTC)


def test_the_chart_has_a_linked_bar_per_figure():
    chart = figures_chart([Figure("New", 4, "/leads/?status=NEW"), Figure("Won", 0, "/x")])
    assert [(b["label"], b["value"], b["url"]) for b in chart.bars] == [
        ("New", 4, "/leads/?status=NEW"),
        ("Won", 0, "/x"),
    ]
    assert chart.bars[0]["width"] > chart.bars[1]["width"] >= 1


def test_search_groups_say_when_they_have_more(only_test_providers, agent_a):
    def find(*, tenant, membership, query, limit):
        assert tenant == agent_a.tenant and membership == agent_a
        return [Hit(f"{query} {n}", f"/{n}/") for n in range(3)][:limit]

    register_search("many", title="Many", order=2, find=find, list_url=lambda q: f"/m/?q={q}")
    register_search("none", title="None", order=1, find=lambda **kw: [])
    groups = search_everything(tenant=agent_a.tenant, membership=agent_a, query="abc", limit=2)
    assert [(g.key, len(g.hits), g.more, g.list_url) for g in groups] == [
        ("none", 0, False, None),
        ("many", 2, True, "/m/?q=abc"),
    ]
    assert search_everything(tenant=agent_a.tenant, membership=agent_a, query="ab", limit=2) == []


def test_the_query_is_cleaned():
    assert clean_query("  ada \x00 lovelace ") == "ada lovelace"
    assert clean_query(None) == ""
    assert len(clean_query("x" * 500)) == search.MAX_QUERY_LENGTH
