"""Cross-sell and up-sell of kpis.md section 4: product lines held, cross-sell rate, up-sell rate."""

from __future__ import annotations

import polars as pl

from scoring.aggregation import Aggregation
from scoring.arithmetic import ratio
from scoring.calendar import Window
from scoring.revenue import active_at

__all__ = [
    "EXPANSION_TYPE",
    "crosssell_aggregations",
    "crosssell_portfolio_exprs",
]

EXPANSION_TYPE = "expansion"


def crosssell_aggregations(window: Window) -> list[Aggregation]:
    """Per-account figures from prepared opportunities: product lines held, a won expansion inside W.

    Product lines count every active contract, whatever its currency (section 8: counts keep records that
    money figures leave out); a contract with no product line holds no line.
    """
    expansion_won = pl.col("is_won") & (pl.col("type") == EXPANSION_TYPE) & window.contains(pl.col("close_date"))
    return [
        Aggregation("product_lines_held", pl.when(active_at(window.end)).then(pl.col("product_line")), "distinct"),
        Aggregation("won_expansion_in_window", expansion_won.fill_null(False), "max"),
    ]


def crosssell_portfolio_exprs() -> list[pl.Expr]:
    """Cross-sell and up-sell rates over the per-account frame."""
    customer = pl.col("arr") > 0
    retained = pl.col("arr_at_start") > 0
    return [
        ratio((customer & (pl.col("product_lines_held") >= 2)).sum(), customer.sum()).alias("cross_sell_rate"),
        ratio((retained & customer & pl.col("won_expansion_in_window")).sum(), retained.sum()).alias("up_sell_rate"),
    ]
