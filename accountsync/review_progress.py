"""The review's progress on stderr while it scores the store as of each past date, then calibrates: a bar that
clears itself on a terminal, one line per phase otherwise (a log, a pipe), so the report alone reaches stdout."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class ReviewBar:
    """A `sync.scores.ReviewProgress` drawing a rich progress bar on `console`."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._live = console.is_terminal
        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        self._progress = Progress(*columns, console=console, transient=True, disable=not self._live)
        self._task: TaskID | None = None

    def __enter__(self) -> ReviewBar:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def dates(self, dates: Sequence[date]) -> None:
        """A bar over the as-of dates."""
        what = f"scoring the store as of {len(dates)} past date(s)"
        self._task = self._progress.add_task(what, total=len(dates))
        if not self._live and dates:
            self._console.print(f"{what}, {dates[0]}..{dates[-1]}")

    def scored(self, day: date) -> None:
        """One more date done; the bar says which."""
        if self._task is not None:
            self._progress.update(self._task, advance=1, description=f"scored as of {day}")

    def calibrating(self) -> None:
        """The search for weights and tier bounds begins."""
        if self._task is not None:
            self._progress.update(self._task, description="scored; calibrating weights and tier bounds")
        if not self._live:
            self._console.print("calibrating weights and tier bounds")
