"""The coverage component weighed into the score (docs/account-mapping.md section 3), by hand."""

from __future__ import annotations

from datetime import date

import polars as pl

from scoring.coverage_blend import blend_coverage
from scoring.params import ScoreWeights, TierThresholds


def test_coverage_is_weighed_in_over_the_known_components_then_tier_and_rank_again() -> None:
    accounts = pl.DataFrame({
        "rank": [1, 2, 3], "key": ["a", "b", "c"], "arr": [100.0, 50.0, 10.0],
        "fit": [80.0, None, 50.0], "potential": [60.0, 40.0, 50.0], "momentum": [40.0, 20.0, 50.0],
        "health_component": [60.0, 30.0, 50.0], "score": [63.0, 30.0, 50.0], "tier": ["B", "D", "C"],
        "reasons": [["big account"], ["small"], ["steady"]],
    })  # fmt: skip
    coverage = pl.DataFrame({
        "key": ["a", "b"], "coverage": [40.0, 100.0], "coverage_component": [40.0, 100.0],
        "missing_roles": [["IT"], []], "single_threaded": [True, False], "engaged_contacts": [1, 3],
        "coverage_reasons": [["single-threaded", "no IT contact"], []],
    })  # fmt: skip
    out = blend_coverage(accounts, coverage, ScoreWeights(), 0.1, TierThresholds())
    rows = {r["key"]: r for r in out.to_dicts()}
    assert rows["a"]["score"] == (63.0 * 1.0 + 40.0 * 0.1) / 1.1  # all four known: W = 1.0 -> 60.9
    assert rows["b"]["score"] == (30.0 * 0.7 + 100.0 * 0.1) / 0.8  # fit unknown: W = 0.7 -> 38.75
    assert rows["c"]["score"] == 50.0  # no people pulled: unchanged
    assert [rows[k]["tier"] for k in "abc"] == ["B", "D", "C"]
    assert out.get_column("key").to_list() == ["a", "c", "b"]  # ranked again
    assert out.get_column("rank").to_list() == [1, 2, 3]
    assert rows["a"]["reasons"] == ["big account", "single-threaded"]  # the first coverage reason joins
    assert rows["b"]["reasons"] == ["small"]
    assert rows["a"]["single_threaded"] is True
    assert rows["c"]["coverage"] is None


def test_a_zero_weight_leaves_the_score_alone() -> None:
    accounts = pl.DataFrame({"rank": [1], "key": ["a"], "arr": [1.0], "fit": [50.0], "potential": [50.0],
                             "momentum": [50.0], "health_component": [50.0], "score": [50.0], "tier": ["C"],
                             "reasons": [["x"]]})  # fmt: skip
    coverage = pl.DataFrame({"key": ["a"], "coverage": [0.0], "coverage_component": [0.0], "missing_roles": [["IT"]],
                             "single_threaded": [False], "engaged_contacts": [0],
                             "coverage_reasons": [["no engaged contact"]]})  # fmt: skip
    out = blend_coverage(accounts, coverage, ScoreWeights(), 0.0, TierThresholds())
    assert out.get_column("score").to_list() == [50.0]


def test_what_changed_is_told_from_the_blended_score_and_coverage_can_be_the_reason() -> None:
    """a: nothing moved (its last score was blended the same way); b: only coverage rose, 40 -> 100, so the
    blended score went from (30 x 0.7 + 40 x 0.1) / 0.8 = 31.25 to (30 x 0.7 + 100 x 0.1) / 0.8 = 38.75;
    c: no people, 50 both times. The reason told before the blend ('stale') is replaced."""
    accounts = pl.DataFrame({
        "rank": [1, 2, 3], "key": ["a", "b", "c"], "arr": [100.0, 50.0, 10.0],
        "fit": [80.0, None, 50.0], "potential": [60.0, 40.0, 50.0], "momentum": [40.0, 20.0, 50.0],
        "health_component": [60.0, 30.0, 50.0], "score": [63.0, 30.0, 50.0], "tier": ["B", "D", "C"],
        "reasons": [["big"], ["small"], ["steady"]], "headroom": [10.0, 20.0, 30.0],
        "weighted_pipeline": [1.0, 2.0, 3.0], "recent_wins": [0.0, 0.0, 0.0], "change_reason": ["stale"] * 3,
    })  # fmt: skip
    coverage = pl.DataFrame({
        "key": ["a", "b"], "coverage": [40.0, 100.0], "coverage_component": [40.0, 100.0],
        "missing_roles": [["IT"], []], "single_threaded": [True, False], "engaged_contacts": [1, 3],
        "coverage_reasons": [["single-threaded"], []],
    })  # fmt: skip
    previous = pl.DataFrame({
        "key": ["a", "b", "c"], "scored_at": [date(2026, 11, 1)] * 3,
        "score": [(63.0 + 4.0) / 1.1, 31.25, 50.0], "fit": [80.0, None, 50.0], "potential": [60.0, 40.0, 50.0],
        "momentum": [40.0, 20.0, 50.0], "health_component": [60.0, 30.0, 50.0], "headroom": [10.0, 20.0, 30.0],
        "weighted_pipeline": [1.0, 2.0, 3.0], "recent_wins": [0.0, 0.0, 0.0], "coverage_component": [40.0, 40.0, None],
    })  # fmt: skip
    out = blend_coverage(accounts, coverage, ScoreWeights(), 0.1, TierThresholds(), previous=previous, currency="USD")
    told = dict(zip(out.get_column("key"), out.get_column("change_reason"), strict=True))
    assert told == {"a": None, "b": "score +8 since 2026-11-01: coverage 40 → 100", "c": None}
