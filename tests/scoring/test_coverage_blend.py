"""The coverage component weighed into the score (docs/account-mapping.md section 3), by hand: the blend
itself, then through `score_portfolio`, where tier, reasons and 'what changed' are told from the blended score."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl

from scoring import ScoringParams, score_portfolio
from scoring.coverage_blend import blend_coverage
from scoring.params import ScoreParams, ScoreWeights, TierThresholds
from tests.scoring.conftest import Portfolio, T


def _coverage(rows: dict[str, tuple[float, bool, list[str]]]) -> pl.DataFrame:
    """key -> (component, single-threaded, reasons), the other columns filled in."""
    return pl.DataFrame({
        "key": list(rows), "coverage": [c for c, _, _ in rows.values()],
        "coverage_component": [c for c, _, _ in rows.values()], "missing_roles": [[] for _ in rows],
        "single_threaded": [s for _, s, _ in rows.values()], "engaged_contacts": [1 for _ in rows],
        "coverage_reasons": [r for _, _, r in rows.values()],
    })  # fmt: skip


def test_coverage_is_weighed_in_over_the_known_components() -> None:
    scored = pl.LazyFrame({
        "key": ["a", "b", "c"], "fit": [80.0, None, 50.0], "potential": [60.0, 40.0, 50.0],
        "momentum": [40.0, 20.0, 50.0], "health_component": [60.0, 30.0, 50.0], "score": [63.0, 30.0, 50.0],
    })  # fmt: skip
    coverage = _coverage({"a": (40.0, True, ["single-threaded"]), "b": (100.0, False, [])})

    out = blend_coverage(scored, coverage, ScoreWeights(), 0.1).collect()

    rows = {r["key"]: r for r in out.to_dicts()}
    assert rows["a"]["score"] == (63.0 * 1.0 + 40.0 * 0.1) / 1.1  # all four known: W = 1.0 -> 60.9
    assert rows["b"]["score"] == (30.0 * 0.7 + 100.0 * 0.1) / 0.8  # fit unknown: W = 0.7 -> 38.75
    assert rows["c"]["score"] == 50.0  # no people pulled: unchanged
    assert rows["a"]["single_threaded"] is True
    assert rows["c"]["coverage"] is None


def test_a_zero_weight_leaves_the_score_alone() -> None:
    scored = pl.LazyFrame({"key": ["a"], "fit": [50.0], "potential": [50.0], "momentum": [50.0],
                           "health_component": [50.0], "score": [50.0]})  # fmt: skip
    out = blend_coverage(scored, _coverage({"a": (0.0, False, ["no engaged contact"])}), ScoreWeights(), 0.0)
    assert out.collect().get_column("score").to_list() == [50.0]


def _three_accounts(portfolio: Portfolio) -> Portfolio:
    for key, amount in (("a", 120_000.0), ("b", 60_000.0), ("c", 30_000.0)):
        portfolio.account(key, industry="Manufacturing", employees=500)
        portfolio.contract(f"{key}-1", key, amount, date(2026, 1, 1))
    return portfolio


def test_tier_rank_and_reasons_follow_the_blended_score(portfolio: Portfolio) -> None:
    """Scored without coverage, then with it: each score is the blend of the first (by the formula above, W the
    weight of the account's known components), the tier is the blended score's, the accounts are ranked by
    it, and the coverage's first reason follows the score's own."""
    _three_accounts(portfolio)
    params = replace(ScoringParams(), score=ScoreParams(coverage_weight=1.0))  # heavy, so tiers and ranks move
    plain = {r["key"]: r for r in score_portfolio(portfolio.inputs(), as_of=T, params=params).accounts.to_dicts()}
    coverage = _coverage({"a": (0.0, True, ["single-threaded"]), "c": (100.0, False, [])})

    result = score_portfolio(replace(portfolio.inputs(), coverage=coverage), as_of=T, params=params)

    rows = {r["key"]: r for r in result.accounts.to_dicts()}
    for key, component in (("a", 0.0), ("c", 100.0)):
        known = _known_weight(plain[key])
        assert abs(rows[key]["score"] - (plain[key]["score"] * known + component * 1.0) / (known + 1.0)) < 1e-9
    assert rows["b"]["score"] == plain["b"]["score"], "no coverage: unchanged"
    tiers = TierThresholds()
    for row in rows.values():
        floors = (("A", tiers.a), ("B", tiers.b), ("C", tiers.c), ("D", float("-inf")))
        assert row["tier"] == next(tier for tier, floor in floors if row["score"] >= floor), row
    assert result.accounts.get_column("score").to_list() == sorted(
        result.accounts.get_column("score").to_list(), reverse=True
    )
    assert rows["a"]["reasons"] == [*plain["a"]["reasons"], "single-threaded"]
    assert rows["c"]["reasons"] == plain["c"]["reasons"]


def test_what_changed_is_told_from_the_blended_score_and_coverage_can_be_the_reason(portfolio: Portfolio) -> None:
    """The same CRM figures in both runs; last run a and b had coverage 40, now b has 100: only b's blended
    score moved, by (100 - 40) x 0.1 / (W + 0.1), and coverage is what moved it; c has no people either time."""
    _three_accounts(portfolio)
    params = replace(ScoringParams(), score=ScoreParams(coverage_weight=0.1))
    before = replace(portfolio.inputs(), coverage=_coverage({"a": (40.0, False, []), "b": (40.0, False, [])}))
    last = score_portfolio(before, as_of=T, params=params)
    previous = last.previous_scores().with_columns(pl.lit(date(2026, 5, 1)).alias("scored_at"))
    now = replace(portfolio.inputs(), coverage=_coverage({"a": (40.0, False, []), "b": (100.0, False, [])}))

    result = score_portfolio(now, as_of=T, params=params, previous=previous)

    told = dict(zip(result.accounts.get_column("key"), result.accounts.get_column("change_reason"), strict=True))
    plain = {r["key"]: r for r in score_portfolio(portfolio.inputs(), as_of=T, params=params).accounts.to_dicts()}
    moved = round(60 * 0.1 / (_known_weight(plain["b"]) + 0.1))
    assert moved >= 1
    assert told == {"a": None, "b": f"score +{moved} since 2026-05-01: coverage 40 → 100", "c": None}


def _known_weight(row: dict[str, object]) -> float:
    """W: the default weights of the components the account has."""
    w = ScoreWeights()
    weights = {"fit": w.fit, "potential": w.potential, "momentum": w.momentum, "health_component": w.health}
    return sum(weight for name, weight in weights.items() if row[name] is not None)
