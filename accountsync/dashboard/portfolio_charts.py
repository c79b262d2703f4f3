"""The portfolio's charts drawn on the server as inline SVG (no script, no CDN): the ARR bridge as a waterfall, and KPI
trend lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from accountsync.dashboard.chart_ticks import round_ticks, tick_label
from accountsync.figure_text import money
from sync import BridgeStep

WIDTH, HEIGHT, PAD_X, PAD_TOP, PAD_BOTTOM = 720, 300, 56, 24, 40
COLORS = {"total": "#2f5bea", "up": "#1f9d6b", "down": "#d64545"}
SERIES_COLORS = ("#2f5bea", "#1f9d6b", "#d98b0b", "#d64545")


@dataclass(frozen=True, slots=True)
class Series:
    """One line: its label and a value per x label (None: no point)."""

    label: str
    values: Sequence[float | None]


def _scale(low: float, high: float) -> tuple[float, float]:
    low, high = min(low, 0.0), max(high, 0.0)
    return (low, high) if high > low else (low, low + 1.0)


def _y(value: float, low: float, high: float) -> float:
    return PAD_TOP + (high - value) / (high - low) * (HEIGHT - PAD_TOP - PAD_BOTTOM)


def waterfall(steps: Sequence[BridgeStep], currency: str) -> Markup:
    """Floating bars: totals from zero, each movement from where the previous bar ended, joined by a line."""
    low, high = _scale(min(min(s.start, s.end) for s in steps), max(max(s.start, s.end) for s in steps))
    slot = (WIDTH - 2 * PAD_X) / len(steps)
    parts = [_frame("ARR bridge"), _zero(low, high)]
    for index, step in enumerate(steps):
        x = PAD_X + index * slot + slot * 0.15
        top, bottom = _y(max(step.start, step.end), low, high), _y(min(step.start, step.end), low, high)
        parts.append(
            f'<rect class="step step-{step.kind}" data-label="{escape(step.label)}" data-amount="{step.amount:.2f}" '
            f'data-start="{step.start:.2f}" data-end="{step.end:.2f}" x="{x:.1f}" y="{top:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{max(bottom - top, 1):.1f}" fill="{COLORS[step.kind]}"/>'
        )
        sign = "-" if step.kind == "down" else "+" if step.kind == "up" else ""
        parts.append(_text(x + slot * 0.35, top - 6, f"{sign}{money(step.amount)}", "middle"))
        parts.append(_text(x + slot * 0.35, HEIGHT - PAD_BOTTOM + 16, step.label, "middle"))
        if index + 1 < len(steps):
            level = _y(step.end, low, high)
            parts.append(f'<line x1="{x + slot * 0.7:.1f}" x2="{x + slot:.1f}" y1="{level:.1f}" y2="{level:.1f}" '
                         'stroke="#8a94a6" stroke-dasharray="3 3"/>')  # fmt: skip
    parts.append(_text(PAD_X, HEIGHT - 6, f"money in {currency}", "start"))
    # Safe: every text and attribute from data went through `escape` (or is a number we formatted).
    return Markup(  # noqa: S704
        f'<svg class="chart" id="arr-bridge" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">{"".join(parts)}</svg>'
    )


def line_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *, rate: bool) -> Markup:
    """One polyline per series over the x labels; the y axis from 0 to a round top, with round ticks labelled
    short (`100M`, `40%`); the legend in a row above the plot."""
    values = [v for s in series for v in s.values if v is not None]
    ticks = round_ticks(min(values, default=0.0), max(values, default=1.0))
    low, high = ticks[0], ticks[-1]
    step = (WIDTH - 2 * PAD_X) / max(len(labels) - 1, 1)
    parts = [_frame(title), _zero(low, high)]
    for value in ticks:
        y = _y(value, low, high)
        parts.append(
            f'<line class="grid" x1="{PAD_X}" x2="{WIDTH - PAD_X}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eef0f4"/>'
        )
        parts.append(_text(PAD_X - 6, y + 4, tick_label(value, rate=rate), "end", tick=value))
    every = max(len(labels) // 6, 1)
    for index, label in enumerate(labels):
        last = index == len(labels) - 1
        if last or (index % every == 0 and len(labels) - 1 - index >= every):  # no label crowding the last
            parts.append(_text(PAD_X + index * step, HEIGHT - PAD_BOTTOM + 16, label, "middle"))
    legend_x = PAD_X
    for number, line in enumerate(series):
        color = SERIES_COLORS[number % len(SERIES_COLORS)]
        points = [(PAD_X + i * step, _y(v, low, high), v) for i, v in enumerate(line.values) if v is not None]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
        parts.append(f'<polyline class="series" data-series="{escape(line.label)}" points="{path}" fill="none" '
                     f'stroke="{color}" stroke-width="2"/>')  # fmt: skip
        parts += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}" data-value="{v:.6f}"/>' for x, y, v in points
        ]
        parts.append(f'<rect x="{legend_x}" y="4" width="10" height="10" fill="{color}"/>')
        parts.append(_text(legend_x + 14, 13, line.label, "start", color))
        legend_x += 24 + 7 * len(line.label)
    # Safe: every text and attribute from data went through `escape` (or is a number we formatted).
    return Markup(  # noqa: S704
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">{"".join(parts)}</svg>'
    )


def _frame(title: str) -> str:
    return f"<title>{escape(title)}</title>"


def _zero(low: float, high: float) -> str:
    y = _y(0.0, low, high)
    return f'<line x1="{PAD_X}" x2="{WIDTH - PAD_X}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c8ced8"/>'


def _text(x: float, y: float, text: str, anchor: str, color: str = "#4a5262", *, tick: float | None = None) -> str:
    """A label; an axis tick's carries its value (`class="tick" data-value=`)."""
    marked = "" if tick is None else f'class="tick" data-value="{tick:.6g}" '
    return (f'<text {marked}x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="11" fill="{color}">'
            f"{escape(text)}</text>")  # fmt: skip
