"""The home page's panels: a registry every app adds its own to, so the page gathers from apps
above crm (callbacks, campaigns …) while tenancy imports none of them.

An app registers a panel in its AppConfig.ready:

    from tenancy.home import register_panel
    register_panel("my-callbacks", order=30, build=my_callbacks_panel)

`build(day)` gets a `Day` (tenant, membership, now, and the member's "today" in the tenant's
zone) and returns a `Panel`, or None when the panel has nothing to say to this member. Team
panels (`team=True`) are built for managers and admins only. Every figure carries the URL of
the list it counts, filtered so that the list shows exactly that many rows; a panel says how it
counts in `definition`, which the page shows under it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from .charts import peak_of, row_bars
from .models import Membership, Tenant


@dataclass(frozen=True)
class Day:
    """What a panel counts against: the member, and today in the tenant's zone."""

    tenant: Tenant
    membership: Membership
    now: datetime

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tenant.tzinfo).date()

    def start_of(self, day: date) -> datetime:
        """Midnight starting `day` in the tenant's zone."""
        return datetime.combine(day, time.min, tzinfo=self.tenant.tzinfo)

    @property
    def tomorrow_starts(self) -> datetime:
        return self.start_of(self.today + timedelta(days=1))

    @property
    def yesterday(self) -> date:
        return self.today - timedelta(days=1)

    @property
    def yesterday_starts(self) -> datetime:
        return self.start_of(self.yesterday)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the tenant's zone."""
        return moment.astimezone(self.tenant.tzinfo)


@dataclass(frozen=True)
class Figure:
    """One number and the list it counts."""

    label: str
    value: int
    url: str


@dataclass(frozen=True)
class Row:
    """One item a panel lists (a lead to call, a callback waiting …)."""

    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Panel:
    title: str
    figures: Sequence[Figure] = ()
    definition: str = ""
    rows: Sequence[Row] = ()
    # True: the page draws the figures as a bar chart as well.
    chart: bool = False
    key: str = ""


@dataclass(frozen=True)
class PanelSpec:
    key: str
    order: int
    build: Callable[[Day], Panel | None]
    team: bool


_PANELS: dict[str, PanelSpec] = {}


def register_panel(
    key: str, *, order: int, build: Callable[[Day], Panel | None], team: bool = False
) -> None:
    """Add (or replace: registering twice is harmless) the panel `key`; panels show by `order`."""
    _PANELS[key] = PanelSpec(key=key, order=order, build=build, team=team)


def registered_panels() -> list[PanelSpec]:
    return sorted(_PANELS.values(), key=lambda spec: (spec.order, spec.key))


def panels_for(*, day: Day) -> dict[str, list[Panel]]:
    """{"mine": [...], "team": [...]}: the member's own panels, and the team's for managers and
    admins, in order, without the ones that had nothing to say."""
    result: dict[str, list[Panel]] = {"mine": [], "team": []}
    for spec in registered_panels():
        if spec.team and not day.membership.can_manage:
            continue
        panel = spec.build(day)
        if panel is not None:
            panel = panel if panel.key else replace(panel, key=spec.key)
            result["team" if spec.team else "mine"].append(panel)
    return result


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[dict] = field(default_factory=list)


def figures_chart(figures: Sequence[Figure], *, width: int = 420) -> Chart:
    """Horizontal bars, one per figure, labelled and linked like the figures themselves."""
    label_width, bar_height, gap, top = 110, 18, 8, 4
    bars = row_bars(
        [f.value for f in figures],
        peak=peak_of(f.value for f in figures),
        track=width - label_width - 50,
        left=label_width,
        top=top,
        pitch=bar_height + gap,
        bar_height=bar_height,
        min_width=1,
    )
    for figure, bar in zip(figures, bars, strict=True):
        bar.update(label=figure.label, value=figure.value, url=figure.url, value_x=bar["end"] + 6)
    return Chart(width=width, height=top + len(figures) * (bar_height + gap), bars=bars)
