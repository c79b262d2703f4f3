"""The trend charts' y ticks, by hand: from 0 to the first round value at or above the highest point."""

from __future__ import annotations

import re

import pytest

from accountsync.dashboard.chart_ticks import round_ticks, tick_label
from accountsync.dashboard.svg_charts import Series, bar_chart


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (205_627_272.0, 294_422_250.0, [0.0, 1e8, 2e8, 3e8]),  # the demo's ARR by month end
        (0.263, 0.607, [0.0, 0.2, 0.4, 0.6, 0.8]),  # its NRR, GRR and logo churn: 0.607 is above 0.6
        (0.0, 0.6, [0.0, 0.2, 0.4, 0.6]),  # a top on a tick stays the top
        (6_000.0, 42_000.0, [0.0, 10_000.0, 20_000.0, 30_000.0, 40_000.0, 50_000.0]),
        (-5.0, 20.0, [-5.0, 0.0, 5.0, 10.0, 15.0, 20.0]),
        (0.0, 0.0, [0.0, 1.0]),
    ],
)
def test_ticks_are_round_and_cover_every_point(low: float, high: float, ticks: list[float]) -> None:
    assert round_ticks(low, high) == pytest.approx(ticks)


def test_tick_labels_are_short() -> None:
    assert [tick_label(v, rate=False) for v in (0.0, 2_500.0, 3e8, 1.2e9)] == ["0", "2.5k", "300M", "1.2B"]
    assert [tick_label(v, rate=True) for v in (0.0, 0.4, 0.6000000000000001)] == ["0%", "40%", "60%"]


def test_the_review_bars_are_read_against_round_ticks() -> None:
    """The review page's lift axis read 0.00, 0.63, 1.26, 1.89, 2.51 (quarters of the top bar plus a tenth)."""
    lift = bar_chart("lift", ["Tier A", "Tier D"], [Series("won", [2.28, 0.72]), Series("churned", [0.04, 1.58])],
                     title="lift", reference=1.0)  # fmt: skip
    rate = bar_chart("rate", ["1", "10"], [Series("won", [0.445, 0.02])], title="rate", percent=True)

    ticks = [re.findall(r'class="chart-tick"[^>]*>([^<]*)<', str(chart)) for chart in (lift, rate)]
    assert ticks == [["0", "0.5", "1", "1.5", "2", "2.5"], ["0%", "10%", "20%", "30%", "40%", "50%"]]
    top_bar = re.search(r'data-value="2.28" x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)"', str(lift))
    assert top_bar is not None
    assert float(top_bar.group(2)) / (240 - 24 - 28) == pytest.approx(2.28 / 2.5, abs=1e-3), "drawn against 2.5"
