"""Faults the sandbox cannot play on demand, against a fake Salesforce on the session's transport adapter."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from connectors.base import StreamSpec, Window
from connectors.budget import ApiBudget
from connectors.errors import AuthError, BudgetExceededError, QuotaExhaustedError, RetriableError
from connectors.salesforce import BulkSettings, SalesforceConnector, connect

from .conftest import FAST_RETRY, FakeSalesforce

T0 = datetime(2026, 10, 1, tzinfo=UTC)
WINDOW = Window(T0, T0 + timedelta(days=1))
SPEC = StreamSpec("Account", "Account", "Id", "SystemModstamp", ("Id", "Name", "SystemModstamp"))
DESCRIBE = (200, {"name": "Account", "fields": [
    {"name": "Id", "type": "id"}, {"name": "Name", "type": "string"}, {"name": "SystemModstamp", "type": "datetime"},
]}, {})  # fmt: skip


def _rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"attributes": {"type": "Account"}, "Id": f"001{i:015d}", "Name": f"A{i}",
         "SystemModstamp": f"2026-10-01T00:00:{i % 60:02d}.000+0000"}
        for i in range(start, start + n)
    ]  # fmt: skip


def _page(rows: list[dict[str, Any]]) -> tuple[int, dict[str, Any], dict[str, str]]:
    return 200, {"totalSize": len(rows), "done": True, "records": rows}, {}


def _error(status: int, code: str, message: str) -> tuple[int, list[dict[str, str]], dict[str, str]]:
    return status, [{"errorCode": code, "message": message}], {}


def _records(connector: SalesforceConnector) -> list[str]:
    return [r["Id"] for page in connector.read(SPEC, Window(None, WINDOW.end)) for r in page.records]


QUERY = r"/queryAll/\?q=SELECT\+Id"
COUNT = r"/queryAll/\?q=SELECT\+COUNT"


def _count(n: int) -> tuple[int, dict[str, Any], dict[str, str]]:
    return 200, {"totalSize": n, "done": True, "records": []}, {}


@pytest.fixture
def fake(fake_sf: FakeSalesforce) -> FakeSalesforce:
    fake_sf.route("GET", r"/sobjects/Account/describe$", DESCRIBE)
    fake_sf.route("GET", COUNT, _count(3))
    return fake_sf


def test_a_503_burst_is_retried_and_the_read_goes_on(fake: FakeSalesforce, fake_connector) -> None:
    unavailable = _error(503, "SERVER_UNAVAILABLE", "Server unavailable")
    fake.route("GET", QUERY, unavailable, unavailable, requests.ConnectionError("reset"), _page(_rows(3)))
    assert len(_records(fake_connector)) == 3
    assert len(fake.paths("GET")) == 2 + 4  # describe, count, then three failures and the answer


def test_retries_are_bounded(fake: FakeSalesforce, fake_connector) -> None:
    fake.route("GET", QUERY, _error(503, "SERVER_UNAVAILABLE", "Server unavailable"))
    with pytest.raises(RetriableError):
        _records(fake_connector)
    assert len([p for p in fake.paths("GET") if "queryAll" in p]) == 1 + FAST_RETRY.attempts  # count, then tries


def test_total_requests_limit_stops_at_once_without_retrying(fake: FakeSalesforce, fake_connector) -> None:
    fake.route("GET", QUERY, _error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
    with pytest.raises(QuotaExhaustedError):
        _records(fake_connector)
    assert len([p for p in fake.paths() if "queryAll" in p]) == 2  # the count, and the query refused once


def test_concurrent_request_limit_is_retried(fake: FakeSalesforce, fake_connector) -> None:
    busy = _error(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded")
    fake.route("GET", QUERY, busy, _page(_rows(2)))
    assert len(_records(fake_connector)) == 2


def test_the_budget_stops_the_job_before_the_call_that_would_pass_its_share(
    fake: FakeSalesforce, fake_sf: FakeSalesforce, fake_conn
) -> None:
    fake.limit_info = "api-usage=500/1000"
    fake.route("GET", QUERY, _page(_rows(2)))
    session = requests.Session()
    session.mount("https://", fake)
    budget = ApiBudget(connection="fake-sf", share=0.003)  # 3 calls of the 1,000 the org reports
    connector = connect("fake-sf", fake_conn, budget=budget, retry=FAST_RETRY, session=session)
    assert len(_records(connector)) == 2  # describe, count, query: the share is used up exactly
    with pytest.raises(BudgetExceededError):
        _records(connector)
    assert len(fake.paths("GET")) == 3  # the refused call was never sent
    assert connector.quota().used == 500
    assert connector.quota().limit == 1000


def test_an_expired_session_logs_in_once_and_repeats_the_call(fake: FakeSalesforce, fake_connector) -> None:
    expired = _error(401, "INVALID_SESSION_ID", "Session expired or invalid")
    fake.route("GET", QUERY, expired, _page(_rows(1)))
    assert len(_records(fake_connector)) == 1
    assert len(fake.paths("POST")) == 2  # the first login and one re-login


def test_a_second_401_after_the_relogin_is_an_auth_error(fake: FakeSalesforce, fake_connector) -> None:
    fake.route("GET", QUERY, _error(401, "INVALID_SESSION_ID", "Session expired or invalid"))
    with pytest.raises(AuthError) as caught:
        _records(fake_connector)
    assert caught.value.code == "INVALID_SESSION_ID"
    assert "fake-sf" in str(caught.value)
    assert "fake-client-secret-value" not in str(caught.value)
    assert len(fake.paths("POST")) == 2


class _Dropping(io.RawIOBase):
    """A response body that breaks after `keep` bytes, as a connection reset mid-download does."""

    def __init__(self, data: bytes, keep: int) -> None:
        self.data, self.keep, self.pos = data, keep, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.pos >= len(self.data):
            return 0
        if self.pos >= self.keep:
            raise requests.exceptions.ChunkedEncodingError("connection reset mid-body")
        n = min(len(buffer), self.keep - self.pos, 64)
        buffer[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def test_a_bulk_download_dropped_mid_body_rereads_the_chunk_without_gaps_or_duplicates(
    fake: FakeSalesforce, fake_conn
) -> None:
    lines = ["Id,Name,SystemModstamp"] + [f"001{i:015d},A{i},2026-10-01T00:00:{i:02d}.000Z" for i in range(30)]
    body = ("\n".join(lines) + "\n").encode()
    fake.route("GET", COUNT, _count(30))
    fake.route("POST", r"/jobs/query$", (200, {"id": "750000000000001AAA", "state": "UploadComplete"}, {}))
    fake.route(
        "GET", r"/jobs/query/750000000000001AAA$", (200, {"id": "750000000000001AAA", "state": "JobComplete"}, {})
    )
    fake.route("DELETE", r"/jobs/query/750000000000001AAA$", (204, b"", {}))
    headers = {"Sforce-Locator": "null", "Sforce-NumberOfRecords": "30", "Content-Type": "text/csv"}
    fake.route("GET", r"/results\?", (200, b"", headers))
    original = fake._response

    def respond(request: requests.PreparedRequest, status: int, answer: Any, extra: dict[str, str]):
        response = original(request, status, answer, extra)
        if (request.url or "").split("?")[0].endswith("/results"):
            drops = sum(1 for p in fake.paths() if p.endswith("/results"))
            response.raw = _Dropping(body, keep=400 if drops == 1 else len(body))
        return response

    fake._response = respond  # type: ignore[method-assign]
    session = requests.Session()
    session.mount("https://", fake)
    bulk = BulkSettings(page_size=4)
    connector = connect("fake-sf", fake_conn, bulk_threshold=10, page_size=4, retry=FAST_RETRY, session=session,
                        bulk=bulk)  # fmt: skip
    pages = list(connector.read(SPEC, Window(None, WINDOW.end)))
    ids = [r["Id"] for p in pages for r in p.records]
    assert ids == [f"001{i:015d}" for i in range(30)]
    assert sum(1 for p in fake.paths() if p.endswith("/results")) == 2
    assert pages[-1].position.complete is True


def test_a_delete_span_over_the_id_limit_is_halved(fake: FakeSalesforce, fake_connector) -> None:
    now = datetime.now(UTC)
    over = _error(400, "EXCEEDED_ID_LIMIT", "ID limit exceeded: narrow the date range")

    def answer(ids: list[str], covered: datetime) -> tuple[int, dict[str, Any], dict[str, str]]:
        body = {"deletedRecords": [{"id": i, "deletedDate": "2026-11-01T00:00:00.000+0000"} for i in ids],
                "earliestDateAvailable": "2026-01-01T00:00:00.000+0000",
                "latestDateCovered": covered.strftime("%Y-%m-%dT%H:%M:00.000+0000")}  # fmt: skip
        return 200, body, {}

    fake.route(
        "GET", r"/sobjects/Account/deleted/", over, answer(["001A"], now - timedelta(days=1)), answer(["001B"], now)
    )
    fake.route("GET", QUERY, _page([]))
    pages = list(fake_connector.read(SPEC, Window(now - timedelta(days=2), now)))
    assert pages[-1].deleted_ids == ["001A", "001B"]
    assert pages[-1].position.needs_full_resync is False
    assert len([p for p in fake.paths() if p.endswith("/deleted/")]) == 3
