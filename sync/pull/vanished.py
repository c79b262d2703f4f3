"""Deletes a CRM lists only on demand: read its deleted records when the audit says live records vanished."""

from __future__ import annotations

from sqlalchemy import Engine

from connectors import Connector, ListsDeleted, StreamSpec
from connectors import RowContext as Context
from sync.pull.reconcile import Audit
from sync.pull.stream import ProgressSink, PullRequest, commit_page, stream_key
from sync.runs.records import RunRecorder
from sync.store.tables import utcnow


def records_vanished(found: Audit) -> bool:
    """The store holds more live records than the CRM counts, beyond those edited since the run started (which
    the store still counts at their earlier stamps): some were deleted since they were read."""
    return found.crm_count is not None and found.store_count > found.crm_count + (found.crm_after or 0)


def sweep_deleted(
    engine: Engine, connector: Connector, spec: StreamSpec, req: PullRequest, recorder: RunRecorder, sink: ProgressSink
) -> bool:
    """Read the connector's listing of the stream's deleted records into the store (positions untouched).

    Returns False when the connector has no such listing (its windowed reads bring deletes along)."""
    if not isinstance(connector, ListsDeleted):
        return False
    key = stream_key(connector, spec)
    ctx = Context(connector.name, connector.crm, req.run_id, utcnow(), req.opportunity_types, req.link_property)
    for page in connector.read_deleted(spec):
        commit_page(engine, connector, spec, page, req, ctx, recorder, checkpoint=False)
        sink.advanced(key, len(page.records))
    return True
