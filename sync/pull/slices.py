"""Read one stream's window in slices: pages fetched side by side, each committed with its slice's position.

The connector cuts the window (`SlicedReads.slices`) and fetches each slice in a thread of its own, its calls
held under the connector's in-flight gate; this thread alone writes the store, one page per transaction with
the position of the slice it belongs to. A kill at any moment leaves every slice at its last committed page:
the rerun resumes each one after it (no gap, no duplicate), then reads the window's tail (its deletes).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Engine
from sqlmodel import Session

from connectors import Connector, Page, SlicedReads, StreamSpec, Window
from sync.pull import slice_cursors
from sync.pull.slice_cursors import SliceState
from sync.store.engine import session

# Pages waiting for the store, per slice: with each slice's thread holding the page it could not hand over yet,
# at most 2 pages a slice (+ the one being stored) are in memory, whatever the window. One is enough: a single
# thread stores, so a deeper queue fills only when the store is the slower side, and then holds more for nothing.
BACKLOG_PER_SLICE = 1


@dataclass(frozen=True, slots=True)
class _Fetched:
    """What a slice's thread hands over: a page, its end (`page` None), or the error that stopped it."""

    index: int
    page: Page | None = None
    error: BaseException | None = None


Commit = Callable[[Page, Callable[[Session], None] | None], None]


@dataclass(frozen=True, slots=True)
class SliceRun:
    """One stream's window being read in slices; `commit(page, also)` stores a page and runs `also` in its
    transaction (None: the page carries the stream's own position, as a read in one piece does)."""

    engine: Engine
    connector: Connector
    spec: StreamSpec
    job: str
    commit: Commit


def read_in_slices(run: SliceRun, window: Window, *, resuming_whole: bool) -> bool:
    """Read `window` in slices when the connector cuts it in more than one; False when it does not (or a read
    of the window in one piece is under way: `resuming_whole`), and the caller reads it as ever."""
    connector, spec = run.connector, run.spec
    if not isinstance(connector, SlicedReads):
        return False
    names = {"job": run.job, "connection": connector.name, "stream": spec.name}
    with session(run.engine) as s:
        slices = slice_cursors.load(s, **names)
    if not slices:
        if resuming_whole:
            return False
        windows = connector.slices(spec, window)
        if len(windows) <= 1:
            return False
        with session(run.engine) as s, s.begin():
            slice_cursors.begin(s, **names, windows=windows)
        slices = [SliceState(k, w, None, False) for k, w in enumerate(windows)]
    _fetch_and_commit(run, connector, [sl for sl in slices if not sl.done])
    for page in connector.read_tail(spec, window):
        run.commit(page, None)
    return True


def _put(out: queue.Queue[_Fetched], item: _Fetched, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _fetch_and_commit(run: SliceRun, connector: SlicedReads, pending: list[SliceState]) -> None:
    if not pending:
        return
    out: queue.Queue[_Fetched] = queue.Queue(maxsize=BACKLOG_PER_SLICE * len(pending))
    stop = threading.Event()

    def fetch(sl: SliceState) -> None:
        try:
            for page in connector.read_slice(run.spec, sl.window, sl.position):
                if not _put(out, _Fetched(sl.index, page), stop):
                    return
            _put(out, _Fetched(sl.index), stop)
        except BaseException as exc:  # handed to the committing thread, which raises it
            _put(out, _Fetched(sl.index, error=exc), stop)

    threads = [threading.Thread(target=fetch, args=(sl,), name=f"slice-{sl.index}", daemon=True) for sl in pending]
    for thread in threads:
        thread.start()
    try:
        _commit_all(run, out, len(pending))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


def _commit_all(run: SliceRun, out: queue.Queue[_Fetched], running: int) -> None:
    while running:
        item = out.get()
        if item.error is not None:
            raise item.error
        if item.page is None:
            running -= 1
            continue
        run.commit(
            item.page,
            partial(
                slice_cursors.save,
                job=run.job,
                connection=run.connector.name,
                stream=run.spec.name,
                index=item.index,
                position=item.page.position,
            ),
        )
