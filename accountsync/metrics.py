"""Prometheus `/metrics`: drawn from the run rows at each scrape, so every replica reports the same numbers."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from sync.runs import RunStats, run_stats

BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _histogram(stats: RunStats) -> HistogramMetricFamily:
    family = HistogramMetricFamily(
        "accountsync_run_duration_seconds", "Duration of the latest finished runs.", labels=["job", "kind"]
    )
    groups: dict[tuple[str, str], list[float]] = {}
    for job, kind, seconds in stats.durations:
        groups.setdefault((job, kind), []).append(seconds)
    for (job, kind), values in sorted(groups.items()):
        buckets = [(str(bound), float(sum(v <= bound for v in values))) for bound in BUCKETS]
        buckets.append(("+Inf", float(len(values))))
        family.add_metric([job, kind], buckets, sum(values))
    return family


class RunCollector(Collector):
    """Collects the store's run aggregates on each scrape."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        """The metric families."""
        stats = run_stats(self._engine)
        runs = GaugeMetricFamily("accountsync_runs", "Runs in the store by job, kind and status.",
                                 labels=["job", "kind", "status"])  # fmt: skip
        for (job, kind, status), n in sorted(stats.runs.items()):
            runs.add_metric([job, kind, status], n)
        yield runs
        queue = GaugeMetricFamily("accountsync_queue_depth", "Queued runs waiting for a worker.", labels=["job"])
        for job, n in sorted(stats.queued.items()):
            queue.add_metric([job], n)
        yield queue
        yield _histogram(stats)
        records = CounterMetricFamily("accountsync_records", "Records read and written by runs.",
                                      labels=["job", "outcome"])  # fmt: skip
        for (job, outcome), n in sorted(stats.records.items()):
            records.add_metric([job, outcome], n)
        yield records
        calls = CounterMetricFamily("accountsync_api_calls", "CRM API calls made by runs.", labels=["connection"])
        for connection, n in sorted(stats.api_calls.items()):
            calls.add_metric([connection], n)
        yield calls
        quota = GaugeMetricFamily("accountsync_api_quota_left", "CRM API quota left, as last reported by a run.",
                                  labels=["connection"])  # fmt: skip
        for connection, n in sorted(stats.quota_left.items()):
            quota.add_metric([connection], n)
        yield quota
        rejections = GaugeMetricFamily("accountsync_writeback_rejections", "Write-back records refused and not yet "
                                       "written.", labels=["connection"])  # fmt: skip
        for connection, n in sorted(stats.rejections.items()):
            rejections.add_metric([connection], n)
        yield rejections
        warnings = CounterMetricFamily("accountsync_data_quality_warnings", "CRM fields stored empty because they "
                                       "could not be stored or were implausible.", labels=["job"])  # fmt: skip
        for job, n in sorted(stats.warnings.items()):
            warnings.add_metric([job], n)
        yield warnings


def metrics_registry(engine: Engine) -> CollectorRegistry:
    """A registry of its own (never the global one, so several apps can live in one process)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RunCollector(engine))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    """The exposition text."""
    return generate_latest(registry)
