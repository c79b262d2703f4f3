"""The suite's one table: a row per scenario with its counters and verdict, then each row's notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from chaos.truth import Tally

__all__ = ["COLUMNS", "Row", "render"]

COLUMNS: Final = ("scenario", "seeds/runs", "expected", "missing", "duplicated", "wrong values", "dup writes",
                  "secrets", "API 5xx", "result")  # fmt: skip


@dataclass
class Row:
    """One scenario's outcome. It passes when every counter is zero and no check failed."""

    scenario: str
    seeds: int = 0
    runs: int = 0
    tally: Tally = field(default_factory=Tally)
    duplicate_writes: int = 0
    secrets: int = 0
    http_5xx: int = 0
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        counters = (self.duplicate_writes, self.secrets, self.http_5xx)
        return self.tally.clean and not any(counters) and not self.failures and self.runs > 0

    def fail(self, message: str) -> None:
        """A check that did not hold (kept to the first 20; the count goes on)."""
        if len(self.failures) < 20:
            self.failures.append(message)
        elif len(self.failures) == 20:
            self.failures.append("... more failures not shown")

    def check(self, condition: bool, message: str) -> bool:
        if not condition:
            self.fail(message)
        return condition

    def cells(self) -> tuple[str, ...]:
        t = self.tally
        verdict = "PASS" if self.passed else "FAIL"
        return (self.scenario, f"{self.seeds}/{self.runs}", f"{t.expected:,}", str(t.missing), str(t.duplicated),
                str(t.wrong), str(self.duplicate_writes), str(self.secrets), str(self.http_5xx), verdict)  # fmt: skip


def render(rows: Sequence[Row], seed: int, seconds: float) -> str:
    """The table, then per scenario its failures and notes."""
    cells = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(COLUMNS))]

    def line(values: Sequence[str]) -> str:
        parts = [v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))]
        return "| " + " | ".join(parts) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    out = [line(COLUMNS), rule, *(line(c) for c in cells[1:])]
    failed = sum(1 for row in rows if not row.passed)
    out.append(f"\n{len(rows)} scenario(s), {failed} FAIL; base seed {seed}; {seconds / 60:.1f} min")
    for row in rows:
        if row.failures or row.tally.examples or row.notes:
            out.append(f"\n{row.scenario} ({row.seconds:.0f} s):")
            out += [f"  FAIL {m}" for m in row.failures]
            out += [f"  e.g. {m}" for m in row.tally.examples]
            out += [f"  {m}" for m in row.notes]
    return "\n".join(out)
