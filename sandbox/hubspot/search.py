"""Evaluating a CRM search over one store: O(page) index paths, filtered scans, one sort, a small cache.

Three shapes are answered from an index, as a keyset or an incremental sync pages them: only
`hs_object_id` ranges sorted by `hs_object_id` (or unsorted), and only last-modified ranges sorted by the
last-modified date ascending, straight from the index without looking at other rows; and `hs_object_id`
ranges together with a last-modified range sorted by `hs_object_id` (or unsorted), a keyset over the
window's rows in id order, kept per store version and window so that each page costs O(log n + page)
whatever its id bound. Everything else is a filtered scan of the narrowest index range, whose ordered
result is cached per store version, so the following pages of the same search cost O(page).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Final

from sandbox.hubspot.errors import ValidationError
from sandbox.hubspot.filters import RANGE_OPERATORS, Predicate, bounds, getter, kind_of, predicate
from sandbox.hubspot.object_types import ObjectType
from sandbox.hubspot.search_request import Filter, SearchRequest
from sandbox.hubspot.store import LIVE, ROW_BITS, ROW_MASK, ObjectStore
from sandbox.hubspot.timestamps import parse_instant

__all__ = ["SearchEngine"]

_CACHE_SIZE: Final = 8
Span = tuple[int | None, int | None]  # an inclusive range; None: open on that side


def _indexed_only(group: tuple[Filter, ...], *names: str) -> bool:
    """Every filter of the group is a parseable range on one of `names` (so an index answers it exactly)."""
    return all(
        f.property in names and f.operator in RANGE_OPERATORS and f.value is not None
        and parse_instant(f.value) is not None and (f.operator != "BETWEEN" or parse_instant(f.high or "") is not None)
        for f in group
    )  # fmt: skip


class SearchEngine:
    """Answers `(total, page rows)` for a search; keeps the last few full results per store version."""

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[object, ...], list[int]] = OrderedDict()

    def __getstate__(self) -> dict[str, object]:
        return {}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._cache = OrderedDict()

    def page(self, store: ObjectStore, otype: ObjectType, request: SearchRequest) -> tuple[int, list[int]]:
        fast = self._index_page(store, request)
        if fast is not None:
            return fast
        rows = self._matching(store, otype, request)
        return len(rows), rows[request.after : request.after + request.limit]

    # ---- index paths -----------------------------------------------------------------------------
    def _index_page(self, store: ObjectStore, request: SearchRequest) -> tuple[int, list[int]] | None:
        if request.query is not None or len(request.groups) > 1:
            return None
        group = request.groups[0] if request.groups else ()
        sort = request.sort
        if sort in (None, ("hs_object_id", False)) and _indexed_only(group, "hs_object_id"):
            return self._id_page(store, bounds(group, "hs_object_id") or (None, None), request)
        modified = store.modified_name
        if sort == (modified, False) and group and _indexed_only(group, modified):
            return self._modified_page(store, bounds(group, modified) or (None, None), request)
        if sort in (None, ("hs_object_id", False)) and _indexed_only(group, "hs_object_id", modified):
            ids = bounds(group, "hs_object_id") or (None, None)
            return self._window_id_page(store, ids, bounds(group, modified) or (None, None), request)
        return None

    @staticmethod
    def _id_page(
        store: ObjectStore, span: tuple[int | None, int | None], request: SearchRequest
    ) -> tuple[int, list[int]]:
        lo, hi = span
        start = 0 if lo is None else bisect_left(store.ids, lo)
        stop = len(store.ids) if hi is None else bisect_right(store.ids, hi)
        total = store.state.count(LIVE, start, stop) if stop > start else 0
        rows: list[int] = []
        skip, state = request.after, store.state
        for row in range(start, stop):
            if state[row] != LIVE:
                continue
            if skip:
                skip -= 1
                continue
            if len(rows) == request.limit:
                break
            rows.append(row)
        return total, rows

    @staticmethod
    def _modified_page(store: ObjectStore, span: tuple[int | None, int | None],
                       request: SearchRequest) -> tuple[int, list[int]]:  # fmt: skip
        lo, hi = span
        index = store.mod_index
        start = 0 if lo is None else bisect_left(index, lo << ROW_BITS)
        stop = len(index) if hi is None else bisect_left(index, (hi + 1) << ROW_BITS)
        first = start + request.after
        keys = index[first : min(stop, first + request.limit)] if first < stop else []
        return max(0, stop - start), [key & ROW_MASK for key in keys]

    def _window_id_page(
        self, store: ObjectStore, ids: Span, window: Span, request: SearchRequest
    ) -> tuple[int, list[int]]:
        """An id range within a last-modified window, in id order: the window's LIVE rows sorted once (rows
        are in id order), then bisected by the id range."""
        key = (store.object_type, store.version, "window-by-id", window)
        rows = self._cached(key, lambda: sorted(store.modified_rows(*window)))
        lo, hi = ids
        start = 0 if lo is None else bisect_left(rows, bisect_left(store.ids, lo))
        stop = len(rows) if hi is None else bisect_left(rows, bisect_right(store.ids, hi))
        first = start + request.after
        return max(0, stop - start), rows[first : min(stop, first + request.limit)] if first < stop else []

    # ---- filtered scans --------------------------------------------------------------------------
    def _matching(self, store: ObjectStore, otype: ObjectType, request: SearchRequest) -> list[int]:
        key = (store.object_type, store.version, store.schema.version, request.cache_key())
        return self._cached(key, lambda: self._evaluate(store, otype, request))

    def _cached(self, key: tuple[object, ...], compute: Callable[[], list[int]]) -> list[int]:
        """The rows kept under `key` (now the most recently used), else `compute`d and kept, the least recently
        used dropped past `_CACHE_SIZE`."""
        rows = self._cache.get(key)
        if rows is not None:
            self._cache.move_to_end(key)
            return rows
        rows = self._cache[key] = compute()
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return rows

    def _evaluate(self, store: ObjectStore, otype: ObjectType, request: SearchRequest) -> list[int]:
        query = _query_predicate(store, otype, request.query)
        groups = request.groups or ((),)
        found: list[int] = []
        for group in groups:
            predicates = [predicate(store, f) for f in group]
            if query is not None:
                predicates.append(query)
            found.extend(row for row in _candidates(store, group) if all(p(row) for p in predicates))
        if len(groups) > 1:
            found = sorted(set(found))
        return _order(store, found, request.sort)


def _candidates(store: ObjectStore, group: tuple[Filter, ...]) -> Iterable[int]:
    """The smallest row source the group's filters allow: an id range or a last-modified range."""
    state = store.state
    start, stop = 0, len(store.ids)
    id_range = bounds(group, "hs_object_id")
    if id_range is not None:
        lo, hi = id_range
        start = 0 if lo is None else bisect_left(store.ids, lo)
        stop = len(store.ids) if hi is None else bisect_right(store.ids, hi)
    mod_range = bounds(group, store.modified_name)
    if mod_range is not None:
        modified = store.modified_rows(*mod_range)
        if len(modified) < stop - start:
            return [r for r in modified if start <= r < stop]
    return (r for r in range(start, stop) if state[r] == LIVE)


def _query_predicate(store: ObjectStore, otype: ObjectType, query: str | None) -> Predicate | None:
    """The free-text `query`: a case-insensitive match in the type's searchable text properties."""
    if query is None:
        return None
    needle = query.strip().lower()
    readers = [getter(store, n, "str") for n in otype.query_properties if n in store.schema]
    return lambda row: any(needle in (read(row) or "") for read in readers)


def _order(store: ObjectStore, rows: list[int], sort: tuple[str, bool] | None) -> list[int]:
    """Rows in the sort's order; ties by ascending id; missing values last in either direction."""
    if sort is None or sort[0] == "hs_object_id":
        ordered = sorted(rows)
        return ordered[::-1] if sort is not None and sort[1] else ordered
    name, descending = sort
    prop = store.schema.get(name)
    if prop is None:
        raise ValidationError(f"Cannot sort by {name}: there is no such property on {store.object_type}")
    get = getter(store, name, kind_of(prop.type))
    keyed = [(get(row), row) for row in rows]
    present = sorted((k for k in keyed if k[0] is not None), key=lambda k: k[1])
    present.sort(key=lambda k: k[0], reverse=descending)
    missing = sorted(row for value, row in keyed if value is None)
    return [row for _, row in present] + missing
