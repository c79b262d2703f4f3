"""Read the store into scoring frames, score the portfolio, store the scores and their history."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Engine, Select, Table
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from config import Deployment, Scoring
from scoring import FitRule, ScoringInputs, ScoringParams, ScoringResult, score_portfolio
from scoring.params import HealthParams, PipelineParams, ScoreParams, ScoreWeights, TierThresholds, ValueParams
from sync.currency import effective_rates
from sync.store import session
from sync.tables import (
    Account,
    AccountScore,
    Opportunity,
    ProductLine,
    ScoringRun,
    StageHistory,
    StageMeta,
    Usage,
    utcnow,
)

TOP_COLUMNS = ("rank", "key", "name", "tier", "score", "arr", "headroom", "reasons")
NOT_FIGURES = frozenset({"key", "rank", "score", "tier", "reasons", "change_reason", "name"})
PREVIOUS_COLUMNS = ("fit", "potential", "momentum", "health_component", "headroom", "weighted_pipeline", "recent_wins")


@dataclass(frozen=True, slots=True)
class ScoringOutcome:
    """A stored scoring run."""

    scoring_run_id: int
    result: ScoringResult


def params_from_config(scoring: Scoring, corporate: str, stage_probabilities: dict[str, float]) -> ScoringParams:
    """Map the YAML's scoring section onto the engine's parameters."""
    rules: list[FitRule] = []
    for rule in scoring.icp:
        if rule.industries is not None:
            rules.append(FitRule.industries(set(rule.industries), rule.points))
        elif rule.countries is not None:
            rules.append(FitRule.countries(set(rule.countries), rule.points))
        else:
            rules.append(FitRule.employee_band(rule.min_employees, rule.max_employees, rule.points))
    w, h, t = scoring.weights, scoring.health_weights, scoring.tiers
    return ScoringParams(
        currency=corporate,
        window_months=scoring.window_months,
        value=ValueParams(scoring.gross_margin, scoring.max_lifetime_years, dict(scoring.wallet_ratios)),
        pipeline=PipelineParams(stage_probabilities=stage_probabilities),
        health=HealthParams(h.utilisation, h.usage_trend, h.renewal_proximity, h.engagement_recency),
        score=ScoreParams(
            ScoreWeights(w.fit, w.potential, w.momentum, w.health),
            TierThresholds(t.a, t.b, t.c),
            tuple(rules),
            scoring.prospect_health,
        ),
    )


def _frame(engine: Engine, stmt: Select[Any]) -> pl.DataFrame:
    """Rows through the ORM column types (exact money, aware UTC), then float64 for the columnar engine."""
    with engine.connect() as conn:
        result = conn.execute(stmt)
        columns = list(result.keys())
        rows = [tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in result]
    return pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _opportunities(engine: Engine) -> pl.DataFrame:
    o, a, p = _table(Opportunity).c, _table(Account).c, _table(ProductLine).c
    opps = _frame(
        engine,
        sa_select(
            (o.connection + ":" + o.source_id).label("key"), o.account_key, o.amount, o.currency, o.stage,
            o.is_closed, o.is_won, o.close_date, o.created_at, o.type, o.recurring, o.term_months, o.start_date,
            o.probability,
        )
        .join_from(_table(Opportunity), _table(Account), a.key == o.account_key)
        .where(o.deleted_at.is_(None), a.deleted_at.is_(None)),
    )  # fmt: skip
    line_key = (p.connection + ":" + p.opportunity_source_id).label("key")
    lines = _frame(engine, sa_select(line_key, p.family, p.total_price).where(p.deleted_at.is_(None)))
    if lines.is_empty():
        return opps.with_columns(pl.lit(None, pl.String).alias("product_line"))
    top = (
        lines.sort(["key", "total_price", "family"], descending=[False, True, False], nulls_last=True)
        .group_by("key", maintain_order=True)
        .first()
        .select("key", pl.col("family").alias("product_line"))
    )
    return opps.join(top, on="key", how="left")


def read_inputs(engine: Engine, deployment: Deployment) -> ScoringInputs:
    """The live store as the scoring engine's input frames (money as float64, times as aware UTC)."""
    rates = effective_rates(engine, deployment.currency)
    a, h, u = _table(Account).c, _table(StageHistory).c, _table(Usage).c
    accounts = sa_select(
        a.key, a.name, a.domain, a.industry, a.employees, a.annual_revenue, a.country, a.owner, a.parent_key,
        a.wallet_estimate, a.created_at,
    ).where(a.deleted_at.is_(None))  # fmt: skip
    history_key = (h.connection + ":" + h.opportunity_source_id).label("opportunity_key")
    return ScoringInputs(
        accounts=_frame(engine, accounts),
        opportunities=_opportunities(engine),
        rates=pl.DataFrame({"currency": list(rates), "rate_to_corporate": [float(r) for r in rates.values()]}),
        stage_history=_frame(engine, sa_select(history_key, h.stage, h.entered_at)),
        usage=_frame(engine, sa_select(u.account_key, u.month, u.active_users, u.licensed_seats)),
    )


