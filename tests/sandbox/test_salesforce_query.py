"""REST query and queryAll through the real simple-salesforce: paging, deleted rows, COUNT(), refusals."""

from __future__ import annotations

import re

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from sandbox.server import Sandbox

NEXT_URL = re.compile(r"^/services/data/v62\.0/query/01g[0-9A-Za-z]{15}-\d+$")


def test_query_all_iter_follows_next_records_urls_verbatim_in_pages_of_the_batch_size(
    sf: Salesforce, http: requests.Session
) -> None:
    pages: list[dict[str, object]] = []
    http.hooks["response"].append(lambda r, *a, **k: pages.append(r.json()) if "/query" in r.url else None)
    headers = {"Sforce-Query-Options": "batchSize=200"}
    ids = [r["Id"] for r in sf.query_all_iter("SELECT Id FROM Opportunity ORDER BY Id", headers=headers)]
    total = sf.query("SELECT COUNT() FROM Opportunity")["totalSize"]
    assert len(ids) == total == len(set(ids)) > 400
    assert ids == sorted(ids)
    assert [len(p["records"]) for p in pages[:-2]] == [200] * (len(pages) - 2)  # the last two: the tail, the COUNT()
    assert all(NEXT_URL.match(str(p["nextRecordsUrl"])) for p in pages[:-3])


def test_default_page_is_2000_records(sf: Salesforce) -> None:
    first = sf.query("SELECT Id, StageName FROM OpportunityHistory")
    assert len(first["records"]) == 2000
    assert first["done"] is False
    assert first["nextRecordsUrl"].endswith("-2000")


def test_query_all_includes_deleted_rows_and_its_locator_remembers_them(sandbox: Sandbox, sf: Salesforce) -> None:
    created = [
        sandbox.admin("create", "salesforce", object="Account", fields={"Name": f"Gone {n}"})["id"] for n in range(3)
    ]
    sandbox.admin("delete", "salesforce", object="Account", ids=created)
    soql = "SELECT Id, IsDeleted FROM Account"
    live = sf.query_all(soql)["records"]
    every = list(sf.query_all_iter(soql, include_deleted=True, headers={"Sforce-Query-Options": "batchSize=200"}))
    assert {r["Id"] for r in every if r["IsDeleted"]} >= set(created)
    assert not any(r["IsDeleted"] for r in live)
    assert len(every) == len(live) + sum(r["IsDeleted"] for r in every)


def test_select_count_answers_total_size_with_no_records(sf: Salesforce) -> None:
    answer = sf.query("SELECT COUNT() FROM Account WHERE Industry = 'Technology'")
    assert answer["records"] == []
    assert answer["done"] is True
    assert answer["totalSize"] == len(sf.query_all("SELECT Id FROM Account WHERE Industry = 'Technology'")["records"])


