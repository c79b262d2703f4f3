"""One account's records, read by id rather than by window: the companies themselves and their deals (for a
single-account resync; nothing here is checkpointed, as a rerun reads the same few records again)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from connectors.base import Page, Position, Record, SkippedRecord, StreamSpec
from connectors.hubspot.apis import HubSpotApis
from connectors.hubspot.associations import read_company_deals
from connectors.hubspot.convert import ConversionError, RecordConverter
from connectors.hubspot.enrich import add_merges, enrich_deals
from connectors.hubspot.fetch import BATCH_SIZE
from connectors.hubspot.transport import Transport

__all__ = ["read_for_accounts"]


def read_for_accounts(
    transport: Transport,
    apis: HubSpotApis,
    spec: StreamSpec,
    properties: Sequence[str],
    converter: RecordConverter,
    company_ids: Sequence[str],
    field_errors: Mapping[str, str],
) -> Iterator[Page]:
    """Pages of the live `companies` with these ids (a merged-away id answers with its survivor, which
    names it in `_merged_from`), or of the live `deals` associated with them, read like the stream's pages.
    Archived records are not returned: the caller treats what it stored and did not see as gone after
    checking by id."""
    if spec.object == "companies":
        ids = list(dict.fromkeys(company_ids))
    else:
        associated = read_company_deals(transport, apis.associations, company_ids)
        ids = list(dict.fromkeys(deal for deals in associated.values() for deal in deals))
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        body = {"inputs": [{"id": record_id} for record_id in batch], "properties": list(properties)}
        reply = transport.call(f"read {spec.object} by id", apis.batch.read, spec.object, body, archived=False)
        results: list[dict[str, Any]] = list((reply.body or {}).get("results") or [])
        records, skipped = _convert(converter, results)
        add_merges(records)
        if spec.object == "deals":
            skipped += enrich_deals(transport, apis, records)
        yield Page(
            spec.name, records, Position("account", last_id=batch[-1]), skipped=skipped, field_errors=dict(field_errors)
        )


def _convert(converter: RecordConverter, results: list[dict[str, Any]]) -> tuple[list[Record], list[SkippedRecord]]:
    records: dict[str, Record] = {}
    skipped: list[SkippedRecord] = []
    for raw in results:
        try:
            record = converter.convert(raw)
        except (ConversionError, KeyError, TypeError) as exc:
            skipped.append(SkippedRecord(str(raw.get("id")) if raw.get("id") else None, str(exc)))
            continue
        records.setdefault(record["id"], record)  # two merged-away ids answer with one survivor
    return list(records.values()), skipped
