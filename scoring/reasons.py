"""Reasons of section 7: the three components that add the most points, as sentences a rep understands."""

from __future__ import annotations

import polars as pl

from scoring.params import FitRule, ScoreParams
from scoring.score import COMPONENTS, rule_matches
from scoring.wording import compact_number, money_text, top_share_text, whole_text

__all__ = [
    "SENTENCE_COLUMNS",
    "fit_sentence",
    "health_sentence",
    "momentum_sentence",
    "potential_sentence",
    "reasons_expr",
    "sentence_exprs",
]

SENTENCE_COLUMNS = {component: f"sentence_{component}" for component in COMPONENTS}


def _non_empty(text: pl.Expr) -> pl.Expr:
    return pl.when(text != "").then(text)


def _rule_sentence(rule: FitRule, currency: str) -> pl.Expr:
    if rule.field == "industry":
        return pl.format("In ICP industry: {}", pl.col("industry"))
    if rule.field == "country":
        return pl.format("In ICP country: {}", pl.col("country"))
    if rule.field == "employees":
        return pl.format("ICP size: {} employees", compact_number(pl.col("employees").cast(pl.Float64())))
    return pl.format("ICP revenue band: {}", money_text(pl.col("annual_revenue"), currency))


def fit_sentence(rules: tuple[FitRule, ...], currency: str) -> pl.Expr:
    """The matched ICP rules, most points first: 'In ICP industry: Manufacturing; ICP size: 1.2k employees'."""
    # A rule with no points or a penalty is no reason to invest.
    ordered = sorted((rule for rule in rules if rule.points > 0), key=lambda rule: -rule.points)
    if not ordered:
        return pl.lit(None, dtype=pl.String())
    parts = [pl.when(rule_matches(rule)).then(_rule_sentence(rule, currency)) for rule in ordered]
    return _non_empty(pl.concat_str(parts, separator="; ", ignore_nulls=True))


def potential_sentence(currency: str) -> pl.Expr:
    """'Headroom 1.2M USD, top 5 %', or on annual revenue when the headroom is unknown."""
    rank = top_share_text(pl.col("potential"))
    return (
        pl.when(pl.col("headroom").is_not_null())
        .then(pl.format("Headroom {}, {}", money_text(pl.col("headroom"), currency), rank))
        .otherwise(pl.format("Annual revenue {}, {}", money_text(pl.col("annual_revenue"), currency), rank))
    )


def momentum_sentence(currency: str, recent_win_days: int) -> pl.Expr:
    """'Weighted pipeline 90k USD, won 20k USD in 90 days, top 15 %' (only the parts above 0)."""
    pipeline = pl.when(pl.col("weighted_pipeline") > 0).then(
        pl.format("Weighted pipeline {}", money_text(pl.col("weighted_pipeline"), currency))
    )
    wins = pl.when(pl.col("recent_wins") > 0).then(
        pl.format("won {} in {} days", money_text(pl.col("recent_wins"), currency), pl.lit(recent_win_days))
    )
    head = _non_empty(pl.concat_str([pipeline, wins], separator=", ", ignore_nulls=True))
    return pl.format("{}, {}", head, top_share_text(pl.col("momentum")))


def health_sentence() -> pl.Expr:
    """'Health 82/100' for a customer, 'Prospect: default health 50' otherwise."""
    value = whole_text(pl.col("health_component"))
    return (
        pl.when(pl.col("arr") > 0)
        .then(pl.format("Health {}/100", value))
        .otherwise(pl.format("Prospect: default health {}", value))
    )


def sentence_exprs(params: ScoreParams, currency: str) -> list[pl.Expr]:
    """One sentence column per component (see SENTENCE_COLUMNS), whether or not it makes the reasons."""
    sentences = {
        "fit": fit_sentence(params.fit_rules, currency),
        "potential": potential_sentence(currency),
        "momentum": momentum_sentence(currency, params.recent_win_days),
        "health_component": health_sentence(),
    }
    return [sentences[name].alias(SENTENCE_COLUMNS[name]) for name in COMPONENTS]


def _place(position: int, candidate: str) -> pl.Expr:
    """True where the component lands at `position` among those adding points: ahead of it are the ones
    adding more, and those adding as much that come earlier in COMPONENTS."""
    mine = pl.col(f"points_{candidate}")
    ahead = []
    for index, other in enumerate(COMPONENTS):
        if other == candidate:
            continue
        theirs = pl.col(f"points_{other}")
        beats = theirs > mine if index > COMPONENTS.index(candidate) else theirs >= mine
        ahead.append((beats & (theirs > 0)).fill_null(False))
    return (mine > 0).fill_null(False) & (pl.sum_horizontal(ahead) == position)


def reasons_expr(count: int = 3) -> pl.Expr:
    """The sentences of the `count` components adding the most points (above 0), most first.

    Needs the `points_*` columns and the sentence columns of `sentence_exprs`.
    """
    slots = []
    for position in range(count):
        slot = pl.lit(None, dtype=pl.String())
        for component in reversed(COMPONENTS):
            slot = pl.when(_place(position, component)).then(pl.col(SENTENCE_COLUMNS[component])).otherwise(slot)
        slots.append(slot)
    return pl.concat_list(slots).list.drop_nulls()
