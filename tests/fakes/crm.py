"""One fake CRM for the whole suite: in-memory records per object, read in modstamp order with positions, written
with rejections, and faults to play (a crash after N pages or N write calls, a pace per page).

It implements `connectors.Connector`, so a pull, a write-back or a served replica runs on it unchanged; the records
carry the CRM's own field names (the connectors' row maps turn them into store rows, as with a real CRM).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors import (
    FieldInfo,
    FieldSpec,
    ObjectSchema,
    Page,
    Position,
    Quota,
    RecordUpdate,
    SkippedRecord,
    StreamSpec,
    Window,
    WriteResult,
)

T0 = datetime(2026, 10, 1, tzinfo=UTC)
ID_FIELD = {"salesforce": "Id", "hubspot": "hs_object_id"}
STAMP_FIELD = {"salesforce": "SystemModstamp", "hubspot": "hs_lastmodifieddate"}


class Crash(RuntimeError):
    """Raised by the fake to stand for a process dying mid-stream."""


@dataclass
class FakeCrm:
    """One CRM's records per object, and the faults to play."""

    name: str
    crm: str = "salesforce"
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    page_size: int = 3
    page_sleep: float = 0.0  # seconds before each page (a test can kill a served replica mid-run)
    crash_after_pages: int | None = None
    schema: dict[str, dict[str, FieldInfo]] = field(default_factory=dict)
    write_calls: list[tuple[str, list[RecordUpdate]]] = field(default_factory=list)
    reject_ids: dict[str, tuple[str, str]] = field(default_factory=dict)
    crash_after_write_calls: int | None = None
    created_fields: list[FieldSpec] = field(default_factory=list)
    pages_served: int = 0
    calls: int = 0
    reads: list[tuple[str, Position | None]] = field(default_factory=list)

    def put(self, obj: str, record: dict[str, Any]) -> None:
        self.objects.setdefault(obj, {})[str(record[ID_FIELD[self.crm]])] = record

    def seed(self, accounts: int) -> FakeCrm:
        """`accounts` Salesforce accounts, a minute apart from T0."""
        for i in range(accounts):
            self.put("Account", sf_account(i, T0 + timedelta(minutes=i)))
        return self

    def connector(self, *_: Any) -> FakeConnector:
        return FakeConnector(self)


