"""Cross-sell and up-sell of kpis.md section 4: product lines held, cross-sell rate, up-sell rate."""

from __future__ import annotations

import polars as pl

from scoring.arithmetic import ratio
from scoring.calendar import Window
from scoring.revenue import active_at

__all__ = [
    "EXPANSION_TYPE",
    "account_crosssell_exprs",
    "crosssell_portfolio_exprs",
]

EXPANSION_TYPE = "expansion"


def account_crosssell_exprs(window: Window) -> list[pl.Expr]:
    """Per-account aggregations over prepared opportunities.

    Product lines count every active contract, whatever its currency (section 8: counts keep records that
    money figures leave out); a contract with no product line holds no line.
    """
    held = active_at(window.end) & pl.col("product_line").is_not_null()
    expansion_won = pl.col("is_won") & (pl.col("type") == EXPANSION_TYPE) & window.contains(pl.col("close_date"))
    return [
        pl.col("product_line").filter(held).n_unique().alias("product_lines_held"),
        expansion_won.fill_null(False).any().alias("won_expansion_in_window"),
    ]


def crosssell_portfolio_exprs() -> list[pl.Expr]:
    """Cross-sell and up-sell rates over the per-account frame."""
    customer = pl.col("arr") > 0
    retained = pl.col("arr_at_start") > 0
    return [
        ratio((customer & (pl.col("product_lines_held") >= 2)).sum(), customer.sum()).alias("cross_sell_rate"),
        ratio((retained & customer & pl.col("won_expansion_in_window")).sum(), retained.sum()).alias("up_sell_rate"),
    ]
