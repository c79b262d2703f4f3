"""`/api/accounts` and `/api/kpis`: ranked accounts and portfolio KPIs of the latest scoring run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from accountsync.api.auth import AUTH_RESPONSES, Viewer
from accountsync.api.bodies import AccountDetailOut, AccountPageOut, ErrorOut, KpisOut, Tier
from accountsync.api.state import ApiState, state_of
from sync.scores import AccountFilter, account_detail, latest_kpis, ranked_accounts

router = APIRouter(prefix="/api", tags=["accounts"], responses=AUTH_RESPONSES)
State = Annotated[ApiState, Depends(state_of)]
Text = Annotated[str | None, Query(min_length=1, max_length=128)]


@router.get("/accounts", response_model=AccountPageOut, summary="Ranked accounts")
def accounts(
    _caller: Viewer,
    state: State,
    tier: Annotated[Tier | None, Query(description="Only this tier.")] = None,
    owner: Annotated[str | None, Query(min_length=1, max_length=128, description="An owner's CRM id or name.")] = None,
    industry: Annotated[
        str | None,
        Query(min_length=1, max_length=128, description="An industry of our vocabulary, or a CRM's own value."),
    ] = None,
    country: Text = None,
    min_score: Annotated[float | None, Query(ge=0, le=100, description="Only scores at least this.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Accounts to skip.")] = 0,
) -> AccountPageOut:
    """Accounts of the latest scoring run by rank, with tier, score, reasons and what changed."""
    vocabulary = state.deployments.get().vocabulary.industry_map()  # an industry of ours matches the CRMs' values
    flt = AccountFilter(tier=tier, owner=owner, industry=industry, country=country, min_score=min_score,
                        vocabulary=vocabulary)  # fmt: skip
    page = ranked_accounts(state.engine, flt, limit=limit, offset=offset)
    items = list(page.items)
    return AccountPageOut(scoring_run_id=page.scoring_run_id, as_of=page.as_of, total=page.total, limit=limit,
                          offset=offset, items=items)  # fmt: skip


@router.get("/accounts/{key}", response_model=AccountDetailOut, summary="One account",
            responses={404: {"model": ErrorOut}})  # fmt: skip
def account(key: Annotated[str, Path(min_length=1, max_length=96)], _caller: Viewer, state: State) -> AccountDetailOut:
    """One account: score, tier, reasons, figures, and its score in earlier scoring runs."""
    found = account_detail(state.engine, key)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"account `{key}` is not in the latest scoring run")
    return AccountDetailOut.model_validate(found)


@router.get("/kpis", response_model=KpisOut, summary="Portfolio KPIs")
def kpis(_caller: Viewer, state: State) -> KpisOut:
    """ARR and its movement, GRR/NRR, win rates, pipeline, stage durations and more from the latest scoring run."""
    return KpisOut.model_validate(latest_kpis(state.engine))
