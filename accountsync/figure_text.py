"""Figures as a person reads them: money rounded with its currency, rates as percentages, scores to one decimal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Final, Literal

Kind = Literal[
    "money", "percent", "percent_points", "score", "tiered", "days", "years", "count", "text"
]  # percent: a ratio
# tiered: the account score, which its tier is cut from, shown cut (never rounded up) to one decimal: 79.97 is a B
# and reads 79.9, not an "80.0" beside tier B.
EMPTY = "-"


@dataclass(frozen=True, slots=True)
class Column:
    """How one named figure is shown: its label and kind."""

    label: str
    kind: Kind = "text"


COLUMNS: dict[str, Column] = {
    "rank": Column("rank", "count"), "key": Column("key"), "name": Column("name"), "tier": Column("tier"),
    "score": Column("score", "tiered"), "mean_score": Column("mean score", "score"),
    "fit": Column("fit", "score"), "potential": Column("potential", "score"), "momentum": Column("momentum", "score"),
    "health": Column("health", "score"), "health_component": Column("health points", "score"),
    "arr": Column("ARR", "money"), "mrr": Column("MRR", "money"), "arpa": Column("ARPA", "money"),
    "arr_at_start": Column("ARR at start", "money"), "new": Column("new ARR", "money"),
    "expansion": Column("expansion", "money"), "contraction": Column("contraction", "money"),
    "churn": Column("churned ARR", "money"), "portfolio_clv": Column("CLV", "money"), "clv": Column("CLV", "money"),
    "tcv_won_in_window": Column("TCV won", "money"), "open_pipeline": Column("open pipeline", "money"),
    "weighted_pipeline": Column("weighted pipeline", "money"), "headroom": Column("headroom", "money"),
    "wallet": Column("wallet", "money"), "annual_revenue": Column("annual revenue", "money"),
    "grr": Column("GRR", "percent"), "nrr": Column("NRR", "percent"),
    "logo_churn_rate": Column("logo churn", "percent"), "revenue_churn_rate": Column("revenue churn", "percent"),
    "cross_sell_rate": Column("cross-sell", "percent"), "up_sell_rate": Column("up-sell", "percent"),
    "win_rate_count": Column("win rate", "percent"), "win_rate_amount": Column("win rate (amount)", "percent"),
    "share_of_wallet": Column("share of wallet", "percent"), "seat_utilisation": Column("seat use", "percent"),
    "sales_cycle_days": Column("sales cycle (days)", "days"), "median_days": Column("median days", "days"),
    "p90_days": Column("p90 days", "days"), "expected_lifetime_years": Column("expected lifetime", "years"),
    "accounts": Column("accounts", "count"), "customers": Column("customers", "count"),
    "stays": Column("stays", "count"), "reasons": Column("reasons"), "industry": Column("industry"),
    "owner": Column("owner"), "country": Column("country"), "as_of": Column("as of"),
    "window_start": Column("window start"), "currency": Column("currency"), "amount": Column("amount", "money"),
    "employees": Column("employees", "count"), "product_lines": Column("product lines"),
    "wallet_estimate": Column("wallet estimate", "money"), "recent_wins": Column("recent wins", "money"),
    "utilisation": Column("seat utilisation (points)", "score"), "usage_trend": Column("usage trend (points)", "score"),
    "renewal": Column("renewal proximity (points)", "score"), "engagement": Column("engagement (points)", "score"),
    "won_in_window": Column("deals won in window", "count"), "lost_in_window": Column("deals lost in window", "count"),
    "won_amount_in_window": Column("won in window", "money"),
    "lost_amount_in_window": Column("lost in window", "money"),
    "movement": Column("ARR movement"), "movement_amount": Column("ARR movement amount", "money"),
    "product_lines_held": Column("product lines held", "count"),
    "won_expansion_in_window": Column("won an expansion in window"), "next_contract_end": Column("next contract end"),
    "coverage": Column("coverage", "percent_points"), "mean_coverage": Column("mean coverage", "percent_points"),
    "coverage_component": Column("coverage points", "score"), "engaged_contacts": Column("engaged contacts", "count"),
}  # fmt: skip


# The score's components as a rep reads them (the account page's "Why this score", the review's table).
COMPONENT_LABELS: Final = {
    "fit": "Fit (ICP rules)",
    "potential": "Potential (headroom)",
    "momentum": "Momentum (pipeline, recent wins)",
    "health_component": "Health",
}


def column(name: str) -> Column:
    """The column of a figure's name; an unknown name is text labelled with its name, underscores as spaces."""
    return COLUMNS.get(name) or Column(name.replace("_", " "))


def money(value: float, currency: str | None = None) -> str:
    """`1,234,568 EUR`: rounded to whole units, thousands separated."""
    text = f"{value:,.0f}"
    return f"{text} {currency}" if currency else text


def percent(ratio: float) -> str:
    """`58.3%` for 0.583; a ratio under 0.1% keeps two significant digits (`0.055%`), never `0.0%` for non-zero."""
    share = ratio * 100
    if share != 0 and abs(share) < 0.1:
        return f"{share:.2g}%"
    return f"{share:.1f}%"


def figure(name: str, value: Any, currency: str | None = None) -> str:
    """A figure's value as text by its kind (see `COLUMNS`); None is `-`, never `None`."""
    if value is None or value == "":
        return EMPTY
    kind = column(name).kind
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, int | float) and kind != "text":
        return _number(kind, float(value), currency)
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return count(value)
    return str(value)


def count(value: object) -> str:
    """A count as the faces show counts: thousands separated (`32,348`); anything not a whole number as it is."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _number(kind: Kind, value: float, currency: str | None) -> str:
    if value != value:  # NaN
        return EMPTY
    if kind == "money":
        return money(value, currency)
    if kind == "percent":
        return percent(value)
    if kind == "percent_points":  # already a percentage (coverage: 80.0 of the required roles)
        return f"{value:.1f}%"
    if kind in ("score", "days"):
        return f"{value:,.1f}"
    if kind == "tiered":
        return f"{Decimal(repr(float(value))).quantize(Decimal('0.1'), rounding=ROUND_FLOOR):,}"
    if kind == "years":
        return f"{value:.1f} years"
    return f"{value:,.0f}"


def figures(row: Mapping[str, Any], currency: str | None = None) -> dict[str, str]:
    """Every figure of a row as text, keyed by its label."""
    return {column(name).label: figure(name, value, currency) for name, value in row.items()}


def stamp(value: datetime | None) -> str:
    """A moment to the minute, UTC (`2026-11-01 14:05`): job runs of one day stay apart."""
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else EMPTY