class FakeConnector:
    """Implements connectors.Connector over a FakeCrm."""

    def __init__(self, crm: FakeCrm) -> None:
        self.state = crm
        self.name = crm.name
        self.crm = crm.crm  # type: ignore[assignment]

    def streams(self, objects: Sequence[str], *, extra_fields: Any = None) -> list[StreamSpec]:
        stamp = STAMP_FIELD[self.state.crm]
        return [StreamSpec(o, o, ID_FIELD[self.state.crm], stamp, ()) for o in objects]

    def _in_window(self, spec: StreamSpec, window: Window) -> list[dict[str, Any]]:
        stamp = STAMP_FIELD[self.state.crm]
        rows = [
            r
            for r in self.state.objects.get(spec.object, {}).values()
            if (window.start is None or r[stamp] > window.start) and r[stamp] <= window.end
        ]
        return sorted(rows, key=lambda r: (r[stamp], str(r[spec.primary_key])))

    def count(self, spec: StreamSpec, window: Window, *, live: bool = False) -> int | None:
        self.state.calls += 1
        rows = self._in_window(spec, window)
        if window.start is None:
            rows = [r for r in rows if not r.get("IsDeleted") and not r.get("archived")]
        return len(rows)

    def read(self, spec: StreamSpec, window: Window, resume: Position | None = None) -> Iterator[Page]:
        self.state.reads.append((spec.object, resume))
        stamp = STAMP_FIELD[self.state.crm]
        rows = self._in_window(spec, window)
        if resume is not None and resume.cursor is not None:
            rows = [r for r in rows if (r[stamp], str(r[spec.primary_key])) > (resume.cursor, resume.last_id or "")]
        size = self.state.page_size
        for start in range(0, len(rows), size):
            if self.state.crash_after_pages is not None and self.state.pages_served >= self.state.crash_after_pages:
                raise Crash("killed")
            time.sleep(self.state.page_sleep)
            chunk = rows[start : start + size]
            self.state.pages_served += 1
            self.state.calls += 1
            good = [dict(r) for r in chunk if r.get("_bad") is None]
            skipped = [SkippedRecord(str(r[spec.primary_key]), r["_bad"]) for r in chunk if r.get("_bad")]
            last = chunk[-1]
            yield Page(spec.name, good, Position("rest", last[stamp], str(last[spec.primary_key])), skipped=skipped)

    def describe(self, obj: str) -> ObjectSchema:
        return ObjectSchema(obj, dict(self.state.schema.get(obj, {})))

    def corporate_currency(self) -> str | None:
        return None  # a CRM that does not say: its records' money is taken to be in ours

    def create_fields(self, obj: str, fields: Sequence[FieldSpec]) -> None:
        kinds = {"number": "double", "percent": "percent", "text": "string", "longtext": "textarea", "date": "date"}
        for f in fields:
            self.state.created_fields.append(f)
            self.state.schema.setdefault(obj, {})[f.name] = FieldInfo(f.name, kinds[f.kind], f.label, True, f.length)

    def write(self, obj: str, updates: Sequence[RecordUpdate]) -> Iterator[list[WriteResult]]:
        state = self.state
        size = 200 if state.crm == "salesforce" else 100
        for start in range(0, len(updates), size):
            batch = list(updates[start : start + size])
            state.write_calls.append((obj, batch))
            state.calls += 1
            results = []
            for u in batch:
                if u.record_id in state.reject_ids:
                    code, message = state.reject_ids[u.record_id]
                    results.append(WriteResult(u.record_id, False, code, message))
                    continue
                state.objects[obj][u.record_id].update(u.values)
                results.append(WriteResult(u.record_id, True))
            if state.crash_after_write_calls is not None and len(state.write_calls) >= state.crash_after_write_calls:
                raise Crash("killed after the CRM accepted the batch")
            yield results

    def fetch(self, obj: str, ids: Sequence[str], fields: Sequence[str]) -> dict[str, dict[str, Any]]:
        self.state.calls += 1
        records = self.state.objects.get(obj, {})
        return {i: {f: records[i].get(f) for f in fields} for i in ids if i in records}

    def quota(self) -> Quota:
        return Quota(None, None, self.state.calls)

    def charge_earlier(self, calls: int) -> None:
        self.earlier = calls  # a fake CRM has no quota to stop at: kept for tests to read

    def close(self) -> None:
        return None


def sf_account(i: int, stamp: datetime, **extra: Any) -> dict[str, Any]:
    record = {"Id": f"001{i:015d}", "Name": f"Acme {i}", "Website": f"https://www.acme{i}.com", "Industry": "Software",
              "NumberOfEmployees": 100 + i, "AnnualRevenue": "1000000", "BillingCountry": "US", "OwnerId": "005A",
              "SystemModstamp": stamp, "IsDeleted": False, "CreatedDate": T0 - timedelta(days=400)}  # fmt: skip
    return record | extra


def sf_opportunity(i: int, account: int, stamp: datetime, **extra: Any) -> dict[str, Any]:
    record = {"Id": f"006{i:015d}", "AccountId": f"001{account:015d}", "Name": f"Deal {i}", "Amount": "12000",
              "CurrencyIsoCode": "USD", "StageName": "Closed Won", "IsClosed": True, "IsWon": True,
              "Probability": 100, "CloseDate": "2026-01-15", "CreatedDate": T0 - timedelta(days=300),
              "Type": "New Business", "SystemModstamp": stamp, "IsDeleted": False}  # fmt: skip
    return record | extra


def hs_company(i: int, stamp: datetime, **extra: Any) -> dict[str, Any]:
    record = {"hs_object_id": str(9000 + i), "name": f"Acme {i} GmbH", "domain": f"acme{i}.com", "industry": "SOFTWARE",
              "numberofemployees": "250", "hs_lastmodifieddate": stamp, "createdate": T0 - timedelta(days=200),
              "archived": False}  # fmt: skip
    return record | extra
