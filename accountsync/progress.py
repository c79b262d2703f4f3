"""Rich progress bars for a run: one bar per stream (records, pages, rate, ETA from the expected count)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class RichProgress:
    """A `sync.ProgressSink` drawing rich progress bars (plain lines when the output is not a terminal)."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def stream_started(self, stream: str, expected: int | None) -> None:
        """Add a bar for the stream."""
        self._tasks[stream] = self._progress.add_task(stream, total=expected, rate="")

    def advanced(self, stream: str, records: int) -> None:
        """Move the stream's bar."""
        task = self._tasks[stream]
        self._progress.advance(task, records)
        speed = self._progress.tasks[task].speed
        self._progress.update(task, rate=f"{speed:,.0f}/s" if speed else "")

    def stream_finished(self, stream: str) -> None:
        """Complete the stream's bar."""
        task = self._tasks[stream]
        done = self._progress.tasks[task].completed
        self._progress.update(task, total=done, completed=done)
