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
from connectors.salesforce.histogram import Bucket
from connectors.salesforce.slices import balanced_cut, slice_count

from .conftest import FAKE_URL, FAST_RETRY, token_answer

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SPEC = StreamSpec("Account", "Account", "Id", "SystemModstamp", ("Id", "Name", "SystemModstamp"))


@pytest.mark.parametrize(
    ("records", "page", "ceiling", "n"),
    [(0, 2000, 4, 1), (2000, 2000, 4, 1), (2001, 2000, 4, 2), (10**6, 200, 4, 4), (10**6, 2000, 16, 8)],
)
def test_one_slice_a_page_at_most_never_above_the_ceiling_nor_eight_open_cursors(records, page, ceiling, n) -> None:
    assert slice_count(records, page, ceiling) == n


H, M, MS = timedelta(hours=1), timedelta(minutes=1), timedelta(milliseconds=1)


@pytest.mark.parametrize(
    ("window", "buckets", "n", "expected"),
    [
        # 400 records: 100 in hour 0, none in hour 1, 100 in hour 2, 200 in hour 3; a quarter is 100 records:
        # the edges fall at the end of hour 0, the end of hour 2 and half way through hour 3.
        (Window(T0, T0 + 4 * H), [Bucket(T0, T0 + H, 100), Bucket(T0 + 2 * H, T0 + 3 * H, 100),
                                  Bucket(T0 + 3 * H, T0 + 4 * H, 200)], 4,
         [(T0, T0 + H), (T0 + H, T0 + 3 * H), (T0 + 3 * H, T0 + 3.5 * H), (T0 + 3.5 * H, T0 + 4 * H)]),
        # a full read: 10 records in January, 30 in February; half is 20: a third of the way into February
        # (28 days / 3 = 9 days 8 hours); the first slice keeps no start, the last ends at the window's end.
        (Window(None, datetime(2026, 3, 1, tzinfo=UTC)),
         [Bucket(T0, datetime(2026, 2, 1, tzinfo=UTC), 10),
          Bucket(datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC), 30)], 2,
         [(None, datetime(2026, 2, 10, 8, tzinfo=UTC)),
          (datetime(2026, 2, 10, 8, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))]),
        # the hour is clipped to a 2 ms window: edges at 0.5, 1 and 1.5 ms fall to whole ms, 0 and 1 ms twice
        (Window(T0, T0 + timedelta(milliseconds=2)), [Bucket(T0, T0 + H, 10)], 4,
         [(T0, T0 + timedelta(milliseconds=1)), (T0 + timedelta(milliseconds=1), T0 + timedelta(milliseconds=2))]),
        # 400 records edited in a burst between 0:50:00.000 and 0:50:00.399 of a window's one hour: cut there
        (Window(T0, T0 + H), [Bucket(T0, T0 + H, 400, T0 + 50 * M, T0 + 50 * M + 399 * MS)], 4,
         [(T0, T0 + 50 * M + 100 * MS), (T0 + 50 * M + 100 * MS, T0 + 50 * M + 200 * MS),
          (T0 + 50 * M + 200 * MS, T0 + 50 * M + 300 * MS), (T0 + 50 * M + 300 * MS, T0 + H)]),
        (Window(T0, T0 + H), [], 4, [(T0, T0 + H)]),  # nothing counted: one slice
        (Window(T0, T0 + H), [Bucket(T0, T0 + H, 5000)], 1, [(T0, T0 + H)]),
    ],
)  # fmt: skip
def test_a_balanced_cut_puts_its_edges_where_the_histogram_reaches_each_share(window, buckets, n, expected) -> None:
    slices = balanced_cut(window, buckets, n)
    assert [(s.start, s.end) for s in slices] == expected
    assert all(a.end == b.start for a, b in pairwise(slices))


def test_a_balanced_cut_of_skewed_stamps_holds_every_record_once_and_as_many_in_each_slice() -> None:
    # 2,000 records over ten days, half of them in the last hour (as a world's recent edits are); stamps
    # evenly spread inside each hour, 20 of them tied on one millisecond at the window's end.
    window = Window(T0, T0 + timedelta(days=10))
    stamps = [T0 + H * k + H * (j + 0.5) / 4 for k in range(239) for j in range(4)]
    stamps += [T0 + 239 * H + H * (j + 0.5) / 1024 for j in range(1024)]
    stamps = [s.replace(microsecond=s.microsecond // 1000 * 1000) for s in stamps[:-20]] + [window.end] * 20
    hours: dict[datetime, int] = {}
    for stamp in stamps:  # the histogram an org would answer, counted here by hand: records by UTC hour
        start = stamp.replace(minute=0, second=0, microsecond=0)
        hours[start] = hours.get(start, 0) + 1
    buckets = [Bucket(start, start + H, n) for start, n in hours.items()]

    slices = balanced_cut(window, buckets, 8)

    holding = [[s for s in stamps if w.start < s <= w.end] for w in slices]  # type: ignore[operator]
    assert sum(len(h) for h in holding) == len(stamps), "no record twice, none lost"
    assert len(slices) == 8
    assert max(len(h) for h in holding) <= 1.05 * len(stamps) / 8, [len(h) for h in holding]
    eighths = [T0 + timedelta(days=10) * k / 8 for k in range(9)]  # the old cut: equal spans of time
    equal_time = [[s for s in stamps if a < s <= b] for a, b in pairwise(eighths)]
    assert max(len(h) for h in equal_time) > len(stamps) / 2, "the equal-time cut leaves one slice most records"


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
        windows = [Window(T0 + timedelta(days=k), T0 + timedelta(days=k + 1)) for k in range(slices)]
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