def test_relationship_fields_come_back_nested(sf: Salesforce) -> None:
    record = sf.query("SELECT Id, Product2.Family, Opportunity.Account.Name FROM OpportunityLineItem LIMIT 1")[
        "records"
    ][0]
    assert record["Product2"]["Family"] in {"Core", "Analytics", "Integrations", "Services"}
    assert record["Opportunity"]["Account"]["attributes"]["type"] == "Account"
    assert record["Opportunity"]["Account"]["Name"]


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Industry, COUNT(Id) FROM Account GROUP BY ROLLUP(Industry)",
        "SELECT Id, (SELECT Id FROM Opportunities) FROM Account",
        "SELECT TYPEOF Owner WHEN User THEN Email END FROM Account",
    ],
)
def test_soql_outside_the_subset_raises_the_sdks_malformed_request(sf: Salesforce, soql: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query(soql)
    assert caught.value.status == 400
    assert caught.value.content[0]["errorCode"] == "MALFORMED_QUERY"
    assert "unexpected token" in caught.value.content[0]["message"]


def test_unknown_field_is_invalid_field_with_salesforces_message(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id, Score__c FROM Account")
    error = caught.value.content[0]
    assert error["errorCode"] == "INVALID_FIELD"
    assert error["message"].startswith("\nSELECT Id, Score__c FROM Account\n           ^\nERROR at Row:1:Column:12\n")
    assert "No such column 'Score__c' on entity 'Account'" in error["message"]


@pytest.mark.parametrize("path", ["query/", "query", "queryAll/"])
def test_query_urls_accept_plus_or_percent_twenty_and_either_slash(
    sandbox: Sandbox, sf: Salesforce, http: requests.Session, path: str
) -> None:
    base = f"{sandbox.sf_url}/services/data/v62.0/{path}"
    auth = {"Authorization": f"Bearer {sf.session_id}"}
    plus = http.get(base + "?q=SELECT+Id+FROM+User+LIMIT+3", headers=auth)
    percent = http.get(base + "?q=SELECT%20Id%20FROM%20User%20LIMIT%203", headers=auth)
    assert plus.status_code == percent.status_code == 200
    assert plus.json()["records"] == percent.json()["records"]
    assert len(plus.json()["records"]) == 3


def test_responses_carry_the_api_usage_header_and_limits_agree(sf: Salesforce, http: requests.Session) -> None:
    seen: list[str] = []
    http.hooks["response"].append(lambda r, *a, **k: seen.append(r.headers.get("Sforce-Limit-Info", "")))
    sf.query("SELECT Id FROM Account LIMIT 1")
    sf.Account.describe()
    limits = sf.limits()["DailyApiRequests"]
    assert all(re.fullmatch(r"api-usage=\d+/\d+", value) for value in seen)
    assert len(seen) == 3
    used, maximum = map(int, seen[-1].removeprefix("api-usage=").split("/"))
    assert limits == {"Max": maximum, "Remaining": maximum - used}


def test_the_request_log_sees_route_templates_and_records_per_page(sandbox: Sandbox, sf: Salesforce) -> None:
    records = list(sf.query_all_iter("SELECT Id FROM Opportunity", headers={"Sforce-Query-Options": "batchSize=500"}))
    sf.Opportunity.get(records[0]["Id"])
    routes = sandbox.stats()["routes"]["salesforce"]
    first = routes["GET /services/data/v{version}/query/"]
    more = routes["GET /services/data/v{version}/query/{locator}"]
    assert first["records"] + more["records"] == len(records)
    assert more["count"] == -(-len(records) // 500) - 1
    assert routes["GET /services/data/v{version}/sobjects/{sobject}/{id}"]["records"] == 1


def test_opportunity_stages_carry_the_object_references_fields_in_sort_order(sf: Salesforce) -> None:
    fields = {f["name"] for f in sf.OpportunityStage.describe()["fields"]}
    reference = {"Id", "ApiName", "MasterLabel", "SortOrder", "IsActive", "IsClosed", "IsWon", "DefaultProbability",
                 "Description", "ForecastCategory", "ForecastCategoryName", "CreatedById", "CreatedDate",
                 "LastModifiedById", "LastModifiedDate", "SystemModstamp"}  # fmt: skip
    assert reference <= fields
    rows = sf.query_all(
        "SELECT ApiName, MasterLabel, SortOrder, IsActive, IsClosed, IsWon, DefaultProbability, ForecastCategory"
        " FROM OpportunityStage ORDER BY SortOrder"
    )["records"]
    assert [r["SortOrder"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["MasterLabel"] for r in rows][:2] == ["Prospecting", "Qualification"]  # pipeline order, not by name
    closed = {r["ApiName"]: (r["IsWon"], r["DefaultProbability"], r["ForecastCategory"]) for r in rows if r["IsClosed"]}
    assert closed == {"Closed Won": (True, 100, "Closed"), "Closed Lost": (False, 0, "Omitted")}
    # StageName holds a stage's ApiName: every opportunity's stage is one of them.
    names = {r["StageName"] for r in sf.query_all("SELECT StageName FROM Opportunity")["records"]}
    assert names <= {r["ApiName"] for r in rows}


def test_a_systemmodstamp_range_reads_the_index_and_sees_every_write(sandbox: Sandbox, sf: Salesforce) -> None:
    everything = sf.query_all("SELECT Id, SystemModstamp FROM Account ORDER BY SystemModstamp, Id")["records"]
    third = len(everything) // 3
    low, high = everything[third]["SystemModstamp"], everything[2 * third]["SystemModstamp"]
    soql = (f"SELECT Id FROM Account WHERE SystemModstamp > {low.replace('+0000', 'Z')} AND "
            f"SystemModstamp <= {high.replace('+0000', 'Z')} ORDER BY SystemModstamp, Id")  # fmt: skip
    expected = [r["Id"] for r in everything if low < r["SystemModstamp"] <= high]
    assert [r["Id"] for r in sf.query_all(soql)["records"]] == expected, "the range equals a scan, in order"

    moved = everything[0]["Id"]  # the oldest account, written now: it leaves the range's past
    sandbox.admin("update", "salesforce", object="Account", id=moved, fields={"Name": "Moved On"})
    recent = f"SELECT Id FROM Account WHERE SystemModstamp > {high.replace('+0000', 'Z')}"
    assert moved in {r["Id"] for r in sf.query_all(recent)["records"]}, "a write is seen by the next range read"


def test_date_functions_group_a_datetime_by_utc_day_and_hour(sf: Salesforce) -> None:
    soql = (
        "SELECT DAY_ONLY(SystemModstamp) d, HOUR_IN_DAY(SystemModstamp) h, COUNT(Id) n FROM Account "
        "WHERE SystemModstamp > 2020-01-01T00:00:00Z GROUP BY DAY_ONLY(SystemModstamp), HOUR_IN_DAY(SystemModstamp)"
    )
    answer = sf.query_all(soql, include_deleted=True)
    rows = list(sf.query_all_iter("SELECT SystemModstamp FROM Account WHERE SystemModstamp > 2020-01-01T00:00:00Z",
                                  include_deleted=True))  # fmt: skip
    expected: dict[tuple[str, int], int] = {}
    for row in rows:  # "2026-03-04T17:05:09.000+0000": the day and the hour read off the UTC text
        stamp = str(row["SystemModstamp"])
        assert stamp.endswith("+0000")
        key = (stamp[:10], int(stamp[11:13]))
        expected[key] = expected.get(key, 0) + 1
    got = {(r["d"], r["h"]): r["n"] for r in answer["records"]}
    assert got == expected
    assert answer["totalSize"] == len(expected) > 1
    assert all(r["attributes"] == {"type": "AggregateResult"} for r in answer["records"])


def test_calendar_year_and_month_group_unaliased_as_expr_columns(sf: Salesforce) -> None:
    soql = (
        "SELECT CALENDAR_YEAR(CreatedDate), CALENDAR_MONTH(CreatedDate), COUNT(Id) FROM Opportunity "
        "GROUP BY CALENDAR_YEAR(CreatedDate), CALENDAR_MONTH(CreatedDate)"
    )
    got = {(r["expr0"], r["expr1"]): r["expr2"] for r in sf.query_all(soql)["records"]}
    expected: dict[tuple[int, int], int] = {}
    for row in sf.query_all_iter("SELECT CreatedDate FROM Opportunity"):
        key = (int(row["CreatedDate"][:4]), int(row["CreatedDate"][5:7]))
        expected[key] = expected.get(key, 0) + 1
    assert got == expected
