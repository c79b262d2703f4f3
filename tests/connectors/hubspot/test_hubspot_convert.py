"""Conversion at the edge: HubSpot's strings into typed values, and back for writes."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.hubspot.convert import ConversionError, RecordConverter, converter_for, parse_instant, to_hubspot

TYPES = {
    "annualrevenue": "number",
    "numberofemployees": "number",
    "hs_is_closed": "bool",
    "closedate": "datetime",
    "renewal_date": "date",
    "name": "string",
    "industry": "enumeration",
    "hs_merged_object_ids": "enumeration",
    "hs_parent_company_id": "number",
}


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("annualrevenue", "1000000.0", Decimal("1000000.0")),
        ("annualrevenue", " 12.5 ", Decimal("12.5")),
        ("numberofemployees", "1621", 1621),
        ("numberofemployees", "250.0", 250),
        ("hs_is_closed", "true", True),
        ("hs_is_closed", "False", False),
        ("closedate", "2026-03-31T00:00:00Z", datetime(2026, 3, 31, tzinfo=UTC)),
        ("closedate", "2026-01-05T10:11:12.345Z", datetime(2026, 1, 5, 10, 11, 12, 345000, tzinfo=UTC)),
        ("closedate", "1767225600000", datetime(2026, 1, 1, tzinfo=UTC)),
        ("closedate", "2026-01-01T01:00:00+01:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("renewal_date", "2026-03-31", date(2026, 3, 31)),
        ("renewal_date", "1774915200000", date(2026, 3, 31)),
        ("name", "Acme", "Acme"),
        ("hs_merged_object_ids", "61;62", "61;62"),
        ("hs_parent_company_id", "6100000006", "6100000006"),
    ],
)
def test_values_read_as_their_property_type(name: str, raw: str, expected: Any) -> None:
    assert converter_for(name, TYPES[name])(raw) == expected


@pytest.mark.parametrize("stamp", ["2026-04-01T22:42:38.891Z", "1775083358891"])
def test_last_modified_reads_as_iso_or_epoch_ms(stamp: str) -> None:
    assert parse_instant(stamp) == datetime(2026, 4, 1, 22, 42, 38, 891000, tzinfo=UTC)


def test_empty_strings_become_null_and_the_envelope_is_kept() -> None:
    raw = {
        "id": "7",
        "properties": {"name": "", "annualrevenue": None, "hs_lastmodifieddate": "1767225600000"},
        "archived": True,
        "archivedAt": "2026-02-01T00:00:00.000Z",
    }
    record = RecordConverter(TYPES).convert(raw)
    assert record == {
        "id": "7",
        "archived": True,
        "name": None,
        "annualrevenue": None,
        "hs_lastmodifieddate": datetime(2026, 1, 1, tzinfo=UTC),
        "archivedAt": datetime(2026, 2, 1, tzinfo=UTC),
    }


@pytest.mark.parametrize(
    ("name", "raw"),
    [("annualrevenue", "lots"), ("annualrevenue", "NaN"), ("numberofemployees", "12.5"), ("hs_is_closed", "yes"),
     ("closedate", "next tuesday")],
)  # fmt: skip
def test_a_bad_value_is_passed_on_as_sent_for_the_store_to_empty_and_warn(name: str, raw: str) -> None:
    assert RecordConverter(TYPES).convert({"id": "9", "properties": {name: raw}})[name] == raw


def test_a_cursor_stamp_that_does_not_read_names_its_property() -> None:
    with pytest.raises(ConversionError, match="not a datetime") as refused:
        RecordConverter(TYPES).convert({"id": "9", "properties": {"hs_lastmodifieddate": "next tuesday"}})
    assert "hs_lastmodifieddate" in str(refused.value)


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (None, ""),
        (True, "true"),
        (Decimal("87.50"), "87.50"),
        (87, "87"),
        (0.25, "0.25"),
        (datetime(2026, 1, 1, tzinfo=UTC), "1767225600000"),
        (date(2026, 3, 31), "2026-03-31"),
        ("A", "A"),
    ],
)
def test_written_values_are_strings_hubspot_takes(value: Any, sent: str) -> None:
    assert to_hubspot(value) == sent


PAGE_TYPES = {**TYPES, "hs_lastmodifieddate": "datetime", "hs_object_id": "number", "createdate": "datetime"}


def test_a_page_converts_as_its_records_do_one_by_one_and_skips_what_does_not_read() -> None:
    page = [
        {"id": "1", "properties": {"hs_object_id": "1", "name": "Acme", "annualrevenue": " 12.5 ",
                                   "numberofemployees": "250.0", "hs_lastmodifieddate": "2026-01-01T01:00:00+01:00",
                                   "createdate": "1767225600000", "hs_parent_company_id": "61.0", "industry": ""}},
        {"id": "2", "properties": {"hs_object_id": "2", "name": "", "annualrevenue": "NaN", "numberofemployees": "7",
                                   "hs_lastmodifieddate": "next tuesday"}},
        {"properties": {"name": "no id"}},
        {"id": "4", "archived": True, "archivedAt": "2026-02-01T00:00:00.000Z", "updatedAt": "2026-01-31T00:00:00Z",
         "properties": {"hs_object_id": "4", "hs_lastmodifieddate": None, "renewal_date": "2026-03-31"}},
        {"id": "5", "updatedAt": "yesterday", "properties": {"hs_object_id": "5", "hs_lastmodifieddate": ""}},
        {"id": "6", "archivedAt": "soon", "properties": {"hs_object_id": "6"}},
    ]  # fmt: skip
    kept, skipped = RecordConverter(PAGE_TYPES).convert_page(page)
    assert kept == [
        {"id": "1", "archived": False, "hs_object_id": "1", "name": "Acme", "annualrevenue": Decimal("12.5"),
         "numberofemployees": 250, "hs_lastmodifieddate": datetime(2026, 1, 1, tzinfo=UTC),
         "createdate": datetime(2026, 1, 1, tzinfo=UTC), "hs_parent_company_id": "61", "industry": None,
         "archivedAt": None},
        {"id": "4", "archived": True, "hs_object_id": "4", "hs_lastmodifieddate": datetime(2026, 1, 31, tzinfo=UTC),
         "renewal_date": date(2026, 3, 31), "archivedAt": datetime(2026, 2, 1, tzinfo=UTC)},
    ]  # fmt: skip
    assert [list(record) for record in kept] == [
        ["id", "archived", "hs_object_id", "name", "annualrevenue", "numberofemployees", "hs_lastmodifieddate",
         "createdate", "hs_parent_company_id", "industry", "archivedAt"],
        ["id", "archived", "hs_object_id", "hs_lastmodifieddate", "renewal_date", "archivedAt"],
    ]  # fmt: skip
    assert [(s.record_id, s.reason.split(":")[0]) for s in skipped] == [
        ("2", "property `hs_lastmodifieddate`"), (None, "'id'"), ("5", "'yesterday' is not a datetime"),
        ("6", "'soon' is not a datetime"),
    ]  # fmt: skip
    one_by_one = []
    for raw in page:
        with contextlib.suppress(ConversionError, KeyError):
            one_by_one.append(RecordConverter(PAGE_TYPES).convert(raw))
    assert kept == one_by_one
