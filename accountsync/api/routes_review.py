"""`/api/review`: the score backtested on the store's history (and, when asked, a calibration); stores nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from accountsync.api.auth import AUTH_RESPONSES, Viewer
from accountsync.api.bodies import ErrorOut
from accountsync.api.state import ApiState, state_of
from sync.scores import ReviewError, ReviewRequest, review_report, run_review

router = APIRouter(prefix="/api", tags=["review"], responses=AUTH_RESPONSES)
State = Annotated[ApiState, Depends(state_of)]
Outcome = Literal["new_business_won", "expansion_won", "churned"]


class ReviewOut(BaseModel):
    """The backtest: per tier and decile, the accounts, each outcome's rate and lift; AUC per outcome; each
    component against each outcome; the calibration (current and proposed side by side) when asked for."""

    as_of_dates: list[date] = Field(description="The as-of dates scored.")
    horizon_months: int = Field(description="Months after each as-of date in which outcomes count.")
    rows: int = Field(description="Accounts scored, summed over the as-of dates.")
    weights: dict[str, float] = Field(description="The score weights in force.")
    tiers: dict[str, float] = Field(description="The tier bounds in force.")
    base_rates: dict[str, float | None] = Field(description="Each outcome's rate over the accounts it is asked of.")
    auc: dict[str, float | None] = Field(description="Each outcome's AUC of the score (Mann-Whitney).")
    by_tier: list[dict[str, Any]] = Field(description="Per tier: accounts; per outcome asked, count, rate, lift.")
    by_decile: list[dict[str, Any]] = Field(description="The same per score decile (1: the top tenth).")
    components: list[dict[str, Any]] = Field(description="Per component and outcome: AUC, mean with and without.")
    calibration: dict[str, Any] | None = Field(description="Current and proposed weights and bounds, or null.")


@router.get("/review", response_model=ReviewOut, summary="Score backtest", responses={400: {"model": ErrorOut}})
def review(
    _caller: Viewer,
    state: State,
    as_of: Annotated[date | None, Query(description="Review date (default today, UTC).")] = None,
    every: Annotated[
        Literal["quarter", "month"], Query(description="An as-of date each quarter or month.")
    ] = "quarter",
    years: Annotated[int, Query(ge=1, le=10, description="How far back the as-of dates go.")] = 2,
    horizon_months: Annotated[int, Query(ge=1, le=36, description="Outcome horizon in months.")] = 6,
    calibrate: Annotated[bool, Query(description="Also propose weights and tier bounds.")] = False,
    outcome: Annotated[Outcome | None, Query(description="Calibrate for this outcome alone.")] = None,
) -> ReviewOut:
    """Score the store as of past dates and compare with the wins and churn that followed; nothing is stored.
    No as-of date fits when the horizon is longer than the years: the review is then empty."""
    today = as_of or datetime.now(UTC).date()
    request = ReviewRequest(today=today, every=every, years=years, horizon_months=horizon_months,
                            calibrate=calibrate, outcome=outcome)  # fmt: skip
    try:
        found = run_review(state.engine, state.deployments.get(), request)
    except ReviewError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    return ReviewOut.model_validate(review_report(found))
