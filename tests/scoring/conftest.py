"""A small portfolio builder for the scoring tests: rows in, conformed frames out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest

from scoring import (
    ACCOUNTS,
    OPPORTUNITIES,
    STAGE_HISTORY,
    STAGE_META,
    USAGE,
    FrameSpec,
    ScoringInputs,
    ScoringParams,
    ScoringResult,
    score_portfolio,
)

T = date(2026, 6, 30)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def at(day: date, hour: int = 0) -> datetime:
    """A UTC timestamp on `day`."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def frame(spec: FrameSpec, rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=spec.schema) if rows else pl.DataFrame(schema=spec.schema)


class Portfolio:
    """Accounts, opportunities, history, usage and rates, added one at a time."""

    def __init__(self) -> None:
        self.accounts: list[dict[str, Any]] = []
        self.opportunities: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self.stages: list[dict[str, Any]] = []
        self.usage_rows: list[dict[str, Any]] = []
        self.rates: dict[str, float] = {"EUR": 1.1}

    def account(self, key: str, **fields: Any) -> Portfolio:
        row: dict[str, Any] = dict.fromkeys(ACCOUNTS.schema.names())
        row.update(key=key, name=f"Company {key}", owner="ann", created_at=LONG_AGO)
        row.update(fields)
        self.accounts.append(row)
        return self

    def opportunity(self, key: str, account: str, amount: float | None = 1000.0, **fields: Any) -> Portfolio:
        row: dict[str, Any] = dict.fromkeys(OPPORTUNITIES.schema.names())
        row.update(
            key=key,
            account_key=account,
            amount=amount,
            currency="USD",
            stage="Negotiation",
            is_closed=False,
            is_won=False,
            created_at=LONG_AGO,
            type="new_business",
        )
        row.update(fields)
        if not any(existing["key"] == account for existing in self.accounts):
            self.account(account)
        self.opportunities.append(row)
        return self

    def contract(self, key: str, account: str, amount: float, start: date, term: int = 12, **fields: Any) -> Portfolio:
        """A won, recurring opportunity closed on its start date."""
        won = {"stage": "Closed Won", "is_closed": True, "is_won": True, "close_date": start, "start_date": start}
        return self.opportunity(key, account, amount, **{**won, "term_months": term, **fields})

    def lost(self, key: str, account: str, amount: float, closed: date, **fields: Any) -> Portfolio:
        lost = {"stage": "Closed Lost", "is_closed": True, "is_won": False, "close_date": closed}
        return self.opportunity(key, account, amount, **{**lost, **fields})

    def stage(self, opportunity: str, stage: str, entered: datetime, connection: str | None = None) -> Portfolio:
        self.history.append(
            {"opportunity_key": opportunity, "stage": stage, "entered_at": entered, "connection": connection}
        )
        return self

    def stage_meta(self, stage: str, order: int, *, closed: bool = False, **fields: Any) -> Portfolio:
        """One stage's CRM metadata (`STAGE_META`): `label`, `connection`, `pipeline`, ... in `fields`."""
        row: dict[str, Any] = dict.fromkeys(STAGE_META.schema.names())
        row.update(stage=stage, label=stage, is_closed=closed, display_order=order)
        row.update(fields)
        self.stages.append(row)
        return self

    def usage(self, account: str, month: date, active: int | None, seats: int | None) -> Portfolio:
        self.usage_rows.append(
            {"account_key": account, "month": month, "active_users": active, "licensed_seats": seats}
        )
        return self

    def inputs(self) -> ScoringInputs:
        return ScoringInputs(
            accounts=frame(ACCOUNTS, self.accounts),
            opportunities=frame(OPPORTUNITIES, self.opportunities),
            rates=pl.DataFrame(
                {"currency": list(self.rates), "rate_to_corporate": list(self.rates.values())},
                schema={"currency": pl.String, "rate_to_corporate": pl.Float64},
            ),
            stage_history=frame(STAGE_HISTORY, self.history),
            usage=frame(USAGE, self.usage_rows),
            stage_meta=frame(STAGE_META, self.stages),
        )

    def score(
        self, as_of: date = T, params: ScoringParams | None = None, previous: pl.DataFrame | None = None
    ) -> ScoringResult:
        return score_portfolio(self.inputs(), as_of=as_of, params=params, previous=previous)


def account_row(result: ScoringResult, key: str) -> dict[str, Any]:
    """The per-account figures of one account."""
    rows = result.accounts.filter(pl.col("key") == key).to_dicts()
    assert len(rows) == 1, f"no single row for {key}"
    return rows[0]


@pytest.fixture
def portfolio() -> Portfolio:
    return Portfolio()


@pytest.fixture(scope="session")
def new_portfolio() -> type[Portfolio]:
    """The builder class itself, for hypothesis tests (which must not use function-scoped fixtures)."""
    return Portfolio


@pytest.fixture(scope="session")
def row_of() -> Any:
    return account_row
