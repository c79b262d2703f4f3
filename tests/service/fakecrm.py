"""A fake CRM for the service tests (fakes over mocks), also loadable by a `serve` subprocess.

`accountsync serve` builds its connectors with `build` when ACCOUNTSYNC_CONNECTOR_FACTORY is
`tests.service.fakecrm:build` (PYTHONPATH at the repository): every connection is a fake Salesforce org with
FAKE_CRM_ACCOUNTS accounts served FAKE_CRM_PAGE_SIZE a page, sleeping FAKE_CRM_PAGE_SLEEP seconds before each
page (so a test can kill a replica mid-run).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors import ObjectSchema, Page, Position, Quota, StreamSpec, Window

T0 = datetime(2026, 10, 1, tzinfo=UTC)
SECRET = "fake-client-secret-Zx81"  # the deployment's secret: the tests check it never leaves the process


def sf_account(i: int, stamp: datetime, **extra: Any) -> dict[str, Any]:
    record = {"Id": f"001{i:015d}", "Name": f"Acme {i}", "Website": f"https://www.acme{i}.com", "Industry": "Software",
              "NumberOfEmployees": 100 + i, "AnnualRevenue": "1000000", "BillingCountry": "US", "OwnerId": "005A",
              "SystemModstamp": stamp, "IsDeleted": False, "CreatedDate": T0 - timedelta(days=400)}  # fmt: skip
    return record | extra


@dataclass
class FakeCrm:
    """One fake org's records per object, its paging and its pace."""

    name: str
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    page_size: int = 3
    page_sleep: float = 0.0
    calls: int = 0
    pages_served: int = 0
    reads: list[tuple[str, Position | None]] = field(default_factory=list)

    def put(self, obj: str, record: dict[str, Any]) -> None:
        self.objects.setdefault(obj, {})[str(record["Id"])] = record

    def seed(self, accounts: int) -> FakeCrm:
        for i in range(accounts):
            self.put("Account", sf_account(i, T0 + timedelta(minutes=i)))
        return self

    def connector(self, *_: Any) -> FakeConnector:
        return FakeConnector(self)


class FakeConnector:
    """Implements the read side of connectors.Connector over a FakeCrm."""

    def __init__(self, crm: FakeCrm) -> None:
        self.state = crm
        self.name = crm.name
        self.crm = "salesforce"

    def streams(self, objects: Sequence[str], *, extra_fields: Any = None) -> list[StreamSpec]:
        return [StreamSpec(o, o, "Id", "SystemModstamp", ()) for o in objects]

    def _rows(self, spec: StreamSpec, window: Window) -> list[dict[str, Any]]:
        rows = [
            r
            for r in self.state.objects.get(spec.object, {}).values()
            if (window.start is None or r["SystemModstamp"] > window.start) and r["SystemModstamp"] <= window.end
        ]
        return sorted(rows, key=lambda r: (r["SystemModstamp"], r["Id"]))

    def count(self, spec: StreamSpec, window: Window, *, live: bool = False) -> int | None:
        self.state.calls += 1
        return len(self._rows(spec, window))

    def read(self, spec: StreamSpec, window: Window, resume: Position | None = None) -> Iterator[Page]:
        self.state.reads.append((spec.object, resume))
        rows = self._rows(spec, window)
        if resume is not None and resume.cursor is not None:
            rows = [r for r in rows if (r["SystemModstamp"], r["Id"]) > (resume.cursor, resume.last_id or "")]
        for start in range(0, len(rows), self.state.page_size):
            time.sleep(self.state.page_sleep)
            chunk = rows[start : start + self.state.page_size]
            self.state.pages_served += 1
            self.state.calls += 1
            last = chunk[-1]
            yield Page(spec.name, [dict(r) for r in chunk], Position("rest", last["SystemModstamp"], last["Id"]))

    def describe(self, obj: str) -> ObjectSchema:
        return ObjectSchema(obj, {})

    def corporate_currency(self) -> str | None:
        return None  # a CRM that does not say: its records' money is taken to be in ours

    def create_fields(self, obj: str, fields: Sequence[Any]) -> None:
        return None

    def write(self, obj: str, updates: Sequence[Any]) -> Iterator[list[Any]]:
        yield from ()

    def fetch(self, obj: str, ids: Sequence[str], fields: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {}

    def quota(self) -> Quota:
        return Quota(None, None, self.state.calls)

    def charge_earlier(self, calls: int) -> None:
        self.earlier = calls  # a fake CRM has no quota to stop at: kept for tests to read

    def close(self) -> None:
        return None


_CRMS: dict[str, FakeCrm] = {}
_LOCK = threading.Lock()


def build(_deployment: Any, name: str, _job: Any) -> FakeConnector:
    """The connector factory a `serve` subprocess loads: one seeded fake org per connection, per process."""
    with _LOCK:
        if name not in _CRMS:
            crm = FakeCrm(name, page_size=int(os.environ.get("FAKE_CRM_PAGE_SIZE", "3")),
                          page_sleep=float(os.environ.get("FAKE_CRM_PAGE_SLEEP", "0")))  # fmt: skip
            _CRMS[name] = crm.seed(int(os.environ.get("FAKE_CRM_ACCOUNTS", "12")))
        return _CRMS[name].connector()
