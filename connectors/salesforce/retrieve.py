"""Current values of given records by id: sObject Collections retrieve, 200 ids a call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from connectors.base import Record
from connectors.salesforce.convert import RecordShape, convert_records
from connectors.salesforce.session import OrgSession
from connectors.salesforce.writer import batches_of

IDS_PER_CALL: Final = 200  # a GET carries the ids in the URL: ~800 fit, 200 stay far from HTTP 414


def fetch_records(
    org: OrgSession, obj: str, ids: Sequence[str], fields: Sequence[str], types: Mapping[str, str]
) -> dict[str, Record]:
    """`GET /composite/sobjects/{obj}?ids=&fields=`: records by Id, converted as reads are.

    Ids Salesforce answers `null` for (deleted, missing, not visible) are left out.
    """
    names = ("Id", *(f for f in fields if f != "Id"))
    shape = RecordShape(names, {name: types.get(name, "string") for name in names})
    found: dict[str, Record] = {}
    path, timeout = f"composite/sobjects/{obj}", org.retry.timeout

    def retrieve(params: dict[str, str]) -> Any:
        return org.call(f"retrieve {obj}", lambda sf: sf.restful(path, params=params, timeout=timeout))

    for chunk in batches_of(ids, IDS_PER_CALL):
        answer = retrieve({"ids": ",".join(chunk), "fields": ",".join(names)})
        rows = [shape.flatten(raw) for raw in answer or [] if raw]
        records, _ = convert_records(shape, rows, csv=False)
        found.update((str(r["Id"]), r) for r in records)
    return found
