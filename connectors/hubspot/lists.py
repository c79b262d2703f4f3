"""HubSpot company lists (Lists API v3) through hubspot-api-client: find or create a MANUAL list, read its
members, add and remove members. Every method is one or more counted API calls."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import hubspot
import hubspot.crm.lists as lists
import urllib3

from config.models import HubSpotConnection
from connectors.errors import FatalError
from connectors.list_change import ListChange

__all__ = ["COMPANIES", "HubSpotLists", "ListChange"]

COMPANIES: Final = "0-2"  # the objectTypeId of companies
_BATCH: Final = 250  # ids per membership change (our own bound: one request stays small)


class HubSpotLists:
    """The Lists API of one HubSpot connection; `calls` counts the requests made."""

    def __init__(self, name: str, conn: HubSpotConnection) -> None:
        options: dict[str, Any] = {"access_token": conn.token.get_secret_value(), "host": conn.base_url.rstrip("/"),
                                   "retry": urllib3.Retry(0)}  # fmt: skip
        if conn.ca_bundle is not None:
            options["ssl_ca_cert"] = str(conn.ca_bundle)
        api = hubspot.Client.create(**options).crm.lists
        self.name = name
        self.calls = 0
        self._lists, self._members = api.lists_api, api.memberships_api

    def close(self) -> None:
        """Close the SDK's connection pools."""
        for api in (self._lists, self._members):
            manager = api.api_client.rest_client.pool_manager
            for key in list(manager.pools.keys()):
                pool = manager.pools.get(key)
                if pool is not None:
                    pool.close()
            manager.clear()

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        try:
            return method(*args, **kwargs)
        except lists.ApiException as exc:
            raise FatalError(self.name, f"lists API answered {exc.status}: {exc.reason}", status=exc.status) from None

    def find(self, list_name: str) -> str | None:
        """The id of the company list with this name, or None."""
        self.calls += 1
        try:
            return str(self._lists.get_by_name(list_name, COMPANIES).list.list_id)
        except lists.ApiException as exc:
            if exc.status == 404:
                return None
            raise FatalError(self.name, f"lists API answered {exc.status}: {exc.reason}", status=exc.status) from None

    def create(self, list_name: str) -> str:
        """Create a MANUAL company list; its id."""
        request = lists.ListCreateRequest(name=list_name, object_type_id=COMPANIES, processing_type="MANUAL")
        return str(self._call(self._lists.create, request).list.list_id)

    def members(self, list_id: str) -> set[str]:
        """Every record id in the list."""
        found: set[str] = set()
        after = None
        while True:
            page = self._call(self._members.get_page, list_id, after=after, limit=250)
            found |= {str(row.record_id) for row in page.results}
            if page.paging is None or page.paging.next is None:
                return found
            after = page.paging.next.after

    def add(self, list_id: str, record_ids: Iterable[str]) -> ListChange:
        """Add the records, `_BATCH` per call."""
        return self._change(self._members.add, list_id, sorted(record_ids), "records_ids_added")

    def remove(self, list_id: str, record_ids: Iterable[str]) -> ListChange:
        """Remove the records, `_BATCH` per call."""
        return self._change(self._members.remove, list_id, sorted(record_ids), "record_ids_removed")

    def _change(self, method: Any, list_id: str, ids: list[str], done_name: str) -> ListChange:
        done: list[str] = []
        missing: list[str] = []
        for start in range(0, len(ids), _BATCH):
            answer = self._call(method, list_id, ids[start : start + _BATCH])
            done += [str(x) for x in getattr(answer, done_name) or []]
            missing += [str(x) for x in answer.record_ids_missing or []]
        return ListChange(tuple(done), tuple(missing))
