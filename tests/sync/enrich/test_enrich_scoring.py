"""Once usage and wallet estimates are loaded, health and potential move as kpis.md sections 3, 6 and 7 say."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest
from sqlmodel import col, select

from scoring import ACCOUNTS, OPPORTUNITIES, RATES, USAGE, ScoringInputs, score_portfolio
from sync import Account, Usage, run_enrichment, session

from .conftest import NOW, World, sf_id

AS_OF = NOW.date()
A0, A2 = f"sf:{sf_id(0)}", f"sf:{sf_id(2)}"
# Seats 20; 10 active users a month April-June, 12 July-September: utilisation 60, trend +20 % -> 70.
USAGE_CSV = "account_key,month,active_users,licensed_seats\n" + "".join(
    f"{A0},2026-{m:02d},{10 if m < 7 else 12},20\n" for m in range(4, 10)
)
WALLET_CSV = f"account_key,wallet_estimate\n{A0},500000\n{A2},2000000\n"


def inputs(engine: Any) -> ScoringInputs:
    """The store's accounts and usage as scoring frames, with account 0's won 12-month contract of 12,000."""
    with session(engine) as s:
        accounts = s.exec(select(Account).where(col(Account.deleted_at).is_(None))).all()
        usage = s.exec(select(Usage)).all()
    account_rows = [
        {name: float(v) if name in ("annual_revenue", "wallet_estimate") and v is not None else v
         for name in ACCOUNTS.schema.names() for v in [getattr(a, name)]}
        for a in accounts
    ]  # fmt: skip
    contract = {"key": "sf:deal", "account_key": A0, "amount": 12_000.0, "currency": "USD", "stage": "Closed Won",
                "is_closed": True, "is_won": True, "close_date": date(2026, 1, 15),
                "created_at": datetime(2025, 12, 1, tzinfo=UTC), "type": "new_business"}  # fmt: skip
    usage_rows = [(u.account_key, u.month, u.active_users, u.licensed_seats) for u in usage]
    return ScoringInputs(
        accounts=pl.DataFrame(account_rows, schema=ACCOUNTS.schema),
        opportunities=pl.DataFrame([contract]).select(OPPORTUNITIES.schema.names()[:10]),
        rates=pl.DataFrame({"currency": ["USD"], "rate_to_corporate": [1.0]}, schema=RATES.schema),
        usage=pl.DataFrame(usage_rows, schema=USAGE.schema, orient="row"),
    )


def scored(engine: Any) -> dict[str, dict[str, Any]]:
    result = score_portfolio(inputs(engine), as_of=AS_OF)
    return {row["key"]: row for row in result.accounts.iter_rows(named=True)}


def test_health_and_potential_use_loaded_usage_and_wallet(world: World) -> None:
    before = scored(world.engine)
    world.write("usage.csv", USAGE_CSV)
    world.write("wallet.csv", WALLET_CSV)
    sources = {"usage": {"kind": "usage", "file": "usage.csv", "match_by": "account_key"},
               "wallet": {"kind": "accounts", "file": "wallet.csv", "match_by": "account_key"}}  # fmt: skip
    summary = run_enrichment(world.deployment(**sources), "nightly", engine=world.engine, now=NOW)
    assert summary.status == "succeeded", summary.errors
    after = scored(world.engine)

    # health: utilisation and trend were unknown, their weight shared by renewal and engagement
    b, a = before[A0], after[A0]
    assert (b["utilisation"], b["usage_trend"]) == (None, None)
    assert b["health"] == pytest.approx((b["renewal"] + b["engagement"]) / 2)
    assert (a["utilisation"], a["usage_trend"]) == (pytest.approx(60.0), pytest.approx(70.0))
    assert a["health"] == pytest.approx(0.4 * 60 + 0.2 * 70 + 0.2 * a["renewal"] + 0.2 * a["engagement"])

    # potential: no wallet anywhere ranked annual revenue (all equal); now headroom ranks the two with a wallet
    assert before[A0]["headroom"] is None
    assert before[A0]["potential"] == before[A2]["potential"]
    assert (a["wallet"], a["headroom"], a["share_of_wallet"]) == (500_000.0, 488_000.0, pytest.approx(0.024))
    assert after[A2]["headroom"] == 2_000_000.0
    assert after[A2]["potential"] > after[A0]["potential"]
