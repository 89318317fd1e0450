"""Geometry of the pages' inline SVG charts (no chart library, no script): the views give
numbers, these functions give coordinates, and the templates draw them.

Three layouts cover every chart of the pages:
- `grouped_bars`: vertical bars side by side in groups (a group per source, per transition …);
- `day_bars` and `day_lines`: one bar or one point per day, the first day at the value axis and
  the last at the right end, each line a `polyline`;
- `row_bars`: horizontal bars, one per row, as long as their share of a peak.

Values run from 0 at the baseline to `peak`, the largest value and never less than 1, so an
empty or all-zero chart still has an axis. Coordinates are rounded to 0.1; every frame carries
what the templates' axes need (`left`, `top`, `baseline`, `label_y`, `peak`, `width`, `height`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CHART_COLOURS = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777"]

AXIS_LEFT = 40  # room for the value axis' labels
BAR_GAP = 4  # between the bars of a group
VALUE_GAP = 4  # between a bar's top and its value


def colour(index: int) -> str:
    """The colour of the index-th series; the palette repeats past its end."""
    return CHART_COLOURS[index % len(CHART_COLOURS)]


def peak_of(values: Iterable[float | None]) -> float:
    """The top of a value axis: the largest value (None counts as 0), at least 1."""
    return max([1, *(value or 0 for value in values)])


@dataclass(frozen=True)
class Scale:
    """Values 0..peak over `length` units; on a vertical axis 0 sits at `baseline`."""

    peak: float
    length: int
    baseline: int = 0

    def size(self, value: float | None) -> float:
        """The length of a bar for `value` (None is 0, past the peak is the peak)."""
        return round(min(value or 0, self.peak) / self.peak * self.length, 1)

    def y(self, value: float) -> float:
        """The height of a point for `value` on a vertical axis (y grows downwards)."""
        return round(self.baseline - value / self.peak * self.length, 1)


def grouped_bars(
    groups: Sequence[Sequence[float | None]],
    *,
    plot_height: int,
    group_width: int,
    bar_width: int,
    inset: int,
    peak: float | None = None,
    top: int = 16,
) -> dict:
    """Groups of vertical bars, one value each, `inset` from the start of their group's slot.
    Each group has its `x`, `end` and `centre` (for its label or a marker across it); each bar
    its box, `centre` and `value_y` (for the value above it). `peak` defaults to the largest
    value."""
    left = AXIS_LEFT
    scale = Scale(
        peak=peak_of(v for g in groups for v in g) if peak is None else peak,
        length=plot_height,
        baseline=top + plot_height,
    )
    baseline = scale.baseline
    placed = []
    for i, values in enumerate(groups):
        x = left + i * group_width + inset
        span = len(values) * bar_width + (len(values) - 1) * BAR_GAP
        bars = []
        for j, value in enumerate(values):
            height = scale.size(value)
            bar_x = x + j * (bar_width + BAR_GAP)
            bars.append(
                {
                    "x": bar_x,
                    "y": baseline - height,
                    "width": bar_width,
                    "height": height,
                    "centre": bar_x + bar_width / 2,
                    "value_y": baseline - height - VALUE_GAP,
                    "value": value,
                }
            )
        placed.append({"x": x, "end": x + span, "centre": x + span // 2, "bars": bars})
    return {
        "width": left + max(len(groups), 1) * group_width + 8,
        "height": baseline + 28,
        "left": left,
        "top": top,
        "baseline": baseline,
        "label_y": baseline + 18,
        "peak": scale.peak,
        "scale": scale,
        "groups": placed,
    }


def _day_frame(*, width: int, right: int, top: int, scale: Scale) -> dict:
    return {
        "width": width,
        "height": scale.baseline + 24,
        "left": AXIS_LEFT,
        "right_x": width - right,
        "top": top,
        "baseline": scale.baseline,
        "label_y": scale.baseline + 16,
        "peak": scale.peak,
    }


def day_bars(
    values: Sequence[float], *, plot_height: int, width: int = 900, right: int = 8, top: int = 12
) -> dict:
    """One bar per day across the plot, a unit of space on either side of each."""
    scale = Scale(peak=peak_of(values), length=plot_height, baseline=top + plot_height)
    step = (width - AXIS_LEFT - right) / max(len(values), 1)
    bars = []
    for i, value in enumerate(values):
        height = scale.size(value)
        bars.append(
            {
                "x": round(AXIS_LEFT + i * step + 1, 1),
                "y": scale.baseline - height,
                "width": max(round(step - 2, 1), 1),
                "height": height,
            }
        )
    return {**_day_frame(width=width, right=right, top=top, scale=scale), "bars": bars}


def polyline(points: Iterable[dict]) -> str:
    """The `points` attribute of an SVG polyline."""
    return " ".join(f"{p['x']:.1f},{p['y']:.1f}" for p in points)


def day_lines(
    series: Sequence[Sequence[float]],
    *,
    plot_height: int,
    width: int = 900,
    right: int = 8,
    top: int = 12,
) -> dict:
    """One line per series of daily values (all as long as each other), each with its points
    (`x`, `y`), its `polyline` and its `colour` (by its place in `series`)."""
    scale = Scale(
        peak=peak_of(v for values in series for v in values),
        length=plot_height,
        baseline=top + plot_height,
    )
    days = max((len(values) for values in series), default=0)
    step = (width - AXIS_LEFT - right) / max(days - 1, 1)
    lines = []
    for i, values in enumerate(series):
        points = [
            {"x": round(AXIS_LEFT + d * step, 1), "y": scale.y(value)}
            for d, value in enumerate(values)
        ]
        lines.append({"points": points, "polyline": polyline(points), "colour": colour(i)})
    return {**_day_frame(width=width, right=right, top=top, scale=scale), "lines": lines}


def row_bars(
    values: Sequence[float | None],
    *,
    peak: float,
    track: int,
    left: int,
    top: int,
    pitch: int,
    bar_height: int,
    min_width: float = 0,
) -> list[dict]:
    """One horizontal bar per value from `left`, `pitch` apart from `top`: as long as its
    share of `peak` on a `track` units long (at least `min_width`), with `text_y` for a label
    beside it and its `end`."""
    scale = Scale(peak=peak, length=track)
    bars = []
    for i, value in enumerate(values):
        y = top + i * pitch
        length = scale.size(value)
        length = max(length, min_width) if min_width else length
        bars.append(
            {
                "x": left,
                "y": y,
                "width": length,
                "height": bar_height,
                "text_y": y + bar_height // 2 + 4,
                "end": left + length,
            }
        )
    return bars
