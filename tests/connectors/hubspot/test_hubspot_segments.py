"""The incremental plan: windows in epoch ms, keyset filters, and resuming when the window moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.base import Position, Window
from connectors.hubspot.segments import Segment, plan_from, search_filters, window_bounds

T0 = datetime(2026, 1, 1, tzinfo=UTC)
MS0 = 1_767_225_600_000
HOUR = 3_600_000


def _window(start_h: int | None, end_h: int) -> Window:
    return Window(None if start_h is None else T0 + timedelta(hours=start_h), T0 + timedelta(hours=end_h))


def test_a_window_is_inclusive_epoch_ms_and_filters_are_strings() -> None:
    assert window_bounds(_window(0, 1)) == (MS0, MS0 + HOUR)
    filters = search_filters(Segment(MS0, MS0 + HOUR, after_id=61, upto_id=None))
    assert filters == [
        {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(MS0)},
        {"propertyName": "hs_lastmodifieddate", "operator": "LTE", "value": str(MS0 + HOUR)},
        {"propertyName": "hs_object_id", "operator": "GT", "value": "61"},
    ]


def test_without_a_position_the_plan_is_the_whole_window() -> None:
    assert plan_from(_window(0, 2), None) == ([Segment(MS0, MS0 + 2 * HOUR)], True)


def _saved(window: Window, after_id: int) -> Position:
    lo, hi = window_bounds(window)
    blob = {"window": [lo, hi], "segments": [[lo, hi, after_id, None]]}
    return Position("search", None, str(after_id), blob=blob)


def test_resuming_the_same_window_continues_after_the_last_id() -> None:
    window = _window(0, 2)
    assert plan_from(window, _saved(window, 500)) == ([Segment(MS0, MS0 + 2 * HOUR, 500)], True)


def test_a_rerun_with_a_later_end_also_reads_the_new_time_for_ids_already_passed() -> None:
    segments, _ = plan_from(_window(0, 3), _saved(_window(0, 2), 500))
    assert segments == [Segment(MS0, MS0 + 2 * HOUR, 500), Segment(MS0 + 2 * HOUR + 1, MS0 + 3 * HOUR)]


def test_a_rerun_with_an_earlier_start_and_an_earlier_end_is_clipped_and_extended() -> None:
    segments, _ = plan_from(_window(-1, 1), _saved(_window(0, 2), 500))
    assert segments == [Segment(MS0, MS0 + HOUR, 500), Segment(MS0 - HOUR, MS0 - 1)]


def test_a_hand_made_position_resumes_after_its_last_id() -> None:
    window = _window(0, 2)
    assert plan_from(window, Position("search", None, "77"))[0] == [Segment(MS0, MS0 + 2 * HOUR, 77)]


def test_after_the_search_the_archived_listing_resumes_only_in_the_same_window() -> None:
    window = _window(0, 2)
    lo, hi = window_bounds(window)
    deleted = Position("deleted", None, None, blob={"window": [lo, hi], "after": "x"})
    assert plan_from(window, deleted) == ([], False)
    segments, restart = plan_from(_window(0, 3), deleted)
    assert segments == [Segment(MS0 + 2 * HOUR + 1, MS0 + 3 * HOUR)]
    assert restart
