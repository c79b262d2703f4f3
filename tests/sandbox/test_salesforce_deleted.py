"""getDeleted through `sf.Account.deleted(start, end)`: the recycle bin's 15 days, merges, window rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from sandbox.server import Sandbox

WORLD_NOW = datetime(2026, 11, 1, tzinfo=UTC)  # the shared sandbox's WorldSpec.now


def parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def test_deleted_lists_the_recycle_bin_in_the_window_with_merges_among_them(sf: Salesforce) -> None:
    start, end = WORLD_NOW - timedelta(days=14), datetime.now(UTC)
    answer = sf.Account.deleted(start, end)
    assert set(answer) == {"deletedRecords", "earliestDateAvailable", "latestDateCovered"}
    deleted = answer["deletedRecords"]
    assert deleted, "the world deletes and merges accounts within the last two weeks"
    assert all(start <= parse(r["deletedDate"]) <= end for r in deleted)
    covered = parse(answer["latestDateCovered"])
    assert covered <= end
    assert covered.second == 0
    in_bin = sf.query_all(
        f"SELECT Id, MasterRecordId FROM Account WHERE IsDeleted = true AND SystemModstamp >= "
        f"{start.strftime('%Y-%m-%dT%H:%M:%SZ')} AND SystemModstamp < {covered.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        include_deleted=True,
    )["records"]
    assert {r["id"] for r in deleted} == {r["Id"] for r in in_bin}
    assert any(r["MasterRecordId"] for r in in_bin), "merged-away accounts name their master record"


def test_records_purged_from_the_recycle_bin_are_gone_even_for_query_all(sf: Salesforce) -> None:
    older = sf.Account.deleted(WORLD_NOW - timedelta(days=29), WORLD_NOW - timedelta(days=16))
    assert older["deletedRecords"] == []
    assert parse(older["earliestDateAvailable"]) > WORLD_NOW - timedelta(days=60)


def test_a_recent_delete_shows_up_once_its_minute_is_covered(sandbox: Sandbox, sf: Salesforce) -> None:
    created = sf.Account.create({"Name": "Deleted Soon"})["id"]
    two_minutes_ago = (datetime.now(UTC) - timedelta(minutes=2)).isoformat()
    sandbox.admin("delete", "salesforce", object="Account", ids=[created], stamp=two_minutes_ago)
    window = (datetime.now(UTC) - timedelta(minutes=5), datetime.now(UTC))
    assert created not in {r["id"] for r in sf.Opportunity.deleted(*window)["deletedRecords"]}
    assert created in {r["id"] for r in sf.Account.deleted(*window)["deletedRecords"]}
    just_now = sf.Account.create({"Name": "Deleted This Minute"})["id"]
    minute = datetime.now(UTC).replace(second=0, microsecond=0)
    sf.Account.delete(just_now)
    answer = sf.Account.deleted(window[0], datetime.now(UTC) + timedelta(minutes=1))
    if datetime.now(UTC).replace(second=0, microsecond=0) == minute:  # the clock did not cross a minute meanwhile
        assert just_now not in {r["id"] for r in answer["deletedRecords"]}, "not covered until its minute has passed"
    assert parse(answer["latestDateCovered"]) <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (WORLD_NOW - timedelta(days=31), WORLD_NOW, "startDate cannot be more than 30 days ago"),
        (WORLD_NOW, WORLD_NOW - timedelta(days=1), "startDate must chronologically precede endDate"),
    ],
)
def test_windows_outside_the_rules_are_invalid_replication_dates(
    sf: Salesforce, start: datetime, end: datetime, message: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.deleted(start, end)
    assert caught.value.content == [{"message": message, "errorCode": "INVALID_REPLICATION_DATE"}]


def test_naive_datetimes_build_a_url_salesforce_refuses(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.deleted(datetime(2026, 10, 25), datetime(2026, 10, 30))
    assert caught.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"
