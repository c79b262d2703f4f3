"""Deal stage history from `propertiesWithHistory=dealstage`, by batch read of a page's deal ids.

Search cannot return histories, and `hs_v2_date_entered_<stage>` keeps only the latest entry into each
stage, so the whole sequence is read here, 100 deals a call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from connectors.hubspot.convert import ConversionError, parse_instant
from connectors.hubspot.transport import Transport

__all__ = ["BATCH_SIZE", "StageHistory", "read_stage_histories", "stage_sequence"]

BATCH_SIZE: Final = 100
StageHistory = list[tuple[str, datetime]]


def stage_sequence(entries: Sequence[Mapping[str, Any]]) -> StageHistory:
    """(stage, entered_at) oldest first; consecutive repeats of one stage and empty values dropped.

    HubSpot lists history newest first; the order is rebuilt from the timestamps.

    Raises:
        ConversionError: when a timestamp does not read as an instant.
    """
    dated: list[tuple[datetime, str]] = []
    for entry in entries:
        value = entry.get("value")
        if value is None or value == "":
            continue
        stamp = entry.get("timestamp")
        if stamp is None:
            raise ConversionError("a dealstage history entry has no timestamp")
        dated.append((parse_instant(str(stamp)), str(value)))
    dated.sort(key=lambda pair: pair[0])
    sequence: StageHistory = []
    for entered_at, stage in dated:
        if not sequence or sequence[-1][0] != stage:
            sequence.append((stage, entered_at))
    return sequence


def read_stage_histories(transport: Transport, api: Any, deal_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Raw `dealstage` history entries per deal id (deals gone since the page was read are absent)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(deal_ids), BATCH_SIZE):
        body = {
            "inputs": [{"id": deal_id} for deal_id in deal_ids[start : start + BATCH_SIZE]],
            "properties": ["dealstage"],
            "propertiesWithHistory": ["dealstage"],
        }
        reply = transport.call("read deal stage histories", api.read, "deals", body, archived=False)
        for item in (reply.body or {}).get("results") or []:
            histories = item.get("propertiesWithHistory") or {}
            found[str(item["id"])] = list(histories.get("dealstage") or [])
    return found
