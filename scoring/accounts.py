"""Per-account figures: every section's aggregation joined onto the accounts, then scored and ranked."""

from __future__ import annotations

import polars as pl

from scoring.aggregation import aggregate
from scoring.calendar import Window
from scoring.change import change_reason
from scoring.coverage_blend import COVERAGE_SHOWN, blend_coverage, coverage_reason
from scoring.crosssell import crosssell_aggregations
from scoring.frames import ScoringInputs
from scoring.health import (
    activity_aggregations,
    engagement_expr,
    health_expr,
    history_activity,
    renewal_expr,
    usage_components,
)
from scoring.opportunities import money_bound
from scoring.params import ScoringParams
from scoring.pipeline import pipeline_aggregations
from scoring.reasons import reasons_expr, sentence_exprs
from scoring.revenue import movement_exprs, revenue_aggregations
from scoring.score import component_exprs, momentum_value_expr, points_exprs, ranked, score_expr, tier_expr
from scoring.stages import LinkedHistory
from scoring.value import clv_expr, headroom_expr, share_of_wallet_expr, wallet_expr

__all__ = [
    "ACCOUNT_COLUMNS",
    "account_figures",
    "opportunity_aggregates",
    "scored_accounts",
]

_ZERO_WHEN_NO_OPPORTUNITY = (
    "arr",
    "arr_at_start",
    "tcv_won_in_window",
    "product_lines_held",
    "won_in_window",
    "lost_in_window",
    "won_amount_in_window",
    "lost_amount_in_window",
    "open_pipeline",
    "weighted_pipeline",
    "recent_wins",
)
ACCOUNT_COLUMNS = (
    "rank",
    "key",
    "name",
    "industry",
    "country",
    "owner",
    "arr",
    "mrr",
    "arr_at_start",
    "movement",
    "movement_amount",
    "clv",
    "wallet",
    "share_of_wallet",
    "headroom",
    "product_lines_held",
    "won_expansion_in_window",
    "tcv_won_in_window",
    "won_in_window",
    "lost_in_window",
    "won_amount_in_window",
    "lost_amount_in_window",
    "open_pipeline",
    "weighted_pipeline",
    "recent_wins",
    "next_contract_end",
    "utilisation",
    "usage_trend",
    "renewal",
    "engagement",
    "health",
    "annual_revenue",
    "fit",
    "potential",
    "momentum",
    "health_component",
    "score",
    "tier",
    "reasons",
    "change_reason",
)


def opportunity_aggregates(prepared: pl.DataFrame, window: Window, params: ScoringParams) -> pl.LazyFrame:
    """One row per account with opportunities: every per-account figure the opportunities give, in one pass."""
    aggregations = [
        *revenue_aggregations(window),
        *crosssell_aggregations(window),
        *pipeline_aggregations(window, params.score.recent_win_days),
        *activity_aggregations(window.end),
    ]
    return aggregate(prepared.lazy(), "account_index", aggregations, money_bound=money_bound(prepared))


def _joined(
    data: ScoringInputs, prepared: pl.DataFrame, linked: LinkedHistory, window: Window, params: ScoringParams
) -> pl.LazyFrame:
    usage = usage_components(data.usage, data.accounts, window.end, params.health)
    return (
        data.accounts.lazy()
        .with_row_index("account_index")
        .join(opportunity_aggregates(prepared, window, params), on="account_index", how="left")
        .join(usage.lazy(), on="account_index", how="left")
        .join(history_activity(linked.rows).lazy(), on="account_index", how="left")
        .with_columns(
            pl.col(_ZERO_WHEN_NO_OPPORTUNITY).fill_null(0),
            pl.col("won_expansion_in_window").fill_null(False),
        )
    )


def account_figures(
    data: ScoringInputs, prepared: pl.DataFrame, linked: LinkedHistory, window: Window, params: ScoringParams
) -> pl.DataFrame:
    """Per account: revenue, movement, wallet, cross-sell, pipeline and health figures (no score yet).

    `linked` is the stage history linked to `prepared` (see `link_history`).
    """
    health = params.health
    return (
        _joined(data, prepared, linked, window, params)
        .with_columns(*movement_exprs(), wallet_expr(params.value).alias("wallet"))
        .with_columns(
            share_of_wallet_expr().alias("share_of_wallet"),
            headroom_expr().alias("headroom"),
            renewal_expr(window.end, health).alias("renewal"),
            engagement_expr(window.end, health).alias("engagement"),
        )
        .with_columns(health_expr(health).alias("health"))
        .collect()
    )


def scored_accounts(
    figures: pl.DataFrame,
    lifetime_years: float | None,
    params: ScoringParams,
    previous: pl.DataFrame | None,
    coverage: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The figures with CLV, the four components, score, tier, reasons and change, ranked 1..n.

    With `coverage` (one row per account, `COVERAGE_COLUMNS`: people were pulled), its component is weighed
    into the score first (`params.score.coverage_weight`), so that tier, reasons and 'what changed' are all
    told from the score the account ends up with; its columns follow the account's."""
    score = params.score
    frame = (
        figures.lazy()
        .with_columns(
            clv_expr(pl.col("arr"), lifetime_years, params.value).alias("clv"),
            momentum_value_expr().alias("momentum_value"),
        )
        .with_columns(component_exprs(score))
        .with_columns(points_exprs(score.weights))
        .with_columns(score_expr().alias("score"))
    )
    if coverage is not None:
        frame = blend_coverage(frame, coverage, score.weights, score.coverage_weight)
    frame = frame.with_columns(tier_expr(score.tiers).alias("tier"), *sentence_exprs(score, params.currency))
    frame = frame.with_columns(reasons_expr().alias("reasons"))
    if coverage is not None:
        frame = frame.with_columns(coverage_reason())
    if previous is None:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String()).alias("change_reason"))
    else:
        weight = score.coverage_weight if coverage is not None else 0.0
        frame = change_reason(frame, previous, score.weights, params.currency, weight)
    shown = ACCOUNT_COLUMNS[1:] if coverage is None else (*ACCOUNT_COLUMNS[1:], *COVERAGE_SHOWN)
    return ranked(frame.select(shown).collect())
