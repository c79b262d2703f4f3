"""Aggregates of the run rows for metrics: runs by status, durations, records, API calls, rejections, queue."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func
from sqlmodel import col, select

from sync.store.engine import session
from sync.store.tables import SyncRun, WritebackRejection

DURATION_SAMPLE = 1000  # the latest finished runs the duration histogram is drawn from
RECORD_KEYS = ("read", "inserted", "updated", "deleted", "skipped")


@dataclass(frozen=True, slots=True)
class RunStats:
    """What the store says about runs right now."""

    runs: dict[tuple[str, str, str], int] = field(default_factory=dict)
    queued: dict[str, int] = field(default_factory=dict)
    durations: list[tuple[str, str, float]] = field(default_factory=list)
    records: dict[tuple[str, str], int] = field(default_factory=dict)
    api_calls: dict[str, int] = field(default_factory=dict)
    quota_left: dict[str, int] = field(default_factory=dict)
    rejections: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)  # data-quality warnings (fields stored empty) per job


def run_stats(engine: Engine) -> RunStats:
    """Read the aggregates (a few queries; metrics scrapes call it)."""
    with session(engine) as s:
        grouped = s.exec(
            select(SyncRun.job, SyncRun.kind, SyncRun.status, func.count()).group_by(
                col(SyncRun.job), col(SyncRun.kind), col(SyncRun.status)
            )
        ).all()
        finished = s.exec(
            select(SyncRun.job, SyncRun.kind, SyncRun.started_at, SyncRun.finished_at)
            .where(col(SyncRun.finished_at).is_not(None), col(SyncRun.started_at).is_not(None))
            .order_by(col(SyncRun.id).desc())
            .limit(DURATION_SAMPLE)
        ).all()
        usage = s.exec(select(SyncRun.job, SyncRun.counts, SyncRun.api_calls).order_by(col(SyncRun.id))).all()
        rejected = s.exec(
            select(WritebackRejection.connection, func.count())
            .where(col(WritebackRejection.resolved_at).is_(None))
            .group_by(col(WritebackRejection.connection))
        ).all()
    runs = {(job, kind, status): int(n) for job, kind, status, n in grouped}
    queued = Counter[str]()
    for (job, _kind, status), n in runs.items():
        if status == "queued":
            queued[job] += n
    durations = [(job, kind, (end - start).total_seconds()) for job, kind, start, end in finished if start and end]
    records, calls, quota, warned = Counter[tuple[str, str]](), Counter[str](), {}, Counter[str]()
    for job, counts, api_calls in usage:
        warned[job] += int(((counts or {}).get("extra", {}) or {}).get("warning_count", 0) or 0)
        for key in RECORD_KEYS:
            records[(job, key)] += int((counts or {}).get(key, 0) or 0)
        for connection, n in (api_calls or {}).items():
            calls[connection] += int(n or 0)
        for connection, left in ((counts or {}).get("extra", {}) or {}).get("quota_left", {}).items():
            quota[connection] = int(left)
    return RunStats(runs, dict(queued), durations, dict(records), dict(calls), quota,
                    {conn: int(n) for conn, n in rejected}, dict(warned))  # fmt: skip
