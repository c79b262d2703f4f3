"""Writes through sObject Collections: 200 records a call, `allOrNone=false`, results mapped back in order."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, TypeVar

from connectors.base import RecordUpdate, WriteResult
from connectors.salesforce.session import OrgSession
from connectors.salesforce.soql import datetime_literal
from connectors.traits import SALESFORCE

COLLECTION_SIZE: Final = SALESFORCE.write_batch
T = TypeVar("T")


def wire_value(value: Any) -> Any:
    """A value as Salesforce JSON takes it: Decimal rounded once to a float, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return datetime_literal(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def batches_of(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def batches(updates: Sequence[RecordUpdate], size: int = COLLECTION_SIZE) -> Iterator[Sequence[RecordUpdate]]:
    """Consecutive slices of at most `size` updates (200: one sObject Collections call)."""
    return batches_of(updates, size)


def result_of(record_id: str, answer: Mapping[str, Any]) -> WriteResult:
    """One entry of a collection answer (`{"id", "success", "errors": [{"statusCode", "message", "fields"}]}`)."""
    if answer.get("success"):
        return WriteResult(record_id, True)
    errors = answer.get("errors") or [{}]
    first = errors[0]
    return WriteResult(
        record_id,
        False,
        code=str(first.get("statusCode") or "UNKNOWN"),
        message=str(first.get("message") or ""),
        fields=tuple(str(f) for f in first.get("fields") or ()),
    )


def _records(obj: str, batch: Sequence[RecordUpdate], key: str) -> list[dict[str, Any]]:
    return [
        {"attributes": {"type": obj}, key: u.record_id, **{k: wire_value(v) for k, v in u.values.items()}}
        for u in batch
    ]


def _send(org: OrgSession, what: str, path: str, records: list[dict[str, Any]]) -> list[Mapping[str, Any]]:
    body = {"allOrNone": False, "records": records}
    timeout = org.retry.timeout
    answer = org.call(what, lambda sf: sf.restful(path, method="PATCH", json=body, timeout=timeout))
    return list(answer or [])


def update_collections(org: OrgSession, obj: str, updates: Sequence[RecordUpdate]) -> Iterator[list[WriteResult]]:
    """`PATCH /composite/sobjects` per 200 updates; yields each call's results in input order."""
    for batch in batches(updates):
        answers = _send(org, f"update {obj}", "composite/sobjects", _records(obj, batch, "id"))
        yield _in_order(batch, answers)


def upsert_collections(
    org: OrgSession, obj: str, external_id: str, updates: Sequence[RecordUpdate]
) -> Iterator[list[WriteResult]]:
    """`PATCH /composite/sobjects/{obj}/{external_id}`: `record_id` of each update is its external id value."""
    for batch in batches(updates):
        path = f"composite/sobjects/{obj}/{external_id}"
        answers = _send(org, f"upsert {obj} by {external_id}", path, _records(obj, batch, external_id))
        yield _in_order(batch, answers)


def _in_order(batch: Sequence[RecordUpdate], answers: list[Mapping[str, Any]]) -> list[WriteResult]:
    results = [result_of(u.record_id, a) for u, a in zip(batch, answers, strict=False)]
    missing = batch[len(results) :]
    results += [WriteResult(u.record_id, False, "NO_RESULT", "Salesforce returned no result for it") for u in missing]
    return results
