"""Lookups by unique-valued properties (`idProperty` reads and upserts), kept up to date on writes."""

from __future__ import annotations

from sandbox.hubspot.store import LIVE, ObjectStore

__all__ = ["UniqueIndex"]


class UniqueIndex:
    """value -> row per (object type, property); built on first use, then maintained by `noted`."""

    def __init__(self) -> None:
        self._maps: dict[tuple[str, str], dict[str, int]] = {}

    def _map(self, store: ObjectStore, name: str) -> dict[str, int]:
        key = (store.object_type, name)
        found = self._maps.get(key)
        if found is None:
            found = {}
            for row in range(len(store.ids)):
                value = store.raw(row, name)
                if value is not None and store.state[row] == LIVE:
                    found[str(value)] = row
            self._maps[key] = found
        return found

    def lookup(self, store: ObjectStore, name: str, value: str) -> int | None:
        """The LIVE row holding `value` in `name`, if any."""
        if name == "hs_object_id":
            row = store.row_of(int(value)) if value.isdigit() else None
            return row if row is not None and store.state[row] == LIVE else None
        row = self._map(store, name).get(value)
        if row is None or store.state[row] != LIVE or str(store.raw(row, name)) != value:
            return None
        return row

    def noted(self, store: ObjectStore, row: int, name: str, old: object, new: object) -> None:
        """Keep the map right after `name` changed from `old` to `new` on `row`."""
        key = (store.object_type, name)
        found = self._maps.get(key)
        if found is None:
            return
        if old is not None and found.get(str(old)) == row:
            del found[str(old)]
        if new is not None:
            found[str(new)] = row

    def clear(self) -> None:
        self._maps.clear()
