"""Current values of some properties for given records (batch read), e.g. to check a write that may
have landed before a crash."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from connectors.base import Record
from connectors.hubspot.convert import ConversionError, RecordConverter
from connectors.hubspot.transport import Transport

__all__ = ["BATCH_SIZE", "fetch_records"]

BATCH_SIZE: Final = 100


def fetch_records(
    transport: Transport, api: Any, obj: str, ids: Sequence[str], properties: Sequence[str], converter: RecordConverter
) -> dict[str, Record]:
    """Records by id, converted like a read; missing, archived or merged-away ids are left out (as are
    records whose values do not convert: the caller then treats them as unknown)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Record] = {}
    for start in range(0, len(wanted), BATCH_SIZE):
        batch = wanted[start : start + BATCH_SIZE]
        body = {"inputs": [{"id": record_id} for record_id in batch], "properties": list(properties)}
        reply = transport.call(f"read {obj} by id", api.read, obj, body, archived=False)
        asked = set(batch)
        for raw in (reply.body or {}).get("results") or []:
            if str(raw.get("id")) not in asked:  # a merged-away id answered by its survivor
                continue
            try:
                found[str(raw["id"])] = converter.convert(raw)
            except ConversionError:
                continue
    return found
