"""Query locators: a query's ordered row list, kept so every `nextRecordsUrl` page is cut from it in O(page)."""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.ids import KEY_PREFIXES, make_id
from sandbox.salesforce.query import Plan
from sandbox.salesforce.store import Table

MAX_OPEN_PER_USER: Final = 10  # Salesforce keeps at most 10 open cursors per user; the oldest goes first
IDLE_MS: Final = 15 * 60 * 1000  # and drops a cursor after 15 minutes without a fetch


@dataclass(slots=True)
class Cursor:
    locator: str
    plan: Plan  # remembers whether deleted rows are included (queryAll) and what to select
    rows: array[int]
    tables: Mapping[str, Table]  # the org's tables, or the Tooling API's
    user: int
    touched: int


class Cursors:
    """Open query cursors by locator id."""

    def __init__(self) -> None:
        self._open: OrderedDict[str, Cursor] = OrderedDict()
        self._issued = 0

    def __len__(self) -> int:
        return len(self._open)

    def open(self, plan: Plan, rows: array[int], tables: Mapping[str, Table], user: int, now_ms: int) -> str:
        self._expire(now_ms)
        mine = [c.locator for c in self._open.values() if c.user == user]
        for locator in mine[: max(0, len(mine) - MAX_OPEN_PER_USER + 1)]:
            del self._open[locator]
        locator = make_id(KEY_PREFIXES["QueryLocator"], self._issued)
        self._issued += 1
        self._open[locator] = Cursor(locator, plan, rows, tables, user, now_ms)
        return locator

    def fetch(self, locator: str, now_ms: int) -> Cursor:
        self._expire(now_ms)
        cursor = self._open.get(locator)
        if cursor is None:
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        cursor.touched = now_ms
        self._open.move_to_end(locator)
        return cursor

    def _expire(self, now_ms: int) -> None:
        stale = [k for k, c in self._open.items() if now_ms - c.touched > IDLE_MS]
        for locator in stale:
            del self._open[locator]
