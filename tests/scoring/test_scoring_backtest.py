"""The backtest: the as-of cut (no leakage), the outcomes of the horizon, rates, lift and AUC by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from scoring import ScoringInputs
from scoring.asof_cut import cut_inputs
from scoring.backtest import backtest, scored_at
from scoring.review import auc, group_table
from tests.scoring.conftest import Portfolio, at
from tests.scoring.planted_world import icp_params, planted_world, world_inputs

T = date(2025, 7, 1)


def test_auc_counts_the_pairs_a_positive_outscores_a_negative() -> None:
    # positives score 2 and 4, negatives 1 and 3: 3 of the 4 pairs are ordered right.
    frame = pl.DataFrame({"score": [1.0, 2.0, 3.0, 4.0], "won": [False, True, False, True]})
    assert auc(frame, "score", "won") == pytest.approx(3 / 4)


def test_auc_counts_a_tie_as_half_a_pair_and_skips_unknown_rows() -> None:
    # positives 2 and 3, negatives 1 and 2: (2>1) 1, (2=2) 0.5, (3>1) 1, (3>2) 1 -> 3.5 / 4.
    frame = pl.DataFrame({"score": [1.0, 2.0, 2.0, 3.0, None, 9.0],
                          "won": [False, True, False, True, True, None]})  # fmt: skip
    assert auc(frame, "score", "won") == pytest.approx(3.5 / 4)


def test_auc_is_null_when_one_side_is_empty() -> None:
    frame = pl.DataFrame({"score": [1.0, 2.0], "won": [True, True]})
    assert auc(frame, "score", "won") is None


def test_rates_and_lift_per_tier_are_over_the_accounts_each_outcome_is_asked_of() -> None:
    # 4 prospects asked about new business (2 won: base 0.5), 2 customers asked about expansion and churn.
    frame = pl.DataFrame({
        "tier": ["A", "A", "B", "B", "A", "B"], "score": [90.0, 85.0, 70.0, 65.0, 88.0, 61.0],
        "new_business_won": [True, True, False, False, None, None],
        "expansion_won": [None, None, None, None, True, False],
        "churned": [None, None, None, None, False, True],
    })  # fmt: skip
    tiers = {row["tier"]: row for row in group_table(frame, "tier").to_dicts()}
    assert tiers["A"]["accounts"] == 3
    assert tiers["A"]["new_business_won_asked"] == 2
    assert tiers["A"]["new_business_won_rate"] == pytest.approx(1.0)
    assert tiers["A"]["new_business_won_lift"] == pytest.approx(2.0)
    assert tiers["B"]["new_business_won_lift"] == pytest.approx(0.0)
    assert tiers["A"]["expansion_won_lift"] == pytest.approx(2.0)
    assert tiers["B"]["churned_rate"] == pytest.approx(1.0)
    assert tiers["B"]["churned_lift"] == pytest.approx(2.0)


def _hand_portfolio() -> Portfolio:
    p = Portfolio()
    p.rates = {"USD": 1.0}
    # p1: a prospect whose new business (open at T) is won two months later.
    p.opportunity("n1", "p1", 5000.0, stage="Closed Won", is_closed=True, is_won=True, close_date=date(2025, 9, 1),
                  created_at=at(date(2025, 5, 1)))  # fmt: skip
    # p2: a prospect whose new business is won eight months later, after the 6-month horizon.
    p.opportunity("n2", "p2", 5000.0, stage="Closed Won", is_closed=True, is_won=True, close_date=date(2026, 3, 1),
                  created_at=at(date(2025, 5, 1)))  # fmt: skip
    # c1: a customer whose 12-month contract ends in the horizon, not renewed: churned.
    p.contract("k1", "c1", 12000.0, date(2024, 9, 1))
    # c2: a customer renewed in time, and an expansion won in the horizon.
    p.contract("k2", "c2", 12000.0, date(2024, 9, 1))
    p.contract("r2", "c2", 12000.0, date(2025, 9, 1), type="renewal", created_at=at(date(2025, 6, 1)))
    p.contract("e2", "c2", 3000.0, date(2025, 10, 1), type="expansion", created_at=at(date(2025, 6, 1)))
    # p3: created after T: not scored at T at all.
    p.account("p3", created_at=at(date(2025, 8, 1)))
    return p


def test_the_outcomes_of_the_horizon_on_a_hand_built_portfolio() -> None:
    result = backtest(_hand_portfolio().inputs(), [T], horizon_months=6).frame
    rows = {row["key"]: row for row in result.to_dicts()}
    assert set(rows) == {"p1", "p2", "c1", "c2"}
    assert (rows["p1"]["new_business_won"], rows["p2"]["new_business_won"]) == (True, False)
    assert rows["c1"]["new_business_won"] is None
    assert rows["c1"]["churned"] is True
    assert rows["c1"]["expansion_won"] is False
    assert (rows["c2"]["churned"], rows["c2"]["expansion_won"]) == (False, True)
    assert rows["p1"]["arr"] == 0.0
    assert rows["c2"]["arr"] == pytest.approx(12000.0)


def test_an_opportunity_won_after_t_is_open_at_t_in_the_stage_its_history_shows() -> None:
    p = _hand_portfolio()
    p.stage("n1", "Prospecting", at(date(2025, 5, 1)))
    p.stage("n1", "Proposal", at(date(2025, 7, 1), hour=23))
    p.stage("n1", "Closed Won", at(date(2025, 9, 1)))
    cut = cut_inputs(p.inputs(), T)
    n1 = cut.opportunities.filter(pl.col("key") == "n1").row(0, named=True)
    # Open at T (the end of July 1), in Proposal, with no close date yet and the stage's default probability.
    assert (n1["is_closed"], n1["is_won"], n1["stage"], n1["close_date"], n1["probability"]) == (
        False, False, "Proposal", None, None)  # fmt: skip
    assert cut.stage_history.filter(pl.col("opportunity_key") == "n1").height == 2
    assert "p3" not in cut.accounts.get_column("key").to_list()


# Each case adds records dated after T (or changes a record after T) to a world, in place.
Change = Callable[[ScoringInputs], ScoringInputs]
LATER = datetime(2025, 7, 2, 0, 0, tzinfo=at(T).tzinfo)  # T as an instant ends here: the first moment after T


def _add(frame: pl.DataFrame, rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.concat([frame, pl.DataFrame(rows, schema=frame.schema)])


def _new_account(data: ScoringInputs) -> ScoringInputs:
    row = dict.fromkeys(data.accounts.columns) | {"key": "late", "industry": "Technology", "employees": 900,
                                                   "annual_revenue": 9e9, "created_at": LATER}  # fmt: skip
    return ScoringInputs(**{**data.__dict__, "accounts": _add(data.accounts, [row])})


def _new_opportunities(data: ScoringInputs) -> ScoringInputs:
    keys = data.accounts.get_column("key").head(40).to_list()
    rows = [dict.fromkeys(data.opportunities.columns) | {
        "key": f"late{k}", "account_key": key, "amount": 1e6, "currency": "USD", "stage": "negotiation",
        "is_closed": k % 2 == 0, "is_won": k % 2 == 0, "close_date": T + timedelta(days=1 + k % 3),
        "created_at": LATER + timedelta(hours=k), "type": "new_business", "term_months": 12, "probability": 0.8,
    } for k, key in enumerate(keys)]  # fmt: skip
    return ScoringInputs(**{**data.__dict__, "opportunities": _add(data.opportunities, rows)})


def _open_at_t(data: ScoringInputs) -> pl.DataFrame:
    return data.opportunities.filter(
        (pl.col("created_at") < LATER) & (~pl.col("is_closed") | (pl.col("close_date") > T))
    )


def _later_stage_rows(data: ScoringInputs) -> ScoringInputs:
    keys = _open_at_t(data).get_column("key").to_list()
    rows = [{"opportunity_key": key, "stage": "negotiation", "entered_at": LATER, "connection": None} for key in keys]
    return ScoringInputs(**{**data.__dict__, "stage_history": _add(data.stage_history, rows)})


def _closed_later(data: ScoringInputs) -> ScoringInputs:
    # Every opportunity open at T is won the day after, with its closed stage row: a modification after T.
    keys = _open_at_t(data).get_column("key").to_list()
    target = pl.col("key").is_in(keys)
    opportunities = data.opportunities.with_columns(
        pl.when(target).then(pl.lit("closed_won")).otherwise(pl.col("stage")).alias("stage"),
        pl.when(target).then(pl.lit(T + timedelta(days=1))).otherwise(pl.col("close_date")).alias("close_date"),
        pl.when(target).then(pl.lit(1.0)).otherwise(pl.col("probability")).alias("probability"),
        (pl.col("is_won") | target).alias("is_won"),
        (pl.col("is_closed") | target).alias("is_closed"),
    )
    rows = [{"opportunity_key": key, "stage": "closed_won", "entered_at": LATER, "connection": None} for key in keys]
    return ScoringInputs(**{**data.__dict__, "opportunities": opportunities,
                            "stage_history": _add(data.stage_history, rows)})  # fmt: skip


def _usage_after(data: ScoringInputs) -> ScoringInputs:
    keys = data.accounts.get_column("key").head(300).to_list()
    # July 2025 holds T (July 1): its usage is not known until the month is over; August is after T.
    rows = [{"account_key": key, "month": month, "active_users": 1, "licensed_seats": 100}
            for key in keys for month in (date(2025, 7, 1), date(2025, 8, 1))]  # fmt: skip
    return ScoringInputs(**{**data.__dict__, "usage": _add(data.usage, rows)})


def _dated_rate_after(data: ScoringInputs) -> ScoringInputs:
    row = {"currency": "USD", "valid_from": T + timedelta(days=1), "rate_to_corporate": 7.0}
    return ScoringInputs(**{**data.__dict__, "dated_rates": _add(data.dated_rates, [row])})


@pytest.fixture(scope="module")
def world() -> ScoringInputs:
    return world_inputs(planted_world(1.0, 400)).conformed()


@pytest.mark.parametrize(
    "change",
    [_new_account, _new_opportunities, _later_stage_rows, _closed_later, _usage_after, _dated_rate_after],
)
def test_records_dated_after_t_do_not_change_the_scores_at_t(world: ScoringInputs, change: Change) -> None:
    before = scored_at(world, T, icp_params())
    changed = change(world)
    assert any(not getattr(changed, name).equals(frame) for name, frame in world.__dict__.items())  # it did change
    after = scored_at(changed, T, icp_params())
    assert before.equals(after)
    # ...while scoring the changed inputs uncut, as of a later date, does see the change.
    assert not score_later(world).equals(score_later(changed))


def score_later(data: ScoringInputs) -> pl.DataFrame:
    return scored_at(data, T + timedelta(days=40), icp_params())
