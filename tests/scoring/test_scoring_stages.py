"""Sections 5 and 8: stage durations (count, median, p90) and stage counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

FIGURES = ("stage", "stays", "median_days", "p90_days")


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
    assert durations.select(FIGURES).rows() == [
        ("Prospecting", 3, 4.0, pytest.approx(5.6)),
        ("Qualification", 2, 3.75, pytest.approx(4.75)),
    ]


def test_stage_count_is_the_number_of_distinct_stages_in_its_rows(portfolio):
    counts = three_opportunities(portfolio).score().stage_counts
    assert counts.sort("opportunity_key").rows() == [("X", 2), ("Y", 2), ("Z", 1)]


def test_rows_entered_at_the_same_instant_are_ordered_by_stage_name(portfolio):
    portfolio.opportunity("X", "A", 100)
    portfolio.stage("X", "B-stage", stamp(6, 20)).stage("X", "A-stage", stamp(6, 20))
    durations = portfolio.score().stage_durations
    assert durations.select("stage", "median_days").rows() == [("A-stage", 0.0), ("B-stage", 11.0)]


def test_closed_opportunity_without_close_date_gives_its_last_stay_no_duration(portfolio):
    portfolio.lost("Z", "A", 100, None)
    portfolio.stage("Z", "Qualification", stamp(6, 11))
    assert portfolio.score().stage_durations.height == 0


def open_and_lost_in_negotiation(portfolio):
    # O is open: Prospecting Jun 20 -> Negotiation Jun 25, open at T (Jun 30): Negotiation until Jul 1 00:00, 6 days.
    portfolio.opportunity("O", "A", 100)
    portfolio.stage("O", "Prospecting", stamp(6, 20)).stage("O", "Negotiation", stamp(6, 25))
    # L was lost while its stage still read Negotiation: Prospecting Jun 10 -> Negotiation Jun 20, closed Jun 28.
    portfolio.lost("L", "A", 100, date(2026, 6, 28), stage="Negotiation")
    portfolio.stage("L", "Prospecting", stamp(6, 10)).stage("L", "Negotiation", stamp(6, 20))
    return portfolio


def test_a_lost_deal_sitting_in_negotiation_does_not_make_negotiation_closed(portfolio):
    open_and_lost_in_negotiation(portfolio)
    portfolio.stage_meta("Prospecting", 1).stage_meta("Negotiation", 2).stage_meta("Closed Lost", 3, closed=True)
    # By hand: Prospecting 5 (O) and 10 (L) days; Negotiation 6 (O) and 9 (L, to the end of its close date).
    assert portfolio.score().stage_durations.select(FIGURES).rows() == [
        ("Prospecting", 2, 7.5, pytest.approx(9.5)),
        ("Negotiation", 2, 7.5, pytest.approx(8.7)),
    ]


def test_without_metadata_only_the_lost_deals_own_closing_row_is_terminal(portfolio):
    # The fallback never reads other deals: O keeps its Negotiation stay; L's closing row has no duration.
    durations = open_and_lost_in_negotiation(portfolio).score().stage_durations
    assert durations.select(FIGURES).rows() == [
        ("Negotiation", 1, 6.0, 6.0),
        ("Prospecting", 2, 7.5, pytest.approx(9.5)),
    ]


def test_a_stage_the_metadata_marks_closed_has_no_duration_even_with_no_closed_deal_in_it(portfolio):
    # R was won, then reopened: it is open in Prospecting, and nothing sits in Closed Won.
    portfolio.opportunity("R", "A", 100, stage="Prospecting")
    portfolio.stage("R", "Closed Won", stamp(6, 1)).stage("R", "Prospecting", stamp(6, 28))
    portfolio.stage_meta("Prospecting", 1).stage_meta("Closed Won", 2, closed=True)
    assert portfolio.score().stage_durations.select(FIGURES).rows() == [("Prospecting", 1, 3.0, 3.0)]


def two_pipelines_and_an_org(portfolio):
    """A HubSpot account with two pipelines (ids unlike their order) and a Salesforce org."""
    hs = {"connection": "hs"}
    sales = hs | {"pipeline": "default", "pipeline_label": "Sales Pipeline", "pipeline_order": 0}
    renewals = hs | {"pipeline": "75287960", "pipeline_label": "Renewals", "pipeline_order": 1}
    portfolio.stage_meta("75287962", 1, label="Renewal Quoted", **renewals)
    portfolio.stage_meta("75287961", 0, label="Renewal Identified", **renewals)
    portfolio.stage_meta("qualifiedtobuy", 1, label="Qualified To Buy", **sales)
    portfolio.stage_meta("appointmentscheduled", 0, label="Appointment Scheduled", **sales)
    portfolio.stage_meta("closedwon", 2, label="Closed Won", closed=True, **sales)
    portfolio.stage_meta("Qualification", 2, connection="sf").stage_meta("Prospecting", 1, connection="sf")
    # One deal per pipeline walks its stages a day each from Jun 1; each then waits in its last open stage.
    walks = {"hs:1": ("hs", ["appointmentscheduled", "qualifiedtobuy", "closedwon"]),
             "hs:2": ("hs", ["75287961", "75287962"]), "sf:1": ("sf", ["Prospecting", "Qualification"])}  # fmt: skip
    for key, (connection, stages) in walks.items():
        closed = stages[-1] == "closedwon"
        portfolio.opportunity(key, "A", 100, stage=stages[-1], is_closed=closed, is_won=closed,
                              close_date=date(2026, 6, 3) if closed else None)  # fmt: skip
        for day, stage in enumerate(stages, start=1):
            portfolio.stage(key, stage, stamp(6, day), connection=connection)
    return portfolio


def test_durations_are_per_pipeline_in_display_order_with_labels_never_interleaved(portfolio):
    durations = two_pipelines_and_an_org(portfolio).score().stage_durations
    shown = durations.select("connection", "pipeline_label", "label", "stage", "median_days").rows()
    # By hand: every stay before the last is one day; the last open stays run to the end of T (Jun 30).
    assert shown == [
        ("hs", "Sales Pipeline", "Appointment Scheduled", "appointmentscheduled", 1.0),
        ("hs", "Sales Pipeline", "Qualified To Buy", "qualifiedtobuy", 1.0),
        ("hs", "Renewals", "Renewal Identified", "75287961", 1.0),
        ("hs", "Renewals", "Renewal Quoted", "75287962", 29.0),
        ("sf", None, "Prospecting", "Prospecting", 1.0),
        ("sf", None, "Qualification", "Qualification", 29.0),
    ]


def test_a_stage_missing_from_the_metadata_comes_last_in_its_connection_under_its_id(portfolio):
    two_pipelines_and_an_org(portfolio).opportunity("hs:3", "A", 100, stage="98765")
    portfolio.stage("hs:3", "98765", stamp(6, 29), connection="hs")
    durations = portfolio.score().stage_durations
    assert durations.select("connection", "pipeline", "label").rows()[4] == ("hs", None, "98765")
    assert durations.get_column("connection").to_list() == ["hs"] * 5 + ["sf"] * 2


def test_pipelines_sharing_a_display_order_are_listed_by_label_as_hubspot_lists_them(portfolio):
    # HubSpot: "If multiple pipelines are the same number in the order, they'll be listed alphabetically by label."
    for pipeline, label in (("1", "Zeta"), ("2", "Alpha")):
        portfolio.stage_meta(f"s{pipeline}", 0, connection="hs", pipeline=pipeline, pipeline_label=label,
                             pipeline_order=0)  # fmt: skip
        portfolio.opportunity(f"hs:{pipeline}", "A", 100, stage=f"s{pipeline}")
        portfolio.stage(f"hs:{pipeline}", f"s{pipeline}", stamp(6, 29), connection="hs")
    durations = portfolio.score().stage_durations
    assert durations.get_column("pipeline_label").to_list() == ["Alpha", "Zeta"]
