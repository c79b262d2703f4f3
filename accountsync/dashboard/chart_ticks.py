"""Round y-axis ticks for the dashboard's charts and their short labels (the trend lines and the review's
bars alike)."""

from __future__ import annotations

import math

__all__ = ["round_ticks", "tick_label"]


def round_ticks(low: float, high: float) -> list[float]:
    """Round ticks from 0 (or from the first at or below `low`, when it is negative) to the first at or above
    `high`: a step of 1, 2, 2.5 or 5 times a power of ten, at most 5 intervals from 0 up (one or two more when
    the values also run below 0)."""
    low, high = min(low, 0.0), max(high, 0.0)
    span = high - low
    if span <= 0:
        return [low, low + 1.0]
    power = 10.0 ** math.floor(math.log10(span / 5))
    step = next(power * f for f in (1.0, 2.0, 2.5, 5.0, 10.0) if power * f * 5 >= span)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)  # 0.6 / 0.2 is 2.9999999999999996
    return [k * step for k in range(first, last + 1)]


def tick_label(value: float, *, rate: bool) -> str:
    """A tick's label: `40%` for 0.4; money as `300M`, `2.5k`, `1.2B`, `0`."""
    if rate:
        return f"{value * 100:.4g}%"
    size = abs(value)
    for unit, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if size >= scale:
            return f"{value / scale:.4g}{unit}"
    return f"{value:.4g}"
