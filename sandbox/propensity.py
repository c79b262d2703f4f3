"""A world with a planted signal, for backtesting a score: deals driven by a hidden propensity.

With `WorldSpec.signal` set, every company's deals follow one process instead of its lifecycle's plan: from
its creation on, it runs new-business attempts one after another, each won with chance `attempt_win_chance`;
once won it is a customer with a 12-month contract renewed each year (lost with a fixed chance, and then it
is a prospect again) and runs expansion attempts one after another. The only thing that differs between
companies is a hidden `keen` flag, drawn more often in `KEEN_INDUSTRIES`, that raises the chance of winning
an attempt by `signal`: at signal 0 the flag changes nothing (the no-signal variant), at 1 a keen company
wins three times as often as another. Every attempt walks every open stage before it closes, so a deal's
stage before its close says nothing of its outcome: only the industry (through the flag) carries the signal.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Final, Literal

from sandbox.companies import Company, WorldSpec, stream

__all__ = ["KEEN_INDUSTRIES", "PlannedDeal", "attempt_win_chance", "is_keen", "planted_plan"]

KEEN_INDUSTRIES: Final = frozenset({"Technology", "Finance", "Manufacturing"})
_BASE_CHANCE: Final = 0.2
_RENEWAL_LOSS: Final = 0.15
_DAY: Final = timedelta(days=1)

Outcome = Literal["won", "lost", "open"]
# (type, closes, outcome, term months): the portfolio module turns these into its deal slots.
PlannedDeal = tuple[Literal["new_business", "expansion", "renewal"], datetime, Outcome, int]


def is_keen(spec: WorldSpec, company: Company) -> bool:
    """The hidden flag: drawn with chance 0.5 in a keen industry, 0.1 elsewhere."""
    chance = 0.5 if company.industry in KEEN_INDUSTRIES else 0.1
    return stream(spec, 6, company.index).random() < chance


def attempt_win_chance(spec: WorldSpec, company: Company) -> float:
    """The chance that one of the company's attempts is won."""
    signal = spec.signal or 0.0
    return _BASE_CHANCE * (1.0 + 2.0 * signal) if is_keen(spec, company) else _BASE_CHANCE


def _outcome(r: random.Random, closes: datetime, now: datetime, chance: float) -> Outcome:
    if closes > now:
        return "open"
    return "won" if r.random() < chance else "lost"


def _expansions(
    r: random.Random, start: datetime, end: datetime, now: datetime, chance: float
) -> Iterator[PlannedDeal]:
    closes = start + r.uniform(40, 120) * _DAY
    while closes < end:
        outcome = _outcome(r, closes, now, chance)
        yield ("expansion", closes, outcome, 12)
        if outcome == "open":
            return
        closes += r.uniform(40, 120) * _DAY


def _customer(
    r: random.Random, won: datetime, now: datetime, chance: float
) -> tuple[list[PlannedDeal], datetime | None]:
    """The renewals and expansions after a won new business; the moment it churned, or None."""
    plan: list[PlannedDeal] = []
    renewal = won + 365 * _DAY
    while renewal <= now + 90 * _DAY:
        lost = renewal <= now and r.random() < _RENEWAL_LOSS
        plan += _expansions(r, renewal - 365 * _DAY, renewal - 20 * _DAY, now, chance)
        plan.append(("renewal", renewal, "open" if renewal > now else ("lost" if lost else "won"), 12))
        if lost:
            return plan, renewal
        renewal += 365 * _DAY
    plan += _expansions(r, renewal - 365 * _DAY, now + 365 * _DAY, now, chance)
    return plan, None


def planted_plan(spec: WorldSpec, company: Company, r: random.Random) -> list[PlannedDeal]:
    """The company's deals in creation order (see the module docstring)."""
    now, chance = spec.now, attempt_win_chance(spec, company)
    plan: list[PlannedDeal] = []
    closes = company.created_at + r.uniform(40, 120) * _DAY
    while True:
        outcome = _outcome(r, closes, now, chance)
        plan.append(("new_business", closes, outcome, 12))
        if outcome == "open":
            return plan
        if outcome == "won":
            after, churned = _customer(r, closes, now, chance)
            plan += after
            if churned is None:
                return plan
            closes = churned
        closes += r.uniform(40, 120) * _DAY
