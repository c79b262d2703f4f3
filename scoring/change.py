"""What changed since the previous scoring run: 'score +12 since 2026-10-01: new 90k USD pipeline'."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import polars as pl

from scoring.frames import PREVIOUS_SCORES
from scoring.params import ScoreWeights
from scoring.score import component_weights
from scoring.wording import money_text, signed_whole_text, whole_text

__all__ = ["CHANGE_INPUTS", "change_reason"]

COVERAGE: Final = "coverage_component"
CHANGE_INPUTS = tuple(column.name for column in PREVIOUS_SCORES.columns if column.name not in ("key", "scored_at"))


def _was(column: str) -> pl.Expr:
    return pl.col(f"{column}_previous")


def _moved(column: str) -> pl.Expr:
    return pl.col(column) - _was(column)


def _weighed(weights: ScoreWeights, coverage_weight: float) -> dict[str, float]:
    """Each component's weight in the score, by column; the coverage component when it is blended in."""
    by_component = component_weights(weights)
    return by_component | {COVERAGE: coverage_weight} if coverage_weight > 0 else by_component


def _largest_component(by_component: dict[str, float]) -> pl.Expr:
    """The component whose move added the most points in the direction the score moved (null: none did)."""
    delta = _moved("score")
    pull = {
        name: pl.when(_moved(name) * delta > 0).then((_moved(name) * weight).abs())
        for name, weight in by_component.items()
    }
    strongest = pl.max_horizontal(list(pull.values()))
    chosen = pl.lit(None, dtype=pl.String())
    for name in reversed(by_component):
        chosen = pl.when(pull[name] == strongest).then(pl.lit(name)).otherwise(chosen)
    return chosen


def _money_move() -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(prefix, amount, suffix) of a change told in money, or a null amount when it is not."""
    chosen = pl.col("_changed")
    headroom, pipeline, wins = _moved("headroom"), _moved("weighted_pipeline"), _moved("recent_wins")
    wins_lead = wins.abs() > pipeline.abs()
    up_down = pl.when(pl.col("_amount_moved") > 0).then(pl.lit(" up ")).otherwise(pl.lit(" down "))
    amount = (
        pl.when((chosen == "potential") & (headroom.fill_null(0.0) != 0))
        .then(headroom)
        .when((chosen == "momentum") & wins_lead)
        .then(wins)
        .when((chosen == "momentum") & (pipeline.fill_null(0.0) != 0))
        .then(pipeline)
    )
    label = (
        pl.when(chosen == "potential")
        .then(pl.lit("headroom"))
        .when(wins_lead)
        .then(pl.lit("recent wins"))
        .otherwise(pl.lit("weighted pipeline"))
    )
    gained = (chosen == "momentum") & (pl.col("_amount_moved") > 0)
    prefix = (
        pl.when(gained & wins_lead)
        .then(pl.lit("won "))
        .when(gained)
        .then(pl.lit("new "))
        .otherwise(pl.concat_str([label, up_down]))
    )
    suffix = pl.when(gained & ~wins_lead).then(pl.lit(" pipeline")).otherwise(pl.lit(""))
    return prefix, amount, suffix


def _detail(currency: str, components: Iterable[str]) -> pl.Expr:
    prefix, _, suffix = _money_move()
    money = pl.concat_str([prefix, money_text(pl.col("_amount_moved").abs(), currency), suffix])
    chosen = pl.col("_changed")
    label = pl.col("_changed").replace_strict({"health_component": "health", COVERAGE: "coverage"}, default=chosen)
    before = pl.coalesce([pl.when(chosen == name).then(_was(name)) for name in components])
    after = pl.coalesce([pl.when(chosen == name).then(pl.col(name)) for name in components])
    from_to = pl.format("{} {} → {}", label, whole_text(before), whole_text(after))
    return pl.when(pl.col("_amount_moved").is_not_null()).then(money).otherwise(from_to)


def change_reason(
    current: pl.LazyFrame, previous: pl.DataFrame, weights: ScoreWeights, currency: str, coverage_weight: float = 0.0
) -> pl.LazyFrame:
    """`current` with `change_reason`: null when the account was not scored before or its rounded score
    did not move. `previous` is conformed to `PREVIOUS_SCORES`. With `coverage_weight` > 0, `current`'s score
    is the one with coverage blended in (`blend_coverage`), and the coverage component is one of the moves
    that can explain it."""
    renamed = previous.lazy().select(
        "key", "scored_at", *[pl.col(name).alias(f"{name}_previous") for name in CHANGE_INPUTS]
    )
    head = pl.format(
        "score {} since {}", signed_whole_text(_moved("score")), pl.col("scored_at").dt.to_string("%Y-%m-%d")
    )
    by_component = _weighed(weights, coverage_weight)
    detail = _detail(currency, by_component)
    reason = pl.when(_moved("score").round(0) != 0).then(
        pl.when(detail.is_not_null()).then(pl.format("{}: {}", head, detail)).otherwise(head)
    )
    helpers = ["scored_at", "_changed", "_amount_moved", *[f"{name}_previous" for name in CHANGE_INPUTS]]
    return (
        current.join(renamed, on="key", how="left")
        .with_columns(_largest_component(by_component).alias("_changed"))
        .with_columns(_money_move()[1].alias("_amount_moved"))
        .with_columns(reason.alias("change_reason"))
        .drop(helpers)
    )
