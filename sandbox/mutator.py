"""A background thread that keeps the orgs changing: updates, creates, deletes and merges at a set rate.

Each change goes through the org's own `mutate_random(rng, now)` under the org's lock, so it looks to
clients exactly like a user's edit. The RNG is seeded: the same seed against the same starting orgs
makes the same changes in the same order; `history` records each one so tests can compare.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sandbox.context import CrmOrg
from sandbox.errors import SpecError
from sandbox.world import CrmName

__all__ = ["Mutation", "Mutator"]

_KEEP: Final = 100_000
_MAX_RATE: Final = 1_000.0


@dataclass(frozen=True, slots=True)
class Mutation:
    """One change the mutator made (or tried: `error` says why it failed)."""

    seq: int
    at: datetime
    crm: CrmName
    result: dict[str, Any]
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at.isoformat(), "crm": self.crm, "result": self.result,
                "error": self.error}  # fmt: skip


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Mutator:
    """Calls `mutate_random` on the orgs, in a thread at `rate` changes a second, or step by step."""

    def __init__(
        self,
        orgs: Mapping[CrmName, CrmOrg],
        locks: Mapping[CrmName, threading.RLock],
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._orgs, self._locks, self._clock = dict(orgs), dict(locks), clock
        self.history: deque[Mutation] = deque(maxlen=_KEEP)
        self._rng = random.Random(0)
        self._seed, self._rate, self._seq = 0, 0.0, 0
        self._crms: tuple[CrmName, ...] = tuple(sorted(self._orgs))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def reseed(self, seed: int, crms: tuple[CrmName, ...] | None = None) -> None:
        """Start a new reproducible sequence (and optionally limit it to some CRMs)."""
        chosen = tuple(sorted(crms)) if crms else tuple(sorted(self._orgs))
        if not chosen or any(c not in self._orgs for c in chosen):
            raise SpecError("Mutator", f"crms must be among {sorted(self._orgs)}, not {crms}")
        with self._guard:
            self._rng, self._seed, self._crms = random.Random(seed), seed, chosen

    def step(self, n: int = 1) -> list[Mutation]:
        """Make `n` changes now, in this thread."""
        return [self._one() for _ in range(n)]

    def _one(self) -> Mutation:
        with self._guard:
            crm = self._rng.choice(self._crms)
            self._seq += 1
            seq = self._seq
            now = self._clock()
            try:
                with self._locks[crm]:
                    done = Mutation(seq, now, crm, self._orgs[crm].mutate_random(self._rng, now))
            except Exception as exc:  # a failed change is recorded, never kills the thread
                done = Mutation(seq, now, crm, {}, f"{type(exc).__name__}: {exc}")
            self.history.append(done)
            return done

    def start(self, rate: float, seed: int, crms: tuple[CrmName, ...] | None = None) -> None:
        """Run in the background at `rate` changes a second (stops a running sequence first)."""
        if not 0.0 < rate <= _MAX_RATE:
            raise SpecError("Mutator", f"rate must be within 0..{_MAX_RATE:g} changes a second")
        self.stop()
        self.reseed(seed, crms)
        self._rate = rate
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sandbox-mutator", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        interval = 1.0 / self._rate
        while not self._stop.wait(interval):
            self._one()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._rate = 0.0

    def status(self, last: int = 20) -> dict[str, Any]:
        recent = list(self.history)[-last:] if last > 0 else []
        return {
            "running": self.running,
            "rate": self._rate,
            "seed": self._seed,
            "crms": list(self._crms),
            "done": self._seq,
            "errors": sum(1 for m in self.history if m.error),
            "recent": [m.as_json() for m in recent],
        }
