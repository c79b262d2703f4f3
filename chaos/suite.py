"""Runs the scenarios: seeds, a work directory per scenario, a stack per seed, the secrets scan of each."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chaos.report import Row
from chaos.secrets import SecretBook, scanned_files
from chaos.stack import Stack, StackSpec

__all__ = ["Context", "Scenario", "run_suite", "select"]


@dataclass
class Context:
    """What every scenario gets: where to work, the secret book, its seeds, and the breakage asked for."""

    root: Path
    book: SecretBook = field(default_factory=SecretBook)
    base_seed: int = 1
    seeds_override: int | None = None
    break_mode: str | None = None
    quiet: bool = False

    def seeds(self, default: int) -> list[int]:
        """The scenario's seeds: `default` of them (or the override) from the base seed on."""
        count = self.seeds_override if self.seeds_override is not None else default
        return [self.base_seed + i for i in range(max(1, count))]

    def rng(self, scenario: str, seed: int) -> random.Random:
        """The scenario's random choices for one seed: the same seed gives the same run."""
        return random.Random(f"{scenario}:{seed}")

    def stack(self, scenario: str, label: str, spec: StackSpec) -> Stack:
        return Stack(spec, self.root / scenario / label, self.book)

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)


ScenarioFn = Callable[[Context, Row], None]


@dataclass(frozen=True)
class Scenario:
    """A named scenario and the number of seeds it runs by default."""

    name: str
    seeds: int
    run: ScenarioFn
    summary: str
    group: str = ""  # e.g. `storms`: ONLY may name the group


def select(scenarios: Sequence[Scenario], only: str | None) -> list[Scenario]:
    """Scenarios named in `only` (comma-separated names, prefixes or groups), all of them when empty.

    Raises:
        ValueError: a name matches no scenario.
    """
    if not only or not only.strip():
        return list(scenarios)
    chosen: list[Scenario] = []
    for wanted in (w.strip() for w in only.split(",") if w.strip()):
        found = [s for s in scenarios if s.name == wanted or s.name.startswith(wanted) or s.group == wanted]
        if not found:
            raise ValueError(f"no scenario {wanted!r}; scenarios: {', '.join(s.name for s in scenarios)}")
        chosen += [s for s in found if s not in chosen]
    return chosen


def run_suite(ctx: Context, scenarios: Sequence[Scenario]) -> list[Row]:
    """Each scenario in turn; an exception in the harness is that scenario's FAIL, never the suite's end."""
    rows = []
    for scenario in scenarios:
        row = Row(scenario.name)
        started = time.monotonic()
        ctx.say(f"== {scenario.name}: {scenario.summary}")
        try:
            scenario.run(ctx, row)
        except Exception as exc:  # the harness itself broke: a FAIL with its reason
            row.fail(f"harness error: {type(exc).__name__}: {exc}")
        row.seconds = time.monotonic() - started
        hits = ctx.book.scan(scanned_files(ctx.root / scenario.name))
        row.secrets += len(hits)
        for hit in hits[:10]:
            row.fail(f"secret `{hit.label}` found in {Path(hit.where).relative_to(ctx.root)}")
        ctx.say(f"   {scenario.name}: {'PASS' if row.passed else 'FAIL'} in {row.seconds:.0f} s")
        rows.append(row)
    return rows
