"""Bulk API 2.0 against the sandbox: chosen above the threshold, resumed mid-job, REST when it fails."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from itertools import chain
from typing import Any

import requests
import sqlalchemy as sa

from connectors.base import Page, Window
from connectors.salesforce import BulkSettings, SalesforceConnector, connect
from connectors.salesforce.bulk import _lines
from sync import build_engine, session, upgrade
from sync.pull.cursors import load

from .conftest import FAST_RETRY, SfConn

SF = "salesforce"
END = datetime(2027, 1, 1, tzinfo=UTC)
SMALL_CHUNKS = BulkSettings(max_records=150, page_size=100, poll_first=0.02)


def ids(pages: list[Page]) -> list[str]:
    return [r["Id"] for p in pages for r in p.records]


def bulk_connector(sf_conn: SfConn, session: requests.Session | None = None) -> SalesforceConnector:
    return connect(
        "sandbox-sf", sf_conn(), bulk_threshold=100, page_size=200, bulk=SMALL_CHUNKS, retry=FAST_RETRY,
        session=session,
    )  # fmt: skip


def rest_ids(sf: SalesforceConnector, stream: str) -> list[str]:
    [spec] = sf.streams([stream])
    return ids(list(sf.read(spec, Window(None, END))))


def test_a_large_window_is_read_through_bulk_in_the_same_order_as_rest(
    sandbox: Any, sf_conn: SfConn, sf: SalesforceConnector
) -> None:
    expected = rest_ids(sf, "OpportunityHistory")  # 640 rows: above the threshold of 100
    connector = bulk_connector(sf_conn)
    [spec] = connector.streams(["OpportunityHistory"])
    pages = list(connector.read(spec, Window(None, END)))
    connector.close()
    assert {p.position.mode for p in pages} == {"bulk"}
    assert ids(pages) == expected
    assert pages[-1].position.blob["job_id"] not in sandbox.sf_org.jobs.by_id  # deleted once read
    assert all(len(p.records) <= 100 for p in pages)
    assert pages[-1].position.complete is True
    assert [p.position.complete for p in pages].count(True) == 1
    first = pages[0].records[0]
    assert isinstance(first["CreatedDate"], datetime)
    assert first["CreatedDate"].tzinfo is UTC


def test_a_crash_mid_bulk_resumes_from_the_saved_locator_without_gaps_or_duplicates(sf_conn: SfConn, sf) -> None:
    expected = rest_ids(sf, "OpportunityHistory")
    first = bulk_connector(sf_conn)
    [spec] = first.streams(["OpportunityHistory"])
    reader = first.read(spec, Window(None, END))
    taken = [next(reader) for _ in range(3)]  # rows 0-99, 100-149 (chunk end), 150-249 (mid-chunk)
    blobs = [p.position.blob for p in taken]
    assert [b["offset"] for b in blobs] == [100, 0, 100]
    assert blobs[0]["locator"] == ""  # the first chunk has none
    assert blobs[1]["locator"] == blobs[2]["locator"] != ""  # the second chunk's, from the first's answer
    assert len({b["job_id"] for b in blobs}) == 1
    reader.close()
    first.close()
    saved = taken[-1].position
    assert saved.mode == "bulk"
    assert saved.blob["job_id"]

    again = bulk_connector(sf_conn)
    rest = list(again.read(spec, Window(None, END), resume=saved))
    again.close()
    assert {p.position.mode for p in rest} == {"bulk"}
    assert ids(taken) + ids(rest) == expected


def test_a_job_gone_before_the_resume_falls_back_to_rest_from_the_cursor(sf_conn: SfConn, sf) -> None:
    expected = rest_ids(sf, "OpportunityHistory")
    first = bulk_connector(sf_conn)
    [spec] = first.streams(["OpportunityHistory"])
    reader = first.read(spec, Window(None, END))
    taken = [next(reader), next(reader)]
    reader.close()
    saved = taken[-1].position
    assert saved.blob["job_id"]
    first.org.request("delete job", "DELETE", f"jobs/query/{saved.blob['job_id']}")
    first.close()

    again = bulk_connector(sf_conn)
    rest = list(again.read(spec, Window(None, END), resume=saved))
    again.close()
    assert {p.position.mode for p in rest} == {"rest"}
    assert ids(taken) + ids(rest) == expected


def test_a_failed_job_falls_back_to_rest(sandbox: Any, sf_conn: SfConn, sf) -> None:
    expected = rest_ids(sf, "OpportunityHistory")
    session = requests.Session()

    def fail_new_jobs(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.request.method == "POST" and (response.request.url or "").endswith("/jobs/query"):
            sandbox.admin("fail_job", SF, id=response.json()["id"])

    session.hooks["response"].append(fail_new_jobs)
    connector = bulk_connector(sf_conn, session)
    [spec] = connector.streams(["OpportunityHistory"])
    pages = list(connector.read(spec, Window(None, END)))
    connector.close()
    assert {p.position.mode for p in pages} == {"rest"}
    assert ids(pages) == expected


def test_an_object_bulk_does_not_support_is_read_through_rest(sf_conn: SfConn) -> None:
    connector = connect("sandbox-sf", sf_conn(), bulk_threshold=1, page_size=200, bulk=SMALL_CHUNKS, retry=FAST_RETRY)
    [spec] = connector.streams(["OpportunityStage"])
    pages = list(connector.read(spec, Window(None, END)))
    connector.close()
    assert [p.position.mode for p in pages] == ["rest"]
    assert len(pages[0].records) >= 5


def test_bulk_job_creation_that_keeps_answering_5xx_falls_back_to_rest(sandbox: Any, sf_conn: SfConn, sf) -> None:
    expected = rest_ids(sf, "OpportunityHistory")
    sandbox.add_fault(crm=SF, kind="status", code=503, method="POST", path="/jobs/query", regex=True)
    connector = bulk_connector(sf_conn)
    [spec] = connector.streams(["OpportunityHistory"])
    pages = list(connector.read(spec, Window(None, END)))
    connector.close()
    sandbox.faults.clear()
    assert {p.position.mode for p in pages} == {"rest"}
    assert ids(pages) == expected
    refused = [e for e in sandbox.log.recent if e.method == "POST" and e.path.endswith("/jobs/query")]
    assert refused
    assert {e.status for e in refused} == {503}  # every try was refused; REST read it all


def test_a_compound_address_asked_for_is_read_through_bulk_as_its_components(sandbox: Any, sf_conn: SfConn) -> None:
    connector = connect("sandbox-sf", sf_conn(), bulk_threshold=1, page_size=200, bulk=SMALL_CHUNKS, retry=FAST_RETRY,
                        extra_fields={"Account": ["BillingAddress", "Phone"]})  # fmt: skip
    [spec] = connector.streams(["Account"])
    pages = list(connector.read(spec, Window(None, END)))
    connector.close()
    assert {p.position.mode for p in pages} == {"bulk"}
    assert "BillingAddress" not in spec.fields
    assert {"BillingStreet", "BillingCity", "BillingPostalCode", "BillingCountry", "Phone"} <= set(spec.fields)
    table = sandbox.sf_org.table("Account")
    truth = {table.id_of(r): (table.get(r, "BillingCity"), table.get(r, "Phone")) for r in table.rows(True)}
    read = {r["Id"]: (r["BillingCity"], r["Phone"]) for p in pages for r in p.records}
    assert read
    assert {i: truth[i] for i in read} == read


def test_a_bulk_position_stored_before_the_blob_resumes_the_job_after_the_upgrade(
    database_url: str, sf_conn: SfConn, sf: SalesforceConnector
) -> None:
    """A store written before migration 0015 (job id and locator in their own columns, the offset in
    `state["extra"]`) upgrades to a position whose blob resumes the same Bulk job mid-chunk."""
    expected = rest_ids(sf, "OpportunityHistory")
    first = bulk_connector(sf_conn)
    [spec] = first.streams(["OpportunityHistory"])
    reader = first.read(spec, Window(None, END))
    taken = [next(reader) for _ in range(3)]  # mid-way through the second chunk
    reader.close()
    first.close()
    at = taken[-1].position
    engine = build_engine(database_url)
    upgrade(engine, "0014")
    old = sa.table("stream_cursor", *(sa.column(n) for n in ("job", "connection", "stream", "mode", "last_id",
                   "bulk_job_id", "bulk_locator")), sa.column("state", sa.JSON()))  # fmt: skip
    with engine.begin() as conn:
        conn.execute(sa.insert(old).values(
            job="j", connection="sf", stream=spec.name, mode="bulk", last_id=at.last_id,
            bulk_job_id=at.blob["job_id"], bulk_locator=at.blob["locator"],
            state={"position_cursor": at.cursor.isoformat() if at.cursor else None,
                   "extra": {"offset": at.blob["offset"]}},
        ))  # fmt: skip
    upgrade(engine)
    with session(engine) as s:
        resumed = load(s, job="j", connection="sf", stream=spec.name).position
    engine.dispose()
    assert resumed == at

    again = bulk_connector(sf_conn)
    rest = list(again.read(spec, Window(None, END), resume=resumed))
    again.close()
    assert {p.position.mode for p in rest} == {"bulk"}
    assert ids(taken) + ids(rest) == expected


def test_csv_cut_into_chunks_anywhere_reads_as_the_whole_body() -> None:
    body = 'Id,Name,Description\n001A,"Acme, Inc.","two\nlines"\n001B,Née,"cr\r\nlf"\n001C,,\n001D,"q""uote",x'
    whole = list(csv.reader(io.StringIO(body, newline="")))
    data = body.encode()
    for size in (1, 2, 3, 5, 8, 13, len(data)):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]  # 'é' is cut between its two bytes too
        assert list(csv.reader(chain.from_iterable(_lines(chunks)))) == whole
