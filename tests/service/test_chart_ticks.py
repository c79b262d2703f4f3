"""The trend charts' y ticks, by hand: from 0 to the first round value at or above the highest point."""

from __future__ import annotations

import pytest

from accountsync.dashboard.portfolio_charts import _short, _ticks


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
    assert _ticks(low, high) == pytest.approx(ticks)


def test_tick_labels_are_short() -> None:
    assert [_short(v, rate=False) for v in (0.0, 2_500.0, 3e8, 1.2e9)] == ["0", "2.5k", "300M", "1.2B"]
    assert [_short(v, rate=True) for v in (0.0, 0.4, 0.6000000000000001)] == ["0%", "40%", "60%"]
