"""The steps of a whole job's run, in order: pull (with identity), enrichment, scoring, write-back.

Each step is recorded on the run row as it ends (`RunRecorder.step`): its status, counts, duration and message.
A step that raises is recorded as failed before the error goes on; the steps after a pull that did not get
through (stopped for budget, failed) are recorded as skipped: scores are not recomputed, nor written back,
from a store the pull left half-read.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Engine

from config import Deployment, Job
from sync.enrich.run import EnrichSummary, enrich_step
from sync.pull.job import ConnectorFactory, pull_job
from sync.pull.stream import ProgressSink
from sync.runs.records import Ended, RunRecorder, StepOutcome
from sync.scores.scoring import ScoringOutcome, score_store
from sync.store.tables import utcnow
from sync.writeback.run import WritebackSummary, public_targets, writeback_targets
from sync.writeback.target_lists import target_list_step

STEPS = ("pull", "enrich", "score", "writeback")
GOT_THROUGH = ("succeeded", "partial")
_SEVERITY = {"succeeded": 0, "skipped": 0, "partial": 1, "stopped": 2, "stopped_for_budget": 2, "failed": 3}


class JobSteps:
    """Runs a job's steps on one run (its row, lock and recorder are the caller's) and keeps what each made."""

    def __init__(
        self,
        deployment: Deployment,
        job: Job,
        engine: Engine,
        recorder: RunRecorder,
        factory: ConnectorFactory,
        guard: Callable[[], None] = lambda: None,
    ) -> None:
        self.deployment, self.job, self.engine, self.recorder, self.factory = deployment, job, engine, recorder, factory
        self.guard = guard  # raises when the run must stop (its lock was lost): checked between steps and batches
        self.enrichment: EnrichSummary | None = None
        self.scoring: ScoringOutcome | None = None
        self.writeback: WritebackSummary | None = None

    def run(self, as_of: date, full: bool, sink: ProgressSink) -> None:
        """Every step in order; after a pull that did not get through, the rest are skipped."""
        pulled = self._step("pull", lambda: self._pull(full, sink))
        if pulled not in GOT_THROUGH:
            for name in STEPS[1:] + (("target_lists",) if self.job.target_lists else ()):
                self._skip(name, f"the pull ended {pulled}: nothing scored or written from a half-read store")
            return
        if self.job.enrich:
            self._step("enrich", self._enrich)
        else:
            self._skip("enrich", "the job lists no enrichment sources")
        self._step("score", lambda: self._score(as_of))
        if self.job.writeback:
            self._step("writeback", self._write_back)
        else:
            self._skip("writeback", "the job has no write-back targets")
        if self.job.target_lists:  # a step only for jobs that keep target lists (sync/writeback/target_lists.py)
            self._step("target_lists", lambda: target_list_step(self.engine, self.deployment, self.job.name))

    def _step(self, name: str, work: Callable[[], Ended]) -> str:
        at, started = utcnow(), time.monotonic()
        try:
            self.guard()
            ended = work()
        except BaseException as exc:
            self.recorder.step(StepOutcome(name, "failed", at, time.monotonic() - started, f"{type(exc).__name__}: "
                                           f"{exc}"[:2000]))  # fmt: skip
            raise
        self.recorder.step(StepOutcome(name, ended.status, at, time.monotonic() - started, ended.message, ended.counts))
        return ended.status

    def _skip(self, name: str, why: str) -> None:
        self.recorder.step(StepOutcome(name, "skipped", utcnow(), 0.0, why))

    def _pull(self, full: bool, sink: ProgressSink) -> Ended:
        rec = self.recorder
        pulled = pull_job(self.deployment, self.job, self.engine, None, full, sink, self.factory, rec)
        rec.extra["audits"] = pulled.audits
        counts = rec.totals() | {"streams": len(rec.streams), "api_calls": dict(rec.api_calls),
                                 "errors": rec.extra.get("error_count", 0), "full": full}  # fmt: skip
        return Ended(pulled.status, pulled.message, counts)

    def _enrich(self) -> Ended:
        status, message, sources = enrich_step(self.deployment, self.job, self.engine, self.recorder)
        self.enrichment = EnrichSummary(self.recorder.run_id, self.job.name, status, message, False, tuple(sources),
                                        (), bool(self.recorder.extra.get("accounts_rebuilt")), 0.0)  # fmt: skip
        counts = {s.name: {"read": s.read, "matched": s.matched, "written": s.written, "rejected": s.rejected,
                           "unmatched": s.unmatched} for s in sources}  # fmt: skip
        return Ended(status, message, counts)

    def _score(self, as_of: date) -> Ended:
        self.scoring = score_store(self.engine, self.deployment, as_of=as_of, run_id=self.recorder.run_id)
        accounts = self.scoring.result.accounts
        tiers = Counter(accounts.get_column("tier").to_list()) if "tier" in accounts.columns else Counter()
        warnings = self.scoring.result.warnings.height
        counts = {"scoring_run_id": self.scoring.scoring_run_id, "as_of": as_of.isoformat(),
                  "accounts": accounts.height, "tiers": {str(k): v for k, v in sorted(tiers.items(), key=str)},
                  "warnings": warnings}  # fmt: skip
        return Ended("succeeded", f"{warnings:,} data warning(s)" if warnings else None, counts)

    def _write_back(self) -> Ended:
        self.recorder.new_connectors()
        targets: list[dict[str, Any]] = []
        ended = writeback_targets(
            self.deployment, self.job, self.engine, self.factory, self.recorder, False, targets, self.guard
        )
        kept = public_targets(targets)
        self.recorder.extra["targets"] = kept
        self.writeback = WritebackSummary(
            self.recorder.run_id, self.job.name, ended.status, ended.message, False, targets
        )
        return Ended(ended.status, ended.message, {"targets": kept})


def overall(steps: Sequence[dict[str, Any]]) -> tuple[str, str | None]:
    """A run's status from its steps: the worst of them, with that step's message."""
    worst = max(steps, key=lambda step: _SEVERITY.get(step["status"], 3), default=None)
    if worst is None or _SEVERITY.get(worst["status"], 3) == 0:
        return "succeeded", None
    message = worst.get("message") or ""
    return worst["status"], f"{worst['name']}: {message}" if message else f"{worst['name']} {worst['status']}"
