"""Conversion at the edge: datetimes, dates, money, relationships; bad records skipped, the rest kept."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connectors.salesforce.convert import RecordShape, convert_records

SHAPE = RecordShape(
    ("Id", "SystemModstamp", "CloseDate", "Amount", "Probability", "IsWon", "NumberOfEmployees", "Product2.Family"),
    {"Id": "id", "SystemModstamp": "datetime", "CloseDate": "date", "Amount": "currency", "Probability": "percent",
     "IsWon": "boolean", "NumberOfEmployees": "int", "Product2.Family": "picklist"},
)  # fmt: skip


def test_rest_records_are_flattened_and_typed() -> None:
    raw = {
        "attributes": {"type": "OpportunityLineItem"}, "Id": "00k000000000001AAA",
        "SystemModstamp": "2026-01-01T10:00:00.000+0000", "CloseDate": "2026-03-31", "Amount": 12345.67,
        "Probability": 40, "IsWon": False, "NumberOfEmployees": 12.0, "Product2": {"attributes": {}, "Family": "Cloud"},
    }  # fmt: skip
    records, skipped = convert_records(SHAPE, [SHAPE.flatten(raw)], csv=False)
    assert skipped == []
    assert records == [{
        "Id": "00k000000000001AAA", "SystemModstamp": datetime(2026, 1, 1, 10, tzinfo=UTC),
        "CloseDate": date(2026, 3, 31), "Amount": Decimal("12345.67"), "Probability": 40.0, "IsWon": False,
        "NumberOfEmployees": 12, "Product2.Family": "Cloud",
    }]  # fmt: skip
    lines = RecordShape(("Id", "Product2.Family"))
    assert lines.flatten({"attributes": {}, "Id": "x", "Product2": None}) == {"Id": "x", "Product2.Family": None}


def test_csv_cells_are_typed_and_empty_cells_are_null() -> None:
    row = {"Id": "00k000000000001AAA", "SystemModstamp": "2026-01-01T10:00:00.000Z", "CloseDate": None,
           "Amount": "99.5", "Probability": "10.0", "IsWon": "true", "NumberOfEmployees": "7",
           "Product2.Family": None}  # fmt: skip
    records, _ = convert_records(SHAPE, [row], csv=True)
    assert records[0]["SystemModstamp"] == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert records[0]["Amount"] == Decimal("99.5")
    assert (records[0]["Probability"], records[0]["IsWon"], records[0]["NumberOfEmployees"]) == (10.0, True, 7)
    assert records[0]["CloseDate"] is None


def test_only_a_record_without_an_id_or_cursor_stamp_is_skipped_other_bad_values_go_on_as_sent() -> None:
    rows = [
        {"Id": "006A", "CloseDate": "2026-13-45", "Amount": 1.0},
        {"Id": "006B", "Amount": "lots"},
        {"Amount": 3.0},
        {"Id": "006C", "Amount": 3.0},
        {"Id": "006D", "SystemModstamp": "yesterday, around noon"},
    ]
    records, skipped = convert_records(SHAPE, rows, csv=False)
    assert [(r["Id"], r.get("CloseDate"), r.get("Amount")) for r in records] == [
        ("006A", "2026-13-45", Decimal("1.0")), ("006B", None, "lots"), ("006C", None, Decimal("3.0")),
    ]  # fmt: skip
    assert [(s.record_id, s.reason.split(":")[0]) for s in skipped] == [
        (None, "record has no Id"), ("006D", "SystemModstamp"),
    ]  # fmt: skip


def test_a_describe_type_the_connector_does_not_know_is_kept_as_read() -> None:
    shape = RecordShape(("Id", "Spot__c", "Secret__c"), {"Id": "id", "Spot__c": "location",
                                                           "Secret__c": "encryptedstring"})  # fmt: skip
    spot = {"latitude": 52.37, "longitude": 4.89}
    rest = shape.flatten({"attributes": {}, "Id": "001000000000001AAA", "Spot__c": spot, "Secret__c": "xxx"})
    kept, skipped = convert_records(shape, [rest], csv=False)
    assert (kept, skipped) == ([{"Id": "001000000000001AAA", "Spot__c": spot, "Secret__c": "xxx"}], [])
    kept, skipped = convert_records(shape, [{"Id": "001000000000002AAA", "Spot__c": "", "Secret__c": "y"}], csv=True)
    assert skipped == []
    assert kept[0]["Secret__c"] == "y"


ODD = RecordShape(
    ("Id", "SystemModstamp", "Amount", "NumberOfEmployees", "Probability", "IsWon"),
    {"Id": "id", "SystemModstamp": "datetime", "Amount": "currency", "NumberOfEmployees": "int",
     "Probability": "percent", "IsWon": "boolean"},
)  # fmt: skip


@pytest.mark.parametrize(
    ("csv", "field", "sent", "expected"),
    [
        (False, "SystemModstamp", "2026-01-01T12:00:00.000+0200", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        (False, "SystemModstamp", "2026-01-01T10:00:00", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        (True, "SystemModstamp", "2026-01-01T10:00:00.000Z", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        (False, "Amount", 7, Decimal("7")),
        (False, "Amount", 0.1, Decimal("0.1")),
        (False, "Amount", float("inf"), float("inf")),
        (True, "Amount", " 12.50 ", Decimal("12.50")),
        (True, "Amount", "NaN", "NaN"),
        (True, "Amount", "twelve", "twelve"),
        (False, "Amount", True, True),
        (False, "NumberOfEmployees", 12, 12),
        (False, "NumberOfEmployees", 12.0, 12),
        (False, "NumberOfEmployees", 12.5, 12.5),
        (True, "NumberOfEmployees", "7", 7),
        (True, "NumberOfEmployees", "7.0", 7),
        (True, "NumberOfEmployees", "7.5", "7.5"),
        (True, "NumberOfEmployees", "many", "many"),
        (False, "Probability", 40, 40.0),
        (True, "Probability", "12.5", 12.5),
        (True, "Probability", "high", "high"),
        (True, "IsWon", "true", True),
        (True, "IsWon", "FALSE", False),
        (True, "IsWon", "yes", "yes"),
        (False, "IsWon", False, False),
    ],
)
def test_each_value_reads_as_its_type_or_goes_on_as_sent(csv: bool, field: str, sent: object, expected: object) -> None:
    stamp = "2026-01-01T10:00:00.000Z" if csv else "2026-01-01T10:00:00.000+0000"
    others = {"Id": "006A", "SystemModstamp": stamp, "Amount": None, "NumberOfEmployees": None, "Probability": None,
              "IsWon": None}  # fmt: skip
    plain = {"Id": "006B", "SystemModstamp": stamp, "Amount": None, "NumberOfEmployees": None, "Probability": None,
             "IsWon": None}  # fmt: skip
    records, skipped = convert_records(ODD, [{**others, field: sent}, plain], csv=csv)
    assert skipped == []
    value = records[0][field]
    assert (type(value), value) == (type(expected), expected)
    assert records[1] == {**plain, "SystemModstamp": datetime(2026, 1, 1, 10, tzinfo=UTC)}


def test_skipped_records_are_listed_in_page_order_each_with_its_first_reason() -> None:
    rows = [
        {"Id": "006A", "SystemModstamp": "not a time"},
        {"Id": None, "SystemModstamp": "not a time either"},
        {"Id": "006C", "SystemModstamp": "2026-01-01T10:00:00.000+0000"},
        {"Id": "", "SystemModstamp": "2026-01-01T10:00:00.000+0000"},
    ]
    records, skipped = convert_records(ODD, rows, csv=False)
    assert [r["Id"] for r in records] == ["006C"]
    assert [(s.record_id, s.reason.split(":")[0]) for s in skipped] == [
        ("006A", "SystemModstamp"), (None, "record has no Id"), (None, "record has no Id"),
    ]  # fmt: skip
