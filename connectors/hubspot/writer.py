"""Batched writes: `batch/update` by record id or `batch/upsert` by a unique property, 100 a call.

A 207 multi-status answer names the failed records in each error's `context.ids` (or echoes the
`objectWriteTraceId` we send with every input); those get `WriteResult(ok=False, code=category,
message)`, every other record of the batch is written. A batch refused as a whole with HubSpot's
`Property values were not valid` 400 (which names properties, not records) is split in halves until the
bad records are alone: extra calls only when something fails. Any other 400 or 409 (a property that does
not exist or is read-only, a malformed request) fails the whole batch with HubSpot's message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from connectors.base import RecordUpdate, WriteResult
from connectors.errors import ConnectorError, DataError, FatalError
from connectors.hubspot.convert import to_hubspot
from connectors.hubspot.transport import Reply, Transport
from connectors.traits import HUBSPOT

__all__ = ["BATCH_SIZE", "write_batches"]

BATCH_SIZE: Final = HUBSPOT.write_batch
# Issues that hold for every record writing the property, so splitting the batch would not help.
_SCHEMA_ISSUES: Final = frozenset({"PROPERTY_DOESNT_EXIST", "READ_ONLY_VALUE"})
_ISSUES: Final = re.compile(r"Property values were not valid: (?=\[)")


def _inputs(updates: Sequence[RecordUpdate], id_property: str | None) -> list[dict[str, Any]]:
    inputs = []
    for update in updates:
        entry: dict[str, Any] = {
            "id": update.record_id,
            "properties": {name: to_hubspot(value) for name, value in update.values.items()},
            "objectWriteTraceId": update.record_id,
        }
        if id_property is not None:
            entry["idProperty"] = id_property
        inputs.append(entry)
    return inputs


def _written_keys(reply: Reply, id_property: str | None) -> set[str]:
    keys: set[str] = set()
    for result in (reply.body or {}).get("results") or []:
        keys.add(str(result.get("id")))
        if result.get("objectWriteTraceId") is not None:
            keys.add(str(result["objectWriteTraceId"]))
        if id_property is not None:
            value = (result.get("properties") or {}).get(id_property)
            if value is not None:
                keys.add(str(value))
    return keys


def _failures(reply: Reply) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str]]]:
    """Failed record keys -> (category, message), and errors that name no record."""
    named: dict[str, tuple[str, str]] = {}
    unnamed: list[tuple[str, str]] = []
    for error in (reply.body or {}).get("errors") or []:
        detail = (str(error.get("category") or "ERROR"), str(error.get("message") or ""))
        context = error.get("context") or {}
        keys = [*(context.get("ids") or []), *(context.get("objectWriteTraceId") or [])]
        for key in keys:
            named[str(key)] = detail
        if not keys:
            unnamed.append(detail)
    return named, unnamed


def _results(reply: Reply, updates: Sequence[RecordUpdate], id_property: str | None) -> list[WriteResult]:
    written = _written_keys(reply, id_property)
    named, unnamed = _failures(reply)
    results = []
    for update in updates:
        key = update.record_id
        if key in named:
            code, message = named[key]
            results.append(WriteResult(key, False, code, message))
        elif key in written:
            results.append(WriteResult(key, True))
        else:
            code, message = unnamed[0] if unnamed else ("UNKNOWN", "HubSpot did not report this record")
            results.append(WriteResult(key, False, code, message))
    return results


def _value_issues(error: ConnectorError) -> set[str] | None:
    """The issue codes of HubSpot's `Property values were not valid: [...]` 400, or None for another 400."""
    found = _ISSUES.search(error.detail)
    if found is None:
        return None
    try:  # the list is JSON inside the message, which may go on after it
        issues, _ = json.JSONDecoder().raw_decode(error.detail, found.end())
    except ValueError:
        return None
    if not isinstance(issues, list):
        return None
    return {str(issue.get("error")) for issue in issues if isinstance(issue, Mapping)}


def _splittable(error: ConnectorError) -> bool:
    """Whether a whole-batch 400 is about some records' values (so halves isolate them), not about a
    property itself (nonexistent, read-only: every record writing it fails) nor the request."""
    codes = _value_issues(error)
    return codes is not None and bool(codes - _SCHEMA_ISSUES)


def _failed_all(updates: Sequence[RecordUpdate], error: ConnectorError) -> list[WriteResult]:
    return [WriteResult(u.record_id, False, error.code or "ERROR", error.detail) for u in updates]


def _write(
    transport: Transport, api: Any, obj: str, updates: Sequence[RecordUpdate], id_property: str | None
) -> list[WriteResult]:
    verb = "update" if id_property is None else "upsert"
    method = api.update if id_property is None else api.upsert
    try:
        reply = transport.call(f"batch {verb} {obj}", method, obj, {"inputs": _inputs(updates, id_property)})
    except DataError as exc:  # 404: the object type or every record is gone
        return _failed_all(updates, exc)
    except FatalError as exc:
        if exc.status not in (400, 409) or type(exc) is not FatalError:
            raise
        if len(updates) == 1 or not _splittable(exc):
            return _failed_all(updates, exc)
        half = len(updates) // 2
        first = _write(transport, api, obj, updates[:half], id_property)
        return first + _write(transport, api, obj, updates[half:], id_property)
    return _results(reply, updates, id_property)


def write_batches(
    transport: Transport, api: Any, obj: str, updates: Sequence[RecordUpdate], *, id_property: str | None = None
) -> Iterator[list[WriteResult]]:
    """Each batch's per-record results, in input order (one call per 100 records when all goes well).

    Args:
        transport: the connector's transport.
        api: the generated objects `BatchApi`.
        obj: `companies` or `deals`.
        updates: the records and their new values.
        id_property: upsert by this unique property (`RecordUpdate.record_id` is its value) instead of
            updating by HubSpot id.

    Several updates of one record are merged into one (later values win), so a result is per record.
    """
    unique = _merged(updates)
    for start in range(0, len(unique), BATCH_SIZE):
        yield _write(transport, api, obj, unique[start : start + BATCH_SIZE], id_property)


def _merged(updates: Sequence[RecordUpdate]) -> list[RecordUpdate]:
    """One update per record (HubSpot refuses a batch naming a record twice): later values win."""
    merged: dict[str, dict[str, Any]] = {}
    for update in updates:
        merged.setdefault(update.record_id, {}).update(update.values)
    if len(merged) == len(updates):
        return list(updates)
    return [RecordUpdate(record_id, values) for record_id, values in merged.items()]
