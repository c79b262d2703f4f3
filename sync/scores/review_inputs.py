"""The score review's reads: the store's inputs and the deployment's scoring parameters, backtested and
calibrated in memory. It writes nothing: no scoring run, no score row, no run record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import Engine

from config import Deployment
from scoring import ScoringParams
from scoring.backtest import OUTCOMES, backtest
from scoring.calibrate import Calibration, calibrate
from scoring.review import Review, review
from scoring.review_dates import Every, as_of_dates
from sync.errors import SyncError
from sync.scores.scoring import params_from_config, read_inputs, stage_probabilities

__all__ = ["OUTCOMES", "ReviewError", "ReviewOutcome", "ReviewRequest", "run_review"]


class ReviewError(SyncError):
    """A review that cannot be made as asked (an unknown outcome)."""


@dataclass(frozen=True)
class ReviewRequest:
    """What to review: the as-of dates (every quarter or month over `years` before `today`), the horizon,
    and whether to calibrate (optionally for one outcome)."""

    today: date
    every: Every = "quarter"
    years: int = 2
    horizon_months: int = 6
    calibrate: bool = False
    outcome: str | None = None


@dataclass(frozen=True)
class ReviewOutcome:
    """The review, the scoring parameters it used, and the calibration when asked for."""

    review: Review
    params: ScoringParams
    calibration: Calibration | None


class ReviewProgress(Protocol):
    """Who watches a review: the CLI's progress bar, or nothing."""

    def dates(self, dates: Sequence[date]) -> None:
        """The as-of dates about to be scored."""

    def scored(self, day: date) -> None:
        """One as-of date is scored."""

    def calibrating(self) -> None:
        """Scoring is done; the calibration's search begins."""


def run_review(
    engine: Engine, deployment: Deployment, request: ReviewRequest, progress: ReviewProgress | None = None
) -> ReviewOutcome:
    """Backtest the store's scoring as of the request's dates (see `scoring.backtest`); stores nothing. When no
    date fits (the horizon is longer than the years), the review is empty and nothing is calibrated. `progress`
    is told the dates before scoring starts, each date once scored, and when the calibration begins."""
    if request.outcome is not None and request.outcome not in OUTCOMES:
        raise ReviewError(f"unknown outcome {request.outcome!r}: use one of {', '.join(OUTCOMES)}")
    dates = as_of_dates(request.today, request.every, request.years, request.horizon_months)
    params = params_from_config(deployment.scoring, deployment.currency.corporate, stage_probabilities(engine))
    if progress is not None:
        progress.dates(dates)
    result = backtest(read_inputs(engine, deployment), dates, params=params, horizon_months=request.horizon_months,
                      scored=progress.scored if progress is not None else None)  # fmt: skip
    found = None
    if request.calibrate and dates:
        if progress is not None:
            progress.calibrating()
        found = calibrate(result, params.score.weights, params.score.tiers, outcome=request.outcome)
    return ReviewOutcome(review=review(result), params=params, calibration=found)