def stage_probabilities(engine: Engine) -> dict[str, float]:
    """Stage -> default probability from the CRMs' stage metadata."""
    with session(engine) as s:
        rows = s.exec(select(StageMeta).where(col(StageMeta.probability).is_not(None))).all()
    return {r.stage: float(r.probability) for r in rows if r.probability is not None}


def previous_scores(engine: Engine) -> pl.DataFrame | None:
    """The last scoring run's scores and components (for 'what changed')."""
    with session(engine) as s:
        run = s.exec(select(ScoringRun).order_by(col(ScoringRun.id).desc()).limit(1)).first()
        if run is None:
            return None
        rows = s.exec(select(AccountScore).where(AccountScore.scoring_run_id == run.id)).all()
    records = [
        {"key": r.account_key, "scored_at": run.as_of, "score": r.score}
        | {c: (r.figures or {}).get(c) for c in PREVIOUS_COLUMNS}
        for r in rows
    ]
    return pl.DataFrame(records, infer_schema_length=None) if records else None


def score_store(engine: Engine, deployment: Deployment, *, as_of: date) -> ScoringOutcome:
    """Score the live store at `as_of` and keep the result as a new scoring run."""
    params = params_from_config(deployment.scoring, deployment.currency.corporate, stage_probabilities(engine))
    result = score_portfolio(read_inputs(engine, deployment), as_of=as_of, params=params,
                             previous=previous_scores(engine))  # fmt: skip
    run_id = store_result(engine, result)
    return ScoringOutcome(run_id, result)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def store_result(engine: Engine, result: ScoringResult) -> int:
    """Insert the scoring run and one score row per account."""
    portfolio = {k: _clean(v) for k, v in result.portfolio.__dict__.items()}
    warnings = [w.__dict__ for w in result.warning_records()][:5000]
    with session(engine) as s, s.begin():
        run = ScoringRun(as_of=result.as_of, created_at=utcnow(), portfolio=portfolio,
                         warnings=[{k: _clean(v) for k, v in w.items()} for w in warnings])  # fmt: skip
        s.add(run)
        s.flush()
        assert run.id is not None
        rows = [_score_row(run.id, row) for row in result.accounts.iter_rows(named=True)]
        s.bulk_insert_mappings(AccountScore, rows)
        return run.id


def _score_row(run_id: int, row: dict[str, Any]) -> dict[str, Any]:
    figures = {c: _clean(v) for c, v in row.items() if c not in NOT_FIGURES}
    return {
        "scoring_run_id": run_id, "account_key": row["key"], "score": _clean(row.get("score")), "tier": row.get("tier"),
        "rank": row.get("rank"), "figures": figures, "reasons": list(row.get("reasons") or []),
        "change_reason": row.get("change_reason"),
    }  # fmt: skip


def ranked_rows(result: ScoringResult, top: int) -> list[dict[str, Any]]:
    """The top accounts with rank, key, name, tier, score, ARR, headroom and reasons."""
    return result.accounts.head(top).select(*TOP_COLUMNS).to_dicts()
