"""A CRM field that cannot be stored, or is implausible, is stored empty with a data-quality warning naming the
record and the field; the record is kept. Only a record without an id or cursor stamp is set aside."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.hubspot.rows import hubspot_company, hubspot_deal
from connectors.rows import ISSUES, BadRecord, Context
from connectors.salesforce.rows import salesforce_account
from connectors.salesforce.rows import salesforce_opportunity as sf_opportunity

CTX = Context("c", "salesforce", 1, datetime(2026, 12, 7, tzinfo=UTC), {})
STAMP = "2026-11-01T10:00:00.000+0000"
ACCOUNT = {"Id": "001A", "Name": "Acme", "SystemModstamp": STAMP, "NumberOfEmployees": 120, "AnnualRevenue": 5e6,
           "CreatedDate": "2020-01-02T00:00:00Z"}  # fmt: skip
OPPORTUNITY = {"Id": "006A", "AccountId": "001A", "Amount": 1200, "IsWon": True, "IsClosed": True,
               "CloseDate": "2026-10-01", "SystemModstamp": STAMP}  # fmt: skip


@pytest.mark.parametrize(
    ("changed", "column", "field"),
    [
        ({"NumberOfEmployees": -5}, "employees", "NumberOfEmployees"),
        ({"AnnualRevenue": -1}, "annual_revenue", "AnnualRevenue"),
        ({"AnnualRevenue": "1e300"}, "annual_revenue", "AnnualRevenue"),
        ({"AnnualRevenue": "a few million"}, "annual_revenue", "AnnualRevenue"),
        ({"NumberOfEmployees": 10**12}, "employees", "NumberOfEmployees"),
        ({"ParentId": "001A"}, "parent_source_id", "ParentId"),
        ({"CreatedDate": "0001-01-01T00:00:00Z"}, "created_at", "CreatedDate"),
        ({"CreatedDate": "9999-12-31T00:00:00Z"}, "created_at", "CreatedDate"),
    ],
)
def test_an_account_field_that_cannot_be_stored_is_empty_and_named(changed: dict[str, Any], column: str,
                                                                    field: str) -> None:  # fmt: skip
    row = salesforce_account(ACCOUNT | changed, CTX)
    assert row[column] is None
    assert [name for name, _ in row[ISSUES]] == [field]
    assert (row["source_id"], row["name"]) == ("001A", "Acme")  # the record is kept, its other fields too


@pytest.mark.parametrize(
    ("changed", "column", "field"),
    [
        ({"Amount": -250}, "amount", "Amount"),  # a won deal's negative amount
        ({"CloseDate": "0001-01-01"}, "close_date", "CloseDate"),
        ({"CloseDate": "9999-12-31"}, "close_date", "CloseDate"),
        ({"CloseDate": "2026-13-45"}, "close_date", "CloseDate"),
        ({"Amount": "1e300"}, "amount", "Amount"),
        ({"Term_Months__c": -12}, "term_months", "Term_Months__c"),
    ],
)
def test_an_opportunity_field_that_cannot_be_stored_is_empty_and_named(changed: dict[str, Any], column: str,
                                                                        field: str) -> None:  # fmt: skip
    row = sf_opportunity(OPPORTUNITY | changed, CTX)
    assert row[column] is None
    assert [name for name, _ in row[ISSUES]] == [field]


def test_a_plausible_record_carries_no_warning_and_a_lost_deal_may_be_negative() -> None:
    assert ISSUES not in salesforce_account(ACCOUNT, CTX)
    lost = sf_opportunity(OPPORTUNITY | {"Amount": -250, "IsWon": False}, CTX)
    assert ISSUES not in lost
    assert lost["amount"] == -250


def test_hubspot_records_follow_the_same_rules() -> None:
    company = hubspot_company({"hs_object_id": "9", "hs_lastmodifieddate": STAMP, "numberofemployees": "-3",
                               "hs_parent_company_id": "9"}, CTX)  # fmt: skip
    assert (company["employees"], company["parent_source_id"]) == (None, None)
    assert sorted(name for name, _ in company[ISSUES]) == ["hs_parent_company_id", "numberofemployees"]
    deal = hubspot_deal({"hs_object_id": "7", "hs_lastmodifieddate": STAMP, "amount": "-10", "hs_is_closed_won": "true",
                         "closedate": "9999-12-31T00:00:00Z"}, CTX)  # fmt: skip
    assert (deal["amount"], deal["close_date"]) == (None, None)
    assert sorted(name for name, _ in deal[ISSUES]) == ["amount", "closedate"]


@pytest.mark.parametrize("changed", [{"Id": None}, {"SystemModstamp": "yesterday, around noon"}])
def test_a_record_without_an_id_or_a_cursor_stamp_is_set_aside(changed: dict[str, Any]) -> None:
    with pytest.raises(BadRecord):
        salesforce_account(ACCOUNT | changed, CTX)
