"""The entry points: score a whole portfolio at T, or compute only the core KPIs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from scoring.accounts import account_figures, scored_accounts
from scoring.aggregation import aggregate
from scoring.calendar import Window
from scoring.frames import PREVIOUS_SCORES, ScoringInputs, conform_frame
from scoring.money import accounts_in_corporate, corporate_rates
from scoring.opportunities import money_bound, prepare_opportunities
from scoring.params import ScoringParams
from scoring.pipeline import pipeline_aggregations, pipeline_portfolio_exprs, sales_cycle_days
from scoring.portfolio import PortfolioKpis, portfolio_row
from scoring.quality import (
    DataQualityWarning,
    account_quality_warnings,
    collect_warnings,
    warning_records,
)
from scoring.revenue import movement_exprs, revenue_aggregations, revenue_portfolio_exprs
from scoring.segments import Segment, segment_kpis
from scoring.stages import link_history, stage_counts, stage_durations
from scoring.value import expected_lifetime_years, portfolio_clv

__all__ = [
    "CoreKpis",
    "ScoringResult",
    "core_kpis",
    "score_portfolio",
]


@dataclass(frozen=True)
class ScoringResult:
    """Everything one scoring run computes.

    `accounts` has one row per account, ordered by rank (see `scoring.accounts.ACCOUNT_COLUMNS`);
    `stage_durations` one row per open stage, in pipeline order; `stage_counts` one row per opportunity with history;
    `warnings` one row per data-quality warning (code, account_key, opportunity_key, message).
    """

    as_of: date
    accounts: pl.DataFrame
    portfolio: PortfolioKpis
    stage_durations: pl.DataFrame
    stage_counts: pl.DataFrame
    warnings: pl.DataFrame

    def segments(self, by: Segment) -> pl.DataFrame:
        """The portfolio KPIs per industry, owner, country or tier."""
        return segment_kpis(self.accounts, by)

    def warning_records(self) -> list[DataQualityWarning]:
        """The warnings as dataclasses."""
        return warning_records(self.warnings)

    def previous_scores(self) -> pl.DataFrame:
        """What the next run takes as `previous`: this run's scores and components, dated T (with the coverage
        component when coverage was scored)."""
        columns = [c.name for c in PREVIOUS_SCORES.columns if c.name != "scored_at" and c.name in self.accounts.columns]
        return self.accounts.select(*columns, pl.lit(self.as_of).alias("scored_at"))


def _portfolio(figures: pl.DataFrame, prepared: pl.DataFrame, window: Window, params: ScoringParams) -> PortfolioKpis:
    row = portfolio_row(figures)
    lifetime = expected_lifetime_years(row["logo_churn_rate"], params.value)
    return PortfolioKpis(
        as_of=window.end,
        window_start=window.start,
        currency=params.currency,
        expected_lifetime_years=lifetime,
        portfolio_clv=portfolio_clv(row["arpa"], lifetime, params.value),
        sales_cycle_days=sales_cycle_days(prepared, window),
        **row,
    )


def _in_corporate(data: ScoringInputs, params: ScoringParams) -> tuple[ScoringInputs, pl.LazyFrame]:
    """The conformed inputs with annual revenue in the corporate currency, and the warnings that makes."""
    accounts, warnings = accounts_in_corporate(data.accounts, corporate_rates(data.rates, params.currency),
                                               params.currency)  # fmt: skip
    return replace(data, accounts=accounts), warnings


def score_portfolio(
    inputs: ScoringInputs,
    *,
    as_of: date,
    params: ScoringParams | None = None,
    previous: pl.DataFrame | None = None,
) -> ScoringResult:
    """Score every account at the as-of date T (kpis.md sections 2 to 8).

    `previous` is the last run's `ScoringResult.previous_scores()` (at least key, scored_at and score), for
    the change reason. Raises `InputSchemaError` when a frame does not match its spec.
    """
    params = params or ScoringParams()
    data, revenue_warnings = _in_corporate(inputs.conformed(), params)
    earlier = None if previous is None else conform_frame(PREVIOUS_SCORES, previous)
    window = Window.ending(as_of, params.window_months)
    prepared = prepare_opportunities(data.opportunities, data.accounts, data.rates, params, data.dated_rates)
    linked = link_history(data.stage_history, prepared.frame, as_of, data.stage_meta)
    figures = account_figures(data, prepared.frame, linked, window, params)
    portfolio = _portfolio(figures, prepared.frame, window, params)
    return ScoringResult(
        as_of=as_of,
        accounts=scored_accounts(figures, portfolio.expected_lifetime_years, params, earlier, data.coverage),
        portfolio=portfolio,
        stage_durations=stage_durations(linked, prepared.frame, as_of),
        stage_counts=stage_counts(linked, prepared.frame),
        warnings=collect_warnings([*prepared.warnings, revenue_warnings, *account_quality_warnings(figures)]),
    )


@dataclass(frozen=True)
class CoreKpis:
    """The core figures the benchmark compares with SQL: ARR, movement, win rates, pipeline."""

    arr: float
    arr_at_start: float
    new: float
    expansion: float
    contraction: float
    churn: float
    grr: float | None
    nrr: float | None
    win_rate_count: float | None
    win_rate_amount: float | None
    open_pipeline: float
    weighted_pipeline: float


_CORE_AGGREGATIONS = frozenset(
    {
        "arr",
        "arr_at_start",
        "won_in_window",
        "lost_in_window",
        "won_amount_in_window",
        "lost_amount_in_window",
        "open_pipeline",
        "weighted_pipeline",
    }
)


def _core_exprs() -> list[pl.Expr]:
    wanted = set(CoreKpis.__dataclass_fields__)
    return [
        expr for expr in (*revenue_portfolio_exprs(), *pipeline_portfolio_exprs()) if expr.meta.output_name() in wanted
    ]


def core_kpis(inputs: ScoringInputs, *, as_of: date, params: ScoringParams | None = None) -> CoreKpis:
    """Only the core KPIs, with the same inputs, checks and conversions as `score_portfolio`."""
    params = params or ScoringParams()
    data = inputs.conformed()
    window = Window.ending(as_of, params.window_months)
    prepared = prepare_opportunities(data.opportunities, data.accounts, data.rates, params, data.dated_rates)
    every = [*revenue_aggregations(window), *pipeline_aggregations(window, params.score.recent_win_days)]
    aggregations = [aggregation for aggregation in every if aggregation.name in _CORE_AGGREGATIONS]
    row = (
        aggregate(prepared.frame.lazy(), "account_index", aggregations, money_bound=money_bound(prepared.frame))
        .with_columns(movement_exprs())
        .select(_core_exprs())
        .collect()
        .row(0, named=True)
    )
    return CoreKpis(**{name: row[name] for name in CoreKpis.__dataclass_fields__})
