"""The A/B verdict: which variant of a channel's message does better, and whether the
difference is significant."""

import math

SIGNIFICANCE = 0.05  # two-sided


def z_test(success_a: int, total_a: int, success_b: int, total_b: int) -> tuple[float, float]:
    """Two-proportion z-test (pooled); returns (z, two-sided p-value)."""
    pooled = (success_a + success_b) / (total_a + total_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    if spread == 0:
        return 0.0, 1.0
    z = (success_a / total_a - success_b / total_b) / spread
    return z, math.erfc(abs(z) / math.sqrt(2))


def ab_test(channel_code: str, variants: list[dict]) -> dict:
    """The variant with the best click rate (clicked ÷ delivered) against the runner-up."""
    ranked = sorted(
        (v for v in variants if v["delivered"]),
        key=lambda v: (v["clicked"] / v["delivered"], v["variant"]),
        reverse=True,
    )
    result = {
        "channel_code": channel_code,
        "metric": "click_rate",
        "test": "two-proportion z-test, two-sided",
        "leader": None,
        "runner_up": None,
        "z": None,
        "p_value": None,
        "significant": False,
        "winner": None,
    }
    if len(ranked) < 2:
        return result
    best, second = ranked[0], ranked[1]
    z, p_value = z_test(best["clicked"], best["delivered"], second["clicked"], second["delivered"])
    significant = p_value < SIGNIFICANCE and z > 0
    return result | {
        "leader": best["variant"],
        "runner_up": second["variant"],
        "z": round(z, 3),
        "p_value": round(p_value, 4),
        "significant": significant,
        "winner": best["variant"] if significant else None,
    }
