"""One account's records, read by id rather than by window: the companies themselves, their deals and their
contacts (for a single-account resync; nothing here is checkpointed, as a rerun reads the same few records
again)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from connectors.base import Page, Position
from connectors.hubspot.apis import HubSpotApis
from connectors.hubspot.associations import read_company_targets
from connectors.hubspot.fetch import BATCH_SIZE
from connectors.hubspot.reader import StreamReader
from connectors.hubspot.transport import Transport

__all__ = ["read_by_ids", "read_for_accounts"]


def read_for_accounts(
    transport: Transport, apis: HubSpotApis, reader: StreamReader, company_ids: Sequence[str]
) -> Iterator[Page]:
    """Pages of the live `companies` with these ids (a merged-away id answers with its survivor, which
    names it in `_merged_from`), or of the live `deals` or `contacts` associated with them (v4 associations:
    a contact linked to a company without being its primary one is the company's too), converted and
    enriched as the stream's own pages are (`reader`). Archived records are not returned: the caller treats
    what it stored and did not see as gone after checking by id."""
    if reader.spec.object == "companies":
        yield from read_by_ids(transport, apis, reader, company_ids)
        return
    associated = read_company_targets(transport, apis.associations, company_ids, reader.spec.object)
    yield from read_by_ids(transport, apis, reader, [found for ids in associated.values() for found in ids])


def read_by_ids(transport: Transport, apis: HubSpotApis, reader: StreamReader, ids: Sequence[str]) -> Iterator[Page]:
    """Pages of the stream's live records with these ids (batch reads), converted and enriched (their
    associations included) as the stream's own pages are."""
    obj, ids = reader.spec.object, list(dict.fromkeys(ids))
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        body = {"inputs": [{"id": record_id} for record_id in batch], "properties": list(reader.properties)}
        reply = transport.call(f"read {obj} by id", apis.batch.read, obj, body, archived=False)
        results: list[dict[str, Any]] = list((reply.body or {}).get("results") or [])
        records, skipped = reader.page_records(_first_of_each_id(results))
        yield reader.page(records, skipped, Position("account", last_id=batch[-1]))


def _first_of_each_id(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two merged-away ids asked together answer with their one survivor twice: keep it once."""
    seen: set[str] = set()
    kept = []
    for raw in results:
        ident = raw.get("id")
        if ident is None or str(ident) not in seen:
            kept.append(raw)
            seen.add(str(ident))
    return kept
