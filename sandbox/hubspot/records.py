"""Rendering stored rows as HubSpot's `SimplePublicObject` JSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sandbox.hubspot.object_types import ObjectType, record_url
from sandbox.hubspot.store import ARCHIVED, HistoryEntry, ObjectStore
from sandbox.hubspot.timestamps import iso_ms, iso_pair

__all__ = ["ReadShape", "object_json", "property_names"]


class ReadShape:
    """Which properties (and histories) a read asks for, compiled once per request into fast readers."""

    __slots__ = ("fetchers", "history", "names")

    def __init__(self, store: ObjectStore, names: list[str], history: list[str] | None = None) -> None:
        self.names = names
        self.history = history or []
        self.fetchers: list[tuple[str, Callable[[int], str | None] | None]] = [
            (name, store.fetcher(name)) for name in names
        ]


def property_names(store: ObjectStore, otype: ObjectType, asked: Sequence[str] | None) -> list[str]:
    """The properties a read returns: the ones asked that exist (or the type's defaults), plus the
    three HubSpot always includes, in alphabetical order as HubSpot writes them."""
    base = [a for a in (asked or otype.default_properties) if a in store.schema]
    always = ("createdate", otype.modified_name, "hs_object_id")
    return sorted({*base, *always})


def _history_json(store: ObjectStore, name: str, entry: HistoryEntry) -> dict[str, Any]:
    value = entry.value
    if isinstance(value, int):
        value = store.render(name, value)
    out: dict[str, Any] = {"value": value if value is not None else "", "timestamp": iso_ms(entry.timestamp),
                           "sourceType": entry.source.type}  # fmt: skip
    if entry.source.id is not None:
        out["sourceId"] = entry.source.id
    if entry.source.user_id is not None:
        out["updatedByUserId"] = entry.source.user_id
    return out


def object_json(store: ObjectStore, row: int, shape: ReadShape, *, trace_id: str | None = None) -> dict[str, Any]:
    """One record; `propertiesWithHistory` lists values newest first, as HubSpot does."""
    object_id = str(store.ids[row])
    created, created_at = iso_pair(store.created[row])
    updated, updated_at = iso_pair(store.updated[row])
    virtual = {"hs_object_id": object_id, "createdate": created, store.modified_name: updated}
    properties = {name: virtual[name] if fetch is None else fetch(row) for name, fetch in shape.fetchers}
    out: dict[str, Any] = {"id": object_id, "properties": properties}
    if shape.history:
        out["propertiesWithHistory"] = {
            name: [_history_json(store, name, e) for e in reversed(store.history_of(row, name))]
            for name in shape.history
        }
    out["createdAt"] = created_at
    out["updatedAt"] = updated_at
    archived = store.state[row] == ARCHIVED
    out["archived"] = archived
    if archived:
        out["archivedAt"] = iso_ms(store.archived_at.get(row, store.updated[row]))
    if trace_id is not None:
        out["objectWriteTraceId"] = trace_id
    out["url"] = record_url(store.object_type, object_id)
    return out
