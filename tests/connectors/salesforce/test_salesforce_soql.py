"""The SOQL sent: windows, tie-safe resume, literals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connectors.base import Position, Window
from connectors.salesforce.soql import count, datetime_literal, select, string_literal

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_datetime_literals_are_utc_with_milliseconds() -> None:
    paris = timezone(timedelta(hours=1))
    assert datetime_literal(datetime(2026, 1, 1, 1, 0, 0, 123456, tzinfo=paris)) == "2026-01-01T00:00:00.123Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        datetime_literal(datetime(2026, 1, 1))


def test_string_literals_escape_quotes_and_backslashes() -> None:
    assert string_literal("O'Brien\\x") == "'O\\'Brien\\\\x'"


def test_a_window_is_start_exclusive_end_inclusive_in_cursor_then_id_order() -> None:
    soql = select("Account", ("Id", "Name"), "SystemModstamp", Window(T0, T0 + timedelta(hours=1)))
    assert soql == (
        "SELECT Id, Name FROM Account WHERE SystemModstamp > 2026-01-01T00:00:00.000Z AND "
        "SystemModstamp <= 2026-01-01T01:00:00.000Z ORDER BY SystemModstamp, Id"
    )


def test_resume_keeps_records_that_tie_with_the_last_one_read() -> None:
    after = Position("rest", cursor=T0, last_id="001000000000005AAA")
    soql = select("Account", ("Id",), "SystemModstamp", Window(None, T0 + timedelta(days=1)), after)
    assert "(SystemModstamp > 2026-01-01T00:00:00.000Z OR (SystemModstamp = 2026-01-01T00:00:00.000Z AND " in soql
    assert "Id > '001000000000005AAA'))" in soql


def test_streams_without_a_cursor_read_in_id_order_and_count_the_same_rows() -> None:
    after = Position("rest", last_id="01J000000000001AAA")
    assert select("OpportunityStage", ("Id",), None, None, after) == (
        "SELECT Id FROM OpportunityStage WHERE Id > '01J000000000001AAA' ORDER BY Id"
    )
    assert count("Account", "SystemModstamp", Window(None, T0)) == (
        "SELECT COUNT() FROM Account WHERE SystemModstamp <= 2026-01-01T00:00:00.000Z"
    )
