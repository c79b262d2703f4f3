"""Read-only views of the latest scoring run: ranked accounts, one account with its history, portfolio KPIs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, func
from sqlmodel import col, select

from sync.scores.owner_names import owner_names, owners_named
from sync.store.engine import session
from sync.store.tables import Account, AccountScore, ScoringRun

HISTORY = 12


@dataclass(frozen=True, slots=True)
class AccountFilter:
    """Which ranked accounts to list. `owner` is an owner's id or name; `industry` a name of our vocabulary or a
    CRM's value, matched through `vocabulary` (CRM value -> our name: `config.Vocabulary.industry_map()`)."""

    tier: str | None = None
    owner: str | None = None
    industry: str | None = None
    country: str | None = None
    min_score: float | None = None
    vocabulary: Mapping[str, str] = field(default_factory=dict)

    def industries(self) -> list[str]:
        """The CRM values the industry filter stands for: itself and every value our vocabulary names so."""
        if self.industry is None:
            return []
        return sorted({self.industry} | {value for value, ours in self.vocabulary.items() if ours == self.industry})


class AccountPublic(BaseModel):
    """An account's place in the latest scoring run, as every face shows it (the API's response model, the
    dashboard's ranking and account pages)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    key: str
    name: str | None
    industry: str | None  # as the CRM holds it; figures["industry"] is it in our vocabulary, as scored
    owner: str | None  # the CRM's owner id
    country: str | None
    rank: int | None
    score: float | None
    tier: str | None
    reasons: list[Any]
    change_reason: str | None
    figures: dict[str, Any] = Field(default_factory=dict)
    owner_name: str | None = None  # the owner as a CRM names them (pulled users, else the owner directory)


@dataclass(frozen=True, slots=True)
class AccountPage:
    """One page of ranked accounts from the scoring run of `as_of` (None when nothing was scored yet)."""

    scoring_run_id: int | None
    as_of: date | None
    total: int
    items: list[AccountPublic]


@dataclass(frozen=True, slots=True)
class AccountDetail:
    """One account: its latest score and figures, and its score in earlier runs (newest first)."""

    account: AccountPublic
    domain: str | None
    as_of: date | None
    history: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class StageDuration:
    """Days opportunities stayed in one open stage (kpis.md section 5): number of stays, median and p90.

    `stage` is the CRM's stage id, `label` its label; `pipeline` / `pipeline_label` name its HubSpot pipeline
    (None for Salesforce's single one). A run stored before labels were kept has the id as its label.
    """

    stage: str
    stays: int
    median_days: float | None
    p90_days: float | None
    label: str
    connection: str | None = None
    pipeline: str | None = None
    pipeline_label: str | None = None

    @property
    def pipeline_name(self) -> str:
        """Where the stage belongs, for people: its connection, then its pipeline's label when it has one."""
        return " · ".join(part for part in (self.connection, self.pipeline_label or self.pipeline) if part)


@dataclass(frozen=True, slots=True)
class Kpis:
    """The portfolio KPIs of the latest scoring run, by segment when the run stored them, and the stage
    durations in pipeline order (empty when there is no stage history, or the run predates them)."""

    scoring_run_id: int | None
    as_of: date | None
    portfolio: dict[str, Any]
    segments: dict[str, Any]
    warnings: int
    stage_durations: list[StageDuration] = field(default_factory=list)


def _latest(s: Any) -> ScoringRun | None:
    return s.exec(select(ScoringRun).order_by(col(ScoringRun.id).desc()).limit(1)).first()  # type: ignore[no-any-return]


def _ranked(score: AccountScore, account: Account | None, *, figures: bool,
            owner_name: str | None = None) -> AccountPublic:  # fmt: skip
    return AccountPublic(
        key=score.account_key, name=account.name if account else None, industry=account.industry if account else None,
        owner=account.owner if account else None, country=account.country if account else None, rank=score.rank,
        score=score.score, tier=score.tier, reasons=list(score.reasons or []), change_reason=score.change_reason,
        figures=dict(score.figures or {}) if figures else {}, owner_name=owner_name,
    )  # fmt: skip


def ranked_accounts(engine: Engine, flt: AccountFilter, *, limit: int = 50, offset: int = 0) -> AccountPage:
    """Accounts of the latest scoring run by rank (best first), filtered."""
    owners = None if flt.owner is None else [flt.owner, *owners_named(engine, flt.owner)]
    with session(engine) as s:
        run = _latest(s)
        if run is None:
            return AccountPage(None, None, 0, [])
        joined = col(Account.key) == col(AccountScore.account_key)
        stmt = select(AccountScore, Account).join(Account, joined, isouter=True)
        stmt = stmt.where(AccountScore.scoring_run_id == run.id)
        for column, value in ((AccountScore.tier, flt.tier), (Account.country, flt.country)):
            if value is not None:
                stmt = stmt.where(column == value)
        if owners is not None:
            stmt = stmt.where(col(Account.owner).in_(owners))
        if flt.industry is not None:
            stmt = stmt.where(col(Account.industry).in_(flt.industries()))
        if flt.min_score is not None:
            stmt = stmt.where(col(AccountScore.score) >= flt.min_score)
        total = int(s.exec(select(func.count()).select_from(stmt.subquery())).one())
        order = (col(AccountScore.rank).is_(None), col(AccountScore.rank), col(AccountScore.account_key))
        rows = s.exec(stmt.order_by(*order).offset(offset).limit(limit)).all()
    names = owner_names(engine, [acc.owner for _, acc in rows if acc is not None and acc.owner])
    items = [_ranked(score, acc, figures=True, owner_name=names.get(acc.owner or "") if acc else None)
             for score, acc in rows]  # fmt: skip
    return AccountPage(run.id, run.as_of, total, items)


def account_detail(engine: Engine, key: str) -> AccountDetail | None:
    """One account with its latest score, figures and score history; None when it was never scored."""
    with session(engine) as s:
        run = _latest(s)
        account = s.get(Account, key)
        if run is None:
            return None
        score = s.get(AccountScore, (run.id, key))
        if score is None:
            return None
        history_rows = s.exec(
            select(AccountScore, ScoringRun)
            .join(ScoringRun, col(ScoringRun.id) == col(AccountScore.scoring_run_id))
            .where(AccountScore.account_key == key)
            .order_by(col(ScoringRun.id).desc())
            .limit(HISTORY)
        ).all()
    history = [{"as_of": r.as_of.isoformat(), "score": h.score, "tier": h.tier, "rank": h.rank,
                "change_reason": h.change_reason} for h, r in history_rows]  # fmt: skip
    return AccountDetail(_ranked(score, account, figures=True), account.domain if account else None, run.as_of,
                         history)  # fmt: skip


def _stage_duration(row: dict[str, Any]) -> StageDuration:
    stage = str(row["stage"])
    return StageDuration(
        stage, int(row["stays"]), row.get("median_days"), row.get("p90_days"), str(row.get("label") or stage),
        row.get("connection"), row.get("pipeline"), row.get("pipeline_label"),
    )  # fmt: skip


def latest_kpis(engine: Engine) -> Kpis:
    """The latest scoring run's portfolio KPIs (empty when nothing was scored yet)."""
    with session(engine) as s:
        run = _latest(s)
    if run is None:
        return Kpis(None, None, {}, {}, 0)
    portfolio = dict(run.portfolio or {})
    segments = portfolio.pop("segments", None) or {}
    stages = [_stage_duration(row) for row in portfolio.pop("stage_durations", None) or []]
    return Kpis(run.id, run.as_of, portfolio, dict(segments), len(run.warnings or []), stages)
