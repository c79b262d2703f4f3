"""Scoring inputs built straight from a sandbox world (no CRM in between), for the backtest tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from sandbox.catalog import STAGE_BY_KEY, STAGES
from sandbox.propensity import KEEN_INDUSTRIES
from sandbox.world import WorldSpec, companies, deals
from scoring import (
    ACCOUNTS,
    OPPORTUNITIES,
    STAGE_HISTORY,
    STAGE_META,
    FitRule,
    PipelineParams,
    ScoreParams,
    ScoringInputs,
    ScoringParams,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def planted_world(signal: float, accounts: int, seed: int = 11) -> WorldSpec:
    """A single-currency world with a planted signal of this strength and no duplicates or deletions."""
    return WorldSpec(seed=seed, accounts=accounts, now=NOW, multi_currency=False, duplicate_share=0.0,
                     deleted_share=0.0, signal=signal)  # fmt: skip


def world_inputs(spec: WorldSpec) -> ScoringInputs:
    """The world's companies, deals and stage history as the scoring frames, money in USD."""
    accounts, opportunities, history = [], [], []
    for company in companies(spec):
        key = f"w{company.index}"
        accounts.append({"key": key, "name": company.name, "domain": company.domain, "industry": company.industry,
                         "employees": company.employees, "annual_revenue": float(company.annual_revenue),
                         "country": company.country, "owner": str(company.owner), "parent_key": None,
                         "created_at": company.created_at})  # fmt: skip
        for deal in deals(spec, company):
            opportunities.append({"key": f"d{deal.index}", "account_key": key, "amount": float(deal.amount),
                                  "currency": "USD", "stage": deal.stage, "is_closed": deal.is_closed,
                                  "is_won": deal.is_won, "close_date": deal.close_date,
                                  "created_at": deal.created_at, "type": deal.type, "term_months": deal.term_months,
                                  "probability": deal.probability})  # fmt: skip
            history += [{"opportunity_key": f"d{deal.index}", "stage": stage, "entered_at": at}
                        for stage, at in deal.history]  # fmt: skip
    meta = [{"stage": s.key, "label": s.label, "is_closed": s.is_closed} for s in STAGES]
    return ScoringInputs(
        accounts=pl.DataFrame(accounts, schema=ACCOUNTS.schema),
        opportunities=pl.DataFrame(opportunities, schema=OPPORTUNITIES.schema),
        rates=pl.DataFrame({"currency": ["USD"], "rate_to_corporate": [1.0]}),
        stage_history=pl.DataFrame(history, schema=STAGE_HISTORY.schema),
        stage_meta=pl.DataFrame(meta, schema=STAGE_META.schema),
    )


def icp_params() -> ScoringParams:
    """The default weights and tiers, with the keen industries as the ICP and the catalog's stage odds."""
    stages = PipelineParams(stage_probabilities={key: stage.probability for key, stage in STAGE_BY_KEY.items()})
    fit = (FitRule.industries(set(KEEN_INDUSTRIES), 100.0),)
    return ScoringParams(pipeline=stages, score=ScoreParams(fit_rules=fit))


def quarter_starts(first: date, count: int) -> list[date]:
    """`count` quarter starts from `first` on."""
    return [date(first.year + (first.month - 1 + 3 * k) // 12, (first.month - 1 + 3 * k) % 12 + 1, 1)
            for k in range(count)]  # fmt: skip
