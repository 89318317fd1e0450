"""Random choices for the generators: weighted choice from a table, and tenant sizes."""

import itertools
import math
import random
from bisect import bisect


class Picker:
    """Weighted choice with a precomputed cumulative table (faster than random.choices)."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


def tenant_sizes(*, total: int, tenants: int, largest: int) -> list[int]:
    """The largest tenant first, then a skewed (1/(i+3)) split of the rest, largest-remainder
    rounded so the sizes add up exactly; none of the others exceeds the largest. With
    1,000,000 over 50 tenants and 100,000 for the largest: 100,000, then 99,377, 74,533,
    59,626 … down to 5,846 (median 11,042)."""
    rest, n = total - largest, tenants - 1
    if n == 0:
        return [total]
    weights = [1 / (i + 3) for i in range(n)]
    scale = rest / sum(weights)
    raw = [w * scale for w in weights]
    cap = max(1, largest - 1)
    sizes = [min(cap, math.floor(r)) for r in raw]
    while sum(sizes) < rest:
        short = rest - sum(sizes)
        room = [i for i in range(n) if sizes[i] < cap]
        if not room:
            raise SystemExit("--largest is too small for --leads over --tenants.")
        order = sorted(room, key=lambda i: (sizes[i] - raw[i], i))
        for i in order[:short]:
            sizes[i] += 1
    return [largest, *sizes]
