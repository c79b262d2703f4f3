"""The SOQL subset: what it parses, what it refuses with Salesforce's errors, and what it selects."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from sandbox.salesforce.build import build
from sandbox.salesforce.dateliterals import RelativeDate
from sandbox.salesforce.errors import ApiError, QueryError
from sandbox.salesforce.query import plan, run
from sandbox.salesforce.records import JsonShape
from sandbox.salesforce.soql import BoolOp, Compare, Not, parse
from sandbox.world import WorldSpec

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def tables() -> Any:
    return build(WorldSpec(seed=11, accounts=60, now=NOW)).by_name


def select(tables: Any, soql: str, include_deleted: bool = False) -> list[dict[str, Any]]:
    bound = plan(soql, tables, include_deleted)
    shape = JsonShape(bound.table, bound.select, tables, "62.0")
    return [shape.record(r) for r in run(bound, tables, NOW)]


def test_parse_reads_fields_relationships_conditions_order_limit_and_offset() -> None:
    query = parse(
        "select Id, Account.Owner.Email FROM Opportunity WHERE (Amount > 5 OR StageName IN ('a', 'b')) "
        "AND NOT IsWon = true AND CloseDate >= LAST_N_DAYS:30 ORDER BY Name DESC NULLS FIRST, Id LIMIT 10 OFFSET 5"
    )
    assert [f.path for f in query.fields] == [("Id",), ("Account", "Owner", "Email")]
    assert query.sobject == "Opportunity"
    assert isinstance(query.where, BoolOp)
    assert query.where.op == "AND"
    first, second, third = query.where.items
    assert isinstance(first, BoolOp)
    assert first.op == "OR"
    assert isinstance(second, Not)
    assert isinstance(second.item, Compare)
    assert isinstance(third, Compare)
    assert third.values[0].value == RelativeDate("LAST_N_DAYS", 30)
    assert [(o.field.path, o.descending, o.nulls_last) for o in query.order_by] == [
        (("Name",), True, False),
        (("Id",), False, False),
    ]
    assert (query.limit, query.offset) == (10, 5)


@pytest.mark.parametrize(
    "literal",
    ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00.000+0000", "2026-01-01T01:00:00+01:00"],
)
def test_datetime_literals_in_every_accepted_form_mean_the_same_instant(literal: str) -> None:
    compare = parse(f"SELECT Id FROM Account WHERE SystemModstamp > {literal}").where
    assert isinstance(compare, Compare)
    assert compare.values[0].value == datetime(2026, 1, 1, tzinfo=UTC)


def test_string_literals_keep_escaped_quotes_and_backslashes() -> None:
    compare = parse(r"SELECT Id FROM Account WHERE Name = 'O\'Brien \\ Sons'").where
    assert isinstance(compare, Compare)
    assert compare.values[0].value == "O'Brien \\ Sons"


@pytest.mark.parametrize(
    ("soql", "token", "column"),
    [
        ("SELECT Name FROM Account GROUP BY Name", "'GROUP'", 26),
        ("SELECT Id, (SELECT Id FROM Opportunities) FROM Account", "'('", 12),
        ("SELECT TYPEOF Owner WHEN User THEN Email END FROM Account", "'TYPEOF'", 8),
        ("SELECT COUNT(Id) FROM Account", "'('", 13),
        ("SELECT FIELDS(ALL) FROM Account LIMIT 200", "'('", 14),
        ("SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Industry = 'c'", "'OR'", 56),
        ("SELECT Id FROM Account WHERE CreatedDate > 2026-01-01T00:00:00", "'2026-01-01T00:00:00'", 44),
        ("SELECT Id FROM Account WITH SECURITY_ENFORCED", "'WITH'", 24),
        ('SELECT Id FROM Account WHERE Name = "x"', "'\"'", 37),
        ("SELECT Id FROM Account WHERE", "<EOF>", 29),
    ],
)
def test_unsupported_soql_is_refused_as_malformed_query_pointing_at_the_token(
    soql: str, token: str, column: int
) -> None:
    with pytest.raises(QueryError) as caught:
        parse(soql)
    assert caught.value.code == "MALFORMED_QUERY"
    assert caught.value.status == 400
    assert caught.value.message.endswith(f"ERROR at Row:1:Column:{column}\nunexpected token: {token}")


@pytest.mark.parametrize(
    ("soql", "code", "detail"),
    [
        (
            "SELECT Id, Foo FROM Account",
            "INVALID_FIELD",
            "No such column 'Foo' on entity 'Account'. If you are attempting to use a custom field, be sure to "
            "append the '__c' after the custom field name. Please reference your WSDL or the describe call for "
            "the appropriate names.",
        ),
        ("SELECT Id FROM Acount", "INVALID_TYPE", "sObject type 'Acount' is not supported."),
        ("SELECT Acount.Name FROM Opportunity", "INVALID_FIELD", "Didn't understand relationship 'Acount'"),
        (
            "SELECT Id FROM Account WHERE CreatedDate > '2026-01-01'",
            "INVALID_FIELD",
            "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed "
            "in quotes",
        ),
        ("SELECT Id FROM Opportunity WHERE CloseDate > 2026-01-01T00:00:00Z", "INVALID_FIELD", "of type date"),
        ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD", "must be of type string and should be enclosed"),
        ("SELECT Id FROM Account WHERE Id = 'nope'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: nope"),
        ("SELECT Id, id FROM Account", "MALFORMED_QUERY", "duplicate field selected: Id"),
    ],
)
def test_binding_errors_carry_salesforce_codes_and_words(tables: Any, soql: str, code: str, detail: str) -> None:
    with pytest.raises(QueryError) as caught:
        plan(soql, tables, False)
    assert caught.value.code == code
    assert detail in caught.value.detail


def test_offset_beyond_2000_is_refused(tables: Any) -> None:
    with pytest.raises(ApiError, match="Maximum SOQL offset allowed is 2000"):
        plan("SELECT Id FROM Account LIMIT 5 OFFSET 2001", tables, False)


def test_string_comparisons_ignore_case_and_like_matches_patterns(tables: Any) -> None:
    name = select(tables, "SELECT Name FROM Account ORDER BY Name LIMIT 1")[0]["Name"]
    assert select(tables, f"SELECT Name FROM Account WHERE Name = '{name.upper()}'")[0]["Name"] == name
    prefix = name[:3].lower()
    liked = select(tables, f"SELECT Name FROM Account WHERE Name LIKE '{prefix}%'")
    assert liked
    assert all(r["Name"].lower().startswith(prefix) for r in liked)


def test_order_by_sorts_descending_with_nulls_where_asked(tables: Any) -> None:
    rows = select(tables, "SELECT ParentId, Name FROM Account ORDER BY ParentId DESC NULLS FIRST, Name")
    parents = [r["ParentId"] for r in rows]
    nulls = parents.count(None)
    assert 0 < nulls < len(parents)
    assert parents[:nulls] == [None] * nulls
    assert parents[nulls:] == sorted(parents[nulls:], reverse=True)
    assert [r["Name"] for r in rows[:nulls]] == sorted((r["Name"] for r in rows[:nulls]), key=str.lower)


def test_not_equal_keeps_nulls_as_soql_does(tables: Any) -> None:
    total = len(select(tables, "SELECT Id FROM Account"))
    with_parent = select(tables, "SELECT Id FROM Account WHERE ParentId != null")
    without_this = select(tables, f"SELECT Id FROM Account WHERE ParentId != '{with_parent[0]['Id']}'")
    assert len(without_this) == total - 1


def test_relationship_fields_nest_under_the_relationship_with_attributes(tables: Any) -> None:
    record = select(tables, "SELECT Name, Account.Name, Account.Owner.Email FROM Opportunity LIMIT 1")[0]
    account = record["Account"]
    assert account["attributes"]["type"] == "Account"
    assert account["attributes"]["url"].startswith("/services/data/v62.0/sobjects/Account/001")
    assert account["Owner"]["Email"].endswith("@orbitaldevices.example")
    assert list(record) == ["attributes", "Name", "Account"]


def test_values_come_back_in_salesforce_formats(tables: Any) -> None:
    record = select(
        tables,
        "SELECT Id, Amount, CloseDate, IsWon, Probability, CreatedDate FROM Opportunity WHERE Amount != null LIMIT 1",
    )[0]
    assert len(record["Id"]) == 18
    assert record["Id"].startswith("006")
    assert isinstance(record["Amount"], float)
    assert date.fromisoformat(record["CloseDate"])
    assert isinstance(record["IsWon"], bool)
    assert record["CreatedDate"].endswith("+0000")
    assert len(record["CreatedDate"]) == 28


def test_date_literals_filter_relative_to_the_clock(tables: Any) -> None:
    recent = select(tables, "SELECT CreatedDate FROM Account WHERE CreatedDate = LAST_N_DAYS:90")
    older = select(tables, "SELECT CreatedDate FROM Account WHERE CreatedDate < LAST_N_DAYS:90")
    everything = select(tables, "SELECT Id FROM Account")
    assert len(recent) + len(older) == len(everything)
    assert all(r["CreatedDate"] >= "2026-08-03" for r in recent)


def test_query_all_includes_soft_deleted_rows_with_is_deleted_true(tables: Any) -> None:
    live = select(tables, "SELECT Id FROM Account WHERE IsDeleted = false")
    every = select(tables, "SELECT Id, IsDeleted, MasterRecordId FROM Account", include_deleted=True)
    assert len(select(tables, "SELECT Id FROM Account")) == len(live)
    deleted = [r for r in every if r["IsDeleted"]]
    assert len(every) == len(live) + len(deleted)
