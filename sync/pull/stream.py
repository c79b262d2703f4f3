"""Pull one stream: pages committed with their position in one transaction, so a kill -9 loses nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from connectors import Connector, Page, StreamSpec, Window
from connectors import RowContext as Context
from sync.pull import cursors
from sync.pull.pages import mark_deleted, store_page, target_of
from sync.pull.slices import SliceRun, read_in_slices
from sync.runs.records import RunRecorder
from sync.store.engine import session
from sync.store.tables import utcnow


class ProgressSink(Protocol):
    """Who watches a run: the CLI's progress bars, or nothing."""

    def stream_started(self, stream: str, expected: int | None) -> None:
        """A stream begins; `expected` records when known."""

    def advanced(self, stream: str, records: int) -> None:
        """`records` more records were stored."""

    def stream_finished(self, stream: str) -> None:
        """The stream is done."""


class NoProgress:
    """A sink that shows nothing."""

    def stream_started(self, stream: str, expected: int | None) -> None:
        """Nothing."""

    def advanced(self, stream: str, records: int) -> None:
        """Nothing."""

    def stream_finished(self, stream: str) -> None:
        """Nothing."""


@dataclass(frozen=True, slots=True)
class PullRequest:
    """What to read of one stream in this run."""

    job: str
    run_id: int
    run_start: datetime
    lookback: timedelta
    full: bool
    opportunity_types: Mapping[str, str]
    link_property: str  # the HubSpot property linking a company to its Salesforce account
    optional_fields: frozenset[str] = frozenset()  # write-back targets: missing until provisioned, not an error


def stream_key(connector: Connector, spec: StreamSpec) -> str:
    """How a stream is named in progress and counts: `connection.stream`."""
    return f"{connector.name}.{spec.name}"


def plan_window(state: cursors.StreamState, req: PullRequest, spec: StreamSpec) -> tuple[Window, bool]:
    """The window to read and whether it resumes an unfinished one."""
    if state.window is not None and not req.full:
        return state.window, True
    if req.full or state.cursor is None or not spec.incremental or state.needs_full:
        return Window(None, req.run_start), False
    return Window(state.cursor - req.lookback, req.run_start), False


def pull_stream(
    engine: Engine, connector: Connector, spec: StreamSpec, req: PullRequest, recorder: RunRecorder, sink: ProgressSink
) -> None:
    """Read one stream's window page by page, committing each page with its position."""
    key = stream_key(connector, spec)
    with session(engine) as s:
        state = cursors.load(s, job=req.job, connection=connector.name, stream=spec.name)
    window, resuming = plan_window(state, req, spec)
    sweep_id = state.sweep_id if resuming else (req.run_id if window.start is None else None)
    if not resuming:
        with session(engine) as s, s.begin():
            cursors.begin_window(s, job=req.job, connection=connector.name, stream=spec.name, window=window,
                                 sweep_id=sweep_id, run_id=req.run_id)  # fmt: skip
    progress = recorder.stream(key)
    progress.expected = connector.count(spec, window) if spec.incremental else None
    sink.stream_started(key, progress.expected)
    ctx = Context(connector.name, connector.crm, sweep_id or req.run_id, utcnow(), req.opportunity_types,
                  req.link_property)  # fmt: skip

    def commit(page: Page, also: Callable[[Session], None] | None) -> None:
        commit_page(engine, connector, spec, page, req, ctx, recorder, checkpoint=also is None, also=also)
        sink.advanced(key, len(page.records))

    sliced = SliceRun(engine, connector, spec, req.job, commit)
    if not read_in_slices(sliced, window, resuming_whole=resuming and state.position is not None):
        for page in connector.read(spec, window, state.position if resuming else None):
            commit(page, None)
    target = target_of(connector.crm, spec.object)
    gone = confirmed_gone(engine, connector, spec, sweep_id) if sweep_id is not None and target.counted else []
    with session(engine) as s, s.begin():
        progress.deleted += mark_deleted(s, target.model, connector.name, gone, utcnow())
        needs_full = cursors.finish_window(s, job=req.job, connection=connector.name, stream=spec.name,
                                           run_id=req.run_id)  # fmt: skip
    progress.done = True
    recorder.flush(force=True)
    sink.stream_finished(key)
    if needs_full:  # deletes older than the CRM keeps them: only a full read and its sweep can find them
        recorder.extra.setdefault("notices", []).append(
            f"{key}: the window started before the CRM's delete log reaches; read in full to sweep deletes"
        )
        pull_stream(engine, connector, spec, req, recorder, sink)
    elif resuming and not req.full and window.end < req.run_start:
        # The window an interrupted run left ends when that run began: go on to what changed since, so that
        # this run, like any other, leaves the stream current as of its own start.
        pull_stream(engine, connector, spec, req, recorder, sink)


def commit_page(
    engine: Engine,
    connector: Connector,
    spec: StreamSpec,
    page: Page,
    req: PullRequest,
    ctx: Context,
    recorder: RunRecorder,
    *,
    checkpoint: bool = True,
    also: Callable[[Session], None] | None = None,
) -> None:
    key = stream_key(connector, spec)
    with session(engine) as s, s.begin():
        outcome = store_page(s, crm=connector.crm, obj=spec.object, page=page, ctx=ctx)
        if also is not None:  # e.g. a slice's own position, in the page's transaction
            also(s)
        if checkpoint:  # a single-account resync reads by id: the stream's own position does not move
            cursors.save_position(s, job=req.job, connection=connector.name, stream=spec.name,
                                  position=page.position, run_id=req.run_id)  # fmt: skip
    progress = recorder.stream(key)
    progress.read += outcome.read
    progress.pages += 1
    progress.counted = outcome.counted
    progress.inserted += outcome.inserted
    progress.updated += outcome.updated
    progress.deleted += outcome.deleted
    for record_id, reason in outcome.skipped or []:
        progress.skipped += 1
        recorder.error("skipped_record", reason, stream=key, record_id=record_id)
    for record_id, name, why in outcome.warnings:
        recorder.warning(why, stream=key, record_id=record_id, field=name)
    for field_name, message in page.field_errors.items():
        if field_name not in req.optional_fields:
            recorder.field_error(key, field_name, message)
    recorder.note_quota(connector.name, connector.quota())
    recorder.flush()


def unseen(engine: Engine, connector: Connector, spec: StreamSpec, sweep_id: int) -> list[str]:
    """Live stored records of the stream that the sweep's full read did not return."""
    model: Any = target_of(connector.crm, spec.object).model
    with session(engine) as s:
        stmt = (
            select(model.source_id)
            .where(model.connection == connector.name, col(model.deleted_at).is_(None))
            .where((col(model.last_seen_run).is_(None)) | (col(model.last_seen_run) != sweep_id))
        )
        return [str(source_id) for source_id in s.exec(stmt).all()]


def confirmed_gone(engine: Engine, connector: Connector, spec: StreamSpec, sweep_id: int) -> list[str]:
    """After a full read: the unseen records the CRM no longer holds, to be marked deleted.

    A full read stops at its window's end, so a record edited after it (a rep's edit while the resync runs, or
    the CRM's clock ahead of ours) is unseen yet live: each candidate is looked up by id first (the next
    incremental window reads its new values).
    """
    candidates = unseen(engine, connector, spec, sweep_id)
    if not candidates:
        return []
    live = connector.fetch(spec.object, candidates, [])
    return [source_id for source_id in candidates if source_id not in live]
