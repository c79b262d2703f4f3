"""Concurrent slices of a Salesforce window: an exact cut, and never more calls in flight than the org's
`Sforce-Limit-Info` and the job's budget share allow."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
import requests
from pydantic import SecretStr
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from config.models import SalesforceConnection
from connectors.base import StreamSpec, Window
from connectors.budget import ApiBudget
from connectors.errors import BudgetExceededError
from connectors.salesforce import connect
from connectors.salesforce.slices import cut, slice_count

from .conftest import FAKE_URL, FAST_RETRY, token_answer

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SPEC = StreamSpec("Account", "Account", "Id", "SystemModstamp", ("Id", "Name", "SystemModstamp"))


@pytest.mark.parametrize(
    ("window", "earliest", "n", "expected"),
    [
        (Window(T0, T0 + timedelta(hours=4)), None, 4,
         [(T0, T0 + timedelta(hours=1)), (T0 + timedelta(hours=1), T0 + timedelta(hours=2)),
          (T0 + timedelta(hours=2), T0 + timedelta(hours=3)), (T0 + timedelta(hours=3), T0 + timedelta(hours=4))]),
        (Window(None, T0 + timedelta(days=2)), T0, 2, [(None, T0 + timedelta(days=1)), (T0 + timedelta(days=1),
                                                                                        T0 + timedelta(days=2))]),
        (Window(None, T0), None, 3, [(None, T0)]),  # a full read of an empty object: nothing to cut
        (Window(T0, T0 + timedelta(microseconds=1500)), None, 3, [(T0, T0 + timedelta(microseconds=1500))]),
        (Window(T0, T0 + timedelta(hours=1)), None, 1, [(T0, T0 + timedelta(hours=1))]),
    ],
)  # fmt: skip
def test_a_window_is_cut_into_consecutive_slices_that_cover_it_exactly(window, earliest, n, expected) -> None:
    slices = cut(window, earliest, n)
    assert [(s.start, s.end) for s in slices] == expected
    assert slices[0].start == window.start
    assert slices[-1].end == window.end
    assert all(a.end == b.start for a, b in pairwise(slices))
    assert all(s.end.microsecond % 1000 == 0 for s in slices[:-1]), "inner edges are whole milliseconds"


@pytest.mark.parametrize(
    ("records", "page", "ceiling", "n"), [(0, 2000, 4, 1), (2000, 2000, 4, 1), (2001, 2000, 4, 2), (10**6, 200, 4, 4)]
)
def test_a_window_gets_one_slice_a_page_at_most_and_never_more_than_the_ceiling(records, page, ceiling, n) -> None:
    assert slice_count(records, page, ceiling) == n


class SlowOrg(BaseAdapter):
    """A fake org whose queries take 40 ms; it counts the requests in flight at each arrival and answers
    `Sforce-Limit-Info: api-usage=USED/MAX` with MAX - USED = `remaining` (set by the test)."""

    def __init__(self, remaining: int) -> None:
        super().__init__()
        self.remaining = remaining
        self.lock = threading.Lock()
        self.in_flight = 0
        self.arrivals: list[tuple[int, int]] = []  # (requests in flight, remaining last answered)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = request.url or ""
        if "/oauth2/token" in url:
            return self._answer(request, token_answer()[1])
        if url.endswith("/describe"):
            fields = [{"name": f, "type": "datetime" if f == "SystemModstamp" else "string"} for f in SPEC.fields]
            return self._answer(request, {"name": "Account", "fields": fields})
        with self.lock:
            self.in_flight += 1
            self.arrivals.append((self.in_flight, self.remaining))
        time.sleep(0.04)
        with self.lock:
            self.in_flight -= 1
        return self._answer(request, {"totalSize": 0, "done": True, "records": []})

    def _answer(self, request: requests.PreparedRequest, body: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response.headers = CaseInsensitiveDict({"Sforce-Limit-Info": f"api-usage={15000 - self.remaining}/15000"})
        response.raw = io.BytesIO(json.dumps(body).encode())
        response.url, response.request, response.encoding = request.url or "", request, "utf-8"
        return response

    def close(self) -> None:
        pass


def _read_slices_at_once(org: SlowOrg, budget: ApiBudget | None, ceiling: int, slices: int) -> None:
    conn = SalesforceConnection(
        type="salesforce", login_url=FAKE_URL, auth="client_credentials", client_id=SecretStr("fake-client-id"),
        client_secret=SecretStr("fake-secret-value"),
    )  # fmt: skip
    session = requests.Session()
    session.mount("https://", org)
    sf = connect("fake-sf", conn, retry=FAST_RETRY, session=session, budget=budget, concurrency=ceiling)
    try:
        sf.describe("Account")  # the headers are known before the slices start, as after a run's first calls
        windows = cut(Window(T0, T0 + timedelta(days=slices)), None, slices)
        threads = [threading.Thread(target=lambda w=w: list(sf.read_slice(SPEC, w))) for w in windows]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sf.gate.peak <= ceiling
    finally:
        sf.close()


def test_slices_run_side_by_side_up_to_the_ceiling_when_the_quota_is_plentiful() -> None:
    org = SlowOrg(remaining=10_000)
    _read_slices_at_once(org, None, ceiling=4, slices=8)
    assert len(org.arrivals) == 8
    assert max(n for n, _ in org.arrivals) == 4, "concurrent, and never above the ceiling"


@pytest.mark.parametrize("remaining", [1, 2, 3])
def test_the_calls_in_flight_never_pass_what_the_limit_header_leaves(remaining) -> None:
    org = SlowOrg(remaining=remaining)
    _read_slices_at_once(org, None, ceiling=8, slices=8)
    assert len(org.arrivals) == 8
    assert all(n <= max(1, left) for n, left in org.arrivals), org.arrivals
    assert max(n for n, _ in org.arrivals) == remaining


def test_the_calls_in_flight_never_pass_the_jobs_share_of_the_quota() -> None:
    org = SlowOrg(remaining=10_000)
    budget = ApiBudget(connection="fake-sf", share=0.5, max_calls=4)  # 4 calls in all: describe + 3
    with pytest.raises(BudgetExceededError):
        _read_slices_at_once_strict(org, budget)
    assert max(n for n, _ in org.arrivals) <= 3


def _read_slices_at_once_strict(org: SlowOrg, budget: ApiBudget) -> None:
    errors: list[BaseException] = []
    original = threading.excepthook
    threading.excepthook = lambda args: errors.append(args.exc_value)  # type: ignore[assignment]
    try:
        _read_slices_at_once(org, budget, ceiling=8, slices=8)
    finally:
        threading.excepthook = original
    if errors:
        raise errors[0]
