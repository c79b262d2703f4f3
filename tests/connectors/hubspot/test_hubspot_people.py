"""HubSpot contacts' associations (v4 batch reads of companies and deals), read side by side for each page."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from connectors.hubspot.people import enrich_contacts


class InlineTransport:
    """The transport's call, without retries, throttle or budget: the method's return value is the body."""

    def call(self, operation: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        return SimpleNamespace(body=method(*args, **kwargs))


class MeetingAssociations:
    """A v4 batch-read API whose two reads only answer once both are in flight: a read sent after the other has
    answered finds nobody at the barrier, which breaks after `timeout` seconds and fails the read."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.barrier = threading.Barrier(2, timeout=timeout)
        self.asked: list[str] = []

    def get_page(self, from_type: str, to_type: str, body: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(to_type)
        self.barrier.wait()
        ids = [entry["id"] for entry in body["inputs"]]
        if to_type == "companies":
            return {"results": [{"from": {"id": i}, "to": [
                {"toObjectId": 11, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 279}]},
                {"toObjectId": 12, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 1}]},
            ]} for i in ids]}  # fmt: skip
        return {"results": [{"from": {"id": i}, "to": [
            {"toObjectId": 77, "associationTypes": [{"category": "USER_DEFINED", "label": "Champion"}]},
        ]} for i in ids]}  # fmt: skip


def test_a_pages_company_and_deal_reads_are_in_flight_together() -> None:
    api = MeetingAssociations()
    records: list[dict[str, Any]] = [{"id": "1", "archived": False}, {"id": "2", "archived": False},
                                     {"id": "3", "archived": True}]  # fmt: skip
    enrich_contacts(InlineTransport(), api, records)  # type: ignore[arg-type]
    assert sorted(api.asked) == ["companies", "deals"]  # one read each, both answered: they met at the barrier
    for record in records[:2]:
        assert record["_companies"] == ["12", "11"]  # the primary company (type 1) first
        assert record["_primary_company"] == "12"
        assert record["_deals"] == [["77", "Champion"]]
    assert "_companies" not in records[2]  # archived contacts come without associations
