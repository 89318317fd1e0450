"""How every app turns counts into the figures it shows (docs/metrics.md defines each one)."""


def rate(part: int, whole: int) -> float:
    """part / whole as a percentage, 2 decimals; 0 when there is nothing to divide."""
    return round(100 * part / whole, 2) if whole else 0.0
