"""What a page of records gets besides its properties: merges, and for deals companies and stage history."""

from __future__ import annotations

from typing import Any

from connectors.base import Record, SkippedRecord
from connectors.hubspot.apis import HubSpotApis
from connectors.hubspot.associations import read_deal_companies
from connectors.hubspot.convert import ConversionError
from connectors.hubspot.history import read_stage_histories, stage_sequence
from connectors.hubspot.transport import Transport, side_by_side

__all__ = ["add_merges", "enrich_deals"]


def add_merges(records: list[Record]) -> None:
    """`_merged_from`: the ids merged into each record (from `hs_merged_object_ids`), so the store can
    make the merged-away records follow their survivor."""
    for record in records:
        merged: Any = record.get("hs_merged_object_ids")
        if not merged:  # most records: nothing merged into them
            record["_merged_from"] = []
            continue
        ids = (part.strip() for part in str(merged).split(";"))
        record["_merged_from"] = [i for i in ids if i and i != record["id"]]


def enrich_deals(transport: Transport, apis: HubSpotApis, records: list[Record]) -> list[SkippedRecord]:
    """Attach `_associations` and `_stage_history` to live deals (two batch reads per 100 deals).

    Returns the deals whose history could not be converted; they are removed from `records`.
    """
    live = [record["id"] for record in records if not record["archived"]]
    if not live:
        return []
    histories, companies = side_by_side(lambda: read_stage_histories(transport, apis.batch, live),
                                        lambda: read_deal_companies(transport, apis.associations, live),
                                        "hs-deal-companies")  # fmt: skip
    skipped: list[SkippedRecord] = []
    kept: list[Record] = []
    for record in records:
        if record["archived"]:
            kept.append(record)
            continue
        try:
            record["_stage_history"] = stage_sequence(histories.get(record["id"], []))
        except ConversionError as exc:
            skipped.append(SkippedRecord(record["id"], f"dealstage history: {exc}"))
            continue
        record["_associations"] = companies[record["id"]].as_record()
        kept.append(record)
    records[:] = kept
    return skipped
