"""Sections 5 and 8: stage durations (count, median, p90) and stage counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scoring import PipelineParams, ScoringParams


def stamp(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def three_opportunities(portfolio):
    # X is open: Prospecting 2.5 days, Qualification 2.5 days, Prospecting again until the end of T (6 days).
    portfolio.opportunity("X", "A", 100)
    portfolio.stage("X", "Prospecting", stamp(6, 20)).stage("X", "Qualification", stamp(6, 22, 12))
    portfolio.stage("X", "Prospecting", stamp(6, 25)).stage("X", "Negotiation", stamp(7, 5))  # after T
    # Y closed with a closed row: Prospecting 4 days; the closed stage gets no duration.
    portfolio.contract("Y", "A", 100, date(2026, 6, 10))
    portfolio.stage("Y", "Closed Won", stamp(6, 5)).stage("Y", "Prospecting", stamp(6, 1))
    # Z closed with no closed row: Qualification runs to the end of its close date (5 days).
    portfolio.lost("Z", "A", 100, date(2026, 6, 15))
    portfolio.stage("Z", "Qualification", stamp(6, 11))
    return portfolio


def test_stage_durations_count_median_and_p90_per_stage(portfolio):
    durations = three_opportunities(portfolio).score().stage_durations
    assert durations.rows() == [
        ("Prospecting", 3, 4.0, pytest.approx(5.6)),
        ("Qualification", 2, 3.75, pytest.approx(4.75)),
    ]


def test_stage_count_is_the_number_of_distinct_stages_in_its_rows(portfolio):
    counts = three_opportunities(portfolio).score().stage_counts
    assert counts.sort("opportunity_key").rows() == [("X", 2), ("Y", 2), ("Z", 1)]


def test_configured_closed_stages_replace_the_inferred_ones(portfolio):
    params = ScoringParams(pipeline=PipelineParams(closed_stages=frozenset({"Qualification"})))
    durations = three_opportunities(portfolio).score(params=params).stage_durations
    assert durations.get_column("stage").to_list() == ["Closed Won", "Prospecting"]


def test_rows_entered_at_the_same_instant_are_ordered_by_stage_name(portfolio):
    portfolio.opportunity("X", "A", 100)
    portfolio.stage("X", "B-stage", stamp(6, 20)).stage("X", "A-stage", stamp(6, 20))
    durations = portfolio.score().stage_durations
    assert durations.select("stage", "median_days").rows() == [("A-stage", 0.0), ("B-stage", 11.0)]


def test_closed_opportunity_without_close_date_gives_its_last_stay_no_duration(portfolio):
    portfolio.lost("Z", "A", 100, None)
    portfolio.stage("Z", "Qualification", stamp(6, 11))
    assert portfolio.score().stage_durations.height == 0
