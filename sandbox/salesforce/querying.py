"""REST query, queryAll and nextRecordsUrl pages: the query runs once, every page is a slice of its rows."""

from __future__ import annotations

import re
from array import array
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from sandbox.salesforce.aggregates import aggregate_query, is_aggregate
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.query import Plan, plan, run
from sandbox.salesforce.records import JsonShape
from sandbox.salesforce.store import Table
from sandbox.salesforce.values import from_ms
from sandbox.salesforce.wire import Call, Reply

if TYPE_CHECKING:
    from sandbox.salesforce.org import SalesforceOrg

DEFAULT_BATCH: Final = 2000
MIN_BATCH: Final = 200
_BATCH: Final = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
_LOCATOR: Final = re.compile(r"^([0-9A-Za-z]{15,18})-(\d+)$")


def batch_size(call: Call) -> int:
    """`Sforce-Query-Options: batchSize=N`, clamped to Salesforce's 200..2000."""
    found = _BATCH.search(call.headers.get("sforce-query-options", ""))
    if not found:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(DEFAULT_BATCH, int(found.group(1))))


def start_query(
    org: SalesforceOrg, call: Call, include_deleted: bool, tables: Mapping[str, Table] | None = None
) -> Reply:
    """GET /query/?q= and /queryAll/?q= (and the Tooling API's /tooling/query/?q= over its own tables)."""
    soql = call.params.get("q")
    if soql is None:
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    if include_deleted:
        org.purge()
    tables = org.by_name if tables is None else tables
    if is_aggregate(soql):
        answer = aggregate_query(soql, tables, include_deleted, from_ms(org.clock.now()))
        return Reply(body=answer, records=len(answer["records"]))
    bound = plan(soql, tables, include_deleted)
    rows = run(bound, tables, from_ms(org.clock.now()))
    if bound.query.count_only:
        return Reply(body={"totalSize": len(rows), "done": True, "records": []})
    size = batch_size(call)
    locator = org.cursors.open(bound, rows, tables, call.user, org.clock.now()) if len(rows) > size else None
    return _page(call, bound, rows, tables, locator, 0, size)


def more(org: SalesforceOrg, call: Call, token: str) -> Reply:
    """GET /query/<locator>-<offset> (the nextRecordsUrl of a query or queryAll)."""
    found = _LOCATOR.match(token)
    if not found:
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    cursor = org.cursors.fetch(found.group(1), org.clock.now())
    offset = int(found.group(2))
    if offset > len(cursor.rows):
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(call, cursor.plan, cursor.rows, cursor.tables, cursor.locator, offset, batch_size(call))


def _page(
    call: Call, bound: Plan, rows: array[int], tables: Mapping[str, Table], locator: str | None, offset: int, size: int
) -> Reply:
    shape = JsonShape(bound.table, bound.select, tables, call.version)
    end = min(len(rows), offset + size)
    body: dict[str, Any] = {"totalSize": len(rows), "done": end >= len(rows)}
    if end < len(rows):
        body["nextRecordsUrl"] = f"/services/data/v{call.version}/query/{locator}-{end}"
    body["records"] = shape.records(rows[offset:end])
    return Reply(body=body, records=end - offset)
