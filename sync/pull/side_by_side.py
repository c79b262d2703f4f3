"""A job's sources read side by side: one thread per CRM, each committing its own pages.

Each source has its own connector, quota, throttle and checkpoints, and the store takes concurrent writers
(SQLite: WAL, and `BEGIN IMMEDIATE` waits its turn; PostgreSQL: the rows of two connections never overlap), so
reading Salesforce and HubSpot at once gives up no guarantee, and the pull takes as long as the slower CRM
instead of the two one after the other. On a real CRM, where every call waits 100-200 ms, that is most of a job.

A source whose CRM refuses it (a `ConnectorError`: auth, budget, quota) does not stop the others: what they read
is as good as it would have been alone. Anything else (the run interrupted, its lock lost, a bug) makes the
others stop at their next page boundary, with what they committed kept. The errors come back worst first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from config import Source
from connectors import Connector, ConnectorError, StopError
from sync.pull.stream import ProgressSink

Work = Callable[[Source, Connector, ProgressSink], None]
JOIN_SECONDS = 0.5  # how often the waiting thread wakes (a Ctrl-C reaches it between waits)


class Abandoned(Exception):
    """Another source failed beyond its CRM: this one stopped at a page boundary."""


class _StoppableSink:
    """The run's sink, raising `Abandoned` at a stream's start or after a committed page once told to stop."""

    def __init__(self, sink: ProgressSink, stop: threading.Event) -> None:
        self._sink, self._stop = sink, stop

    def stream_started(self, stream: str, expected: int | None) -> None:
        self._check()
        self._sink.stream_started(stream, expected)

    def advanced(self, stream: str, records: int) -> None:
        self._sink.advanced(stream, records)
        self._check()

    def stream_finished(self, stream: str) -> None:
        self._sink.stream_finished(stream)

    def _check(self) -> None:
        if self._stop.is_set():
            raise Abandoned


def read_side_by_side(pairs: Sequence[tuple[Source, Connector]], work: Work, sink: ProgressSink) -> list[BaseException]:
    """Run `work` for every (source, connector) at once, each in a thread of its own; returns the errors
    raised, worst first (anything not from a CRM, then a CRM's failure, then a stop for budget), in source
    order within each kind. A KeyboardInterrupt in the calling thread stops every source at its next page."""
    if len(pairs) == 1:  # nothing to overlap: the caller's thread reads it
        source, connector = pairs[0]
        try:
            work(source, connector, sink)
        except BaseException as exc:
            return [exc]
        return []
    stop = threading.Event()
    failures: dict[int, BaseException] = {}

    def run(index: int, source: Source, connector: Connector) -> None:
        try:
            work(source, connector, _StoppableSink(sink, stop))
        except Abandoned:
            return
        except BaseException as exc:
            failures[index] = exc
            if not isinstance(exc, ConnectorError):
                stop.set()

    threads = [threading.Thread(target=run, args=(i, source, connector), name=f"pull-{connector.name}")
               for i, (source, connector) in enumerate(pairs)]  # fmt: skip
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(JOIN_SECONDS)
    except BaseException:
        stop.set()
        for thread in threads:
            thread.join()
        raise
    return [failures[i] for i in sorted(failures, key=lambda i: (_severity(failures[i]), i))]


def _severity(exc: BaseException) -> int:
    if not isinstance(exc, ConnectorError):
        return 0
    return 2 if isinstance(exc, StopError) else 1
