"""Bar charts drawn server-side as inline SVG: no script, readable with JavaScript off, testable as markup."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from accountsync.dashboard.chart_ticks import round_ticks, tick_label

__all__ = ["PALETTE", "Series", "bar_chart"]

PALETTE = ("#3b5bdb", "#2f9e44", "#e8590c", "#862e9c")
_WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP = 560, 240, 44, 28, 24


@dataclass(frozen=True)
class Series:
    """One named row of values, a bar per label (None: no bar)."""

    name: str
    values: list[float | None]


def _label(value: float, percent: bool) -> str:
    return f"{100 * value:.1f}%" if percent else f"{value:.2f}"


def _axis(ticks: list[float], percent: bool, plot_height: float) -> list[str]:
    parts, top = [], ticks[-1]
    for value in ticks:
        y = _TOP + plot_height * (1 - value / top)
        parts.append(
            f'<line class="chart-grid" x1="{_LEFT}" x2="{_WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e9ecef"/>'
        )
        parts.append(f'<text class="chart-tick" x="{_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
                     f"{tick_label(value, rate=percent)}</text>")  # fmt: skip
    return parts


def _legend(series: list[Series]) -> list[str]:
    parts = []
    for n, row in enumerate(series):
        x = _LEFT + n * 150
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{PALETTE[n % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 14}" y="13" font-size="11">{escape(row.name)}</text>')
    return parts


def _bar(label: str, name: str, value: float, n: int, x: float, width: float, height: float, percent: bool) -> str:
    attributes = {
        "class": "chart-bar", "data-label": escape(label), "data-series": escape(name), "data-value": f"{value:.6g}",
        "x": f"{x:.1f}", "y": f"{_TOP + _HEIGHT - _TOP - _BOTTOM - height:.1f}", "width": f"{width:.1f}",
        "height": f"{height:.1f}", "fill": PALETTE[n % len(PALETTE)],
    }  # fmt: skip
    shown = " ".join(f'{key}="{text}"' for key, text in attributes.items())
    return f"<rect {shown}><title>{escape(label)} · {escape(name)}: {_label(value, percent)}</title></rect>"


def bar_chart(chart_id: str, labels: list[str], series: list[Series], *, title: str, percent: bool = False,
              reference: float | None = None) -> Markup:  # fmt: skip
    """Grouped bars: one group per label, one bar per series; a dashed line at `reference` (lift 1)."""
    known = [v for row in series for v in row.values if v is not None]
    ticks = round_ticks(0.0, max([*known, reference or 0.0]))  # bars start at 0; the top is the first round tick
    top = ticks[-1]
    plot_height, group = _HEIGHT - _TOP - _BOTTOM, (_WIDTH - _LEFT) / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    parts = [f'<svg id="{escape(chart_id)}" class="chart" role="img" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
             f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             *_axis(ticks, percent, plot_height), *_legend(series)]  # fmt: skip
    for i, label in enumerate(labels):
        x0 = _LEFT + i * group + group * 0.1
        parts.append(f'<text x="{x0 + group * 0.4:.1f}" y="{_HEIGHT - 10}" text-anchor="middle" font-size="11">'
                     f"{escape(label)}</text>")  # fmt: skip
        for n, row in enumerate(series):
            value = row.values[i]
            if value is None:
                continue
            parts.append(_bar(label, row.name, value, n, x0 + n * bar, bar * 0.9, plot_height * value / top, percent))
    if reference is not None:
        y = _TOP + plot_height * (1 - reference / top)
        parts.append(f'<line class="chart-reference" x1="{_LEFT}" x2="{_WIDTH}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#212529" stroke-dasharray="4 3"/>')  # fmt: skip
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # every value interpolated is a number or escaped above
