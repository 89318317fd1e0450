"""Timing figures: percentiles over samples, their printing, the machine's load, and wall time
spent inside chosen functions."""

import math
import os
import time
from collections import defaultdict


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * p / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def median_int(values: list[int]) -> int:
    """The upper median of counts (SQL statements per request, matching rows)."""
    return sorted(values)[len(values) // 2]


def fmt(value: float | None, digits: int = 1, *, grouped: bool = False) -> str:
    """A figure for a table: "—" for none or NaN, thousands grouped on request."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}" if grouped else f"{value:.{digits}f}"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Timers:
    """Wall time spent inside a few functions (wrapped in place until `unwrap`)."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)
        self._undo = []

    def wrap(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)
        seconds, calls = self.seconds, self.calls
        clock = time.perf_counter

        def timed(*args, **kwargs):
            start = clock()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += clock() - start
                calls[label] += 1

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def unwrap(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()
