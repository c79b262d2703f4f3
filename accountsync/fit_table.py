"""Tables that fit the terminal: the columns that fit its width in priority order, text cut with an ellipsis.

Numbers are never cut: a column that does not fit is left out (the JSON and CSV formats keep every column and
the full text), and `--columns a,b,c` chooses them by name.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.table import Table

from accountsync.figure_text import column, figure, money

FLEX_MIN = 12  # a text column narrower than this reads as noise
LEAST = {"reasons": 24, "message": 24}  # a reason cut shorter says nothing
FIXED = frozenset({"key", "account", "tier", "as_of", "started", "finished"})  # text never cut: identifiers one copies
ELLIPSIS = "…"


class ColumnChoiceError(ValueError):
    """`--columns` named a column the table does not have."""

    def __init__(self, unknown: Sequence[str], available: Sequence[str]) -> None:
        self.unknown = list(unknown)
        self.available = list(available)
        super().__init__(f"unknown column(s) {', '.join(unknown)}; choose from {', '.join(available)}")


@dataclass(frozen=True, slots=True)
class Cell:
    """A column's header and its cells as lines of text; `flex` columns may be cut, the others never."""

    name: str
    header: str
    lines: list[list[str]]
    flex: bool

    @property
    def natural(self) -> int:
        return max([len(self.header), *(len(line) for cell in self.lines for line in cell)])

    @property
    def least(self) -> int:
        return self.natural if not self.flex else min(self.natural, LEAST.get(self.name, FLEX_MIN))


def parse_columns(value: str | None) -> list[str] | None:
    """`--columns a,b,c` as names (None when not given)."""
    if not value:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


def fit_table(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    width: int,
    currency: str | None = None,
    priority: Sequence[str] = (),
    chosen: Sequence[str] | None = None,
) -> Table:
    """The rows as a table at most `width` wide: the `chosen` columns, else as many as fit, taken in `priority`
    order (then the rows' own order) and shown in the rows' order. The title names the money's currency.
    """
    names = list(rows[0]) if rows else list(chosen or priority)
    if chosen is not None:
        unknown = [c for c in chosen if c not in names]
        if unknown:
            raise ColumnChoiceError(unknown, names)
    cells = {name: _cells(name, rows) for name in names}
    order = list(chosen) if chosen is not None else [*(p for p in priority if p in names), *names]
    picked = _pick(cells, list(dict.fromkeys(order)), width, keep_all=chosen is not None)
    shown = list(chosen) if chosen is not None else [n for n in names if n in picked]
    if currency and any(column(name).kind == "money" for name in shown):
        title += f" (money in {currency})"
    table = Table(title=wrapped(title, width, indent=""), title_justify="left")
    for name in shown:
        numeric = not cells[name].flex and name not in FIXED
        table.add_column(cells[name].header, width=picked[name], no_wrap=True, overflow="ellipsis",
                         justify="right" if numeric else "left")  # fmt: skip
    for index in range(len(rows)):
        table.add_row(*("\n".join(clip(line, picked[n]) for line in cells[n].lines[index]) for n in shown))
    return table


def _cells(name: str, rows: Sequence[Mapping[str, Any]]) -> Cell:
    info = column(name)
    lines = [_lines(name, row.get(name)) for row in rows]
    numbers = all(isinstance(row.get(name), int | float | None) for row in rows)
    return Cell(name, info.label, lines, flex=info.kind == "text" and name not in FIXED and not numbers)


def _lines(name: str, value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value] or ["-"]
    if column(name).kind == "money" and isinstance(value, int | float):
        return [money(float(value))]
    return [figure(name, value)]


def _pick(cells: Mapping[str, Cell], order: list[str], width: int, *, keep_all: bool) -> dict[str, int]:
    """Column widths: each column in `order` that fits at its least width, then the room left shared evenly by
    the text columns up to their natural width."""
    widths: dict[str, int] = {}
    for name in order:
        trial = widths | {name: cells[name].least}
        if keep_all or _total(trial) <= width or not widths:
            widths = trial
    room = width - _total(widths)
    growing = [name for name in order if name in widths and cells[name].flex]
    while room > 0 and growing:  # one character at a time to each text column short of its natural width
        growing = [name for name in growing if widths[name] < cells[name].natural]
        for name in growing[:room]:
            widths[name] += 1
            room -= 1
    return widths


def _total(widths: Mapping[str, int]) -> int:
    """A boxed table's width: each column padded by one space each side, and one border between and around."""
    return sum(widths.values()) + 3 * len(widths) + 1


def clip(text: str, width: int) -> str:
    """The text cut to `width` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + ELLIPSIS


def wrapped(text: str, width: int, indent: str = "    ") -> str:
    """A long line (a message) wrapped to `width`, its continuation lines indented."""
    return "\n".join(textwrap.wrap(text, width, subsequent_indent=indent, break_long_words=True)) or text
