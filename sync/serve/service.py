"""The long-running service behind `accountsync serve`: the scheduler and N queue workers over one store."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

import structlog
from sqlalchemy import Engine

from config import Deployment
from sync.jobs import ConnectorFactory, default_factory
from sync.serve.scheduler import Cadence, RunScheduler
from sync.serve.worker import Worker, WorkerSettings

log = structlog.get_logger("accountsync.service")


def replica_name() -> str:
    """This replica's worker name: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """What `serve` starts: workers, their lease and polling, the schedule cadence, the connector factory."""

    workers: int = 1
    lease: timedelta = timedelta(seconds=60)
    poll_seconds: float = 1.0
    cadence: Cadence = field(default_factory=Cadence)
    scheduler: bool = True
    factory: ConnectorFactory = default_factory


class DeploymentHolder:
    """The current deployment; `reload` reads the config file again and tells the listeners."""

    def __init__(self, load: Callable[[], Deployment]) -> None:
        self._load = load
        self._current = load()
        self._listeners: list[Callable[[Deployment], None]] = []
        self._lock = threading.Lock()

    def get(self) -> Deployment:
        """The deployment in force."""
        return self._current

    def on_reload(self, listener: Callable[[Deployment], None]) -> None:
        """Call `listener` with each newly loaded deployment."""
        self._listeners.append(listener)

    def reload(self) -> Deployment:
        """Load the config again; the old one stays in force if the new one is invalid (the error is raised)."""
        with self._lock:
            fresh = self._load()
            self._current = fresh
            for listener in self._listeners:
                listener(fresh)
        return fresh


class Service:
    """Scheduler plus worker threads; `stop` lets each worker checkpoint its current run."""

    def __init__(self, engine: Engine, deployments: DeploymentHolder, settings: ServiceSettings) -> None:
        self.engine, self.deployments, self.settings = engine, deployments, settings
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._scheduler = RunScheduler(engine, cadence=settings.cadence) if settings.scheduler else None

    def start(self) -> None:
        """Start the scheduler and the workers."""
        if self._scheduler is not None:
            self._scheduler.start(self.deployments.get())
            self.deployments.on_reload(self._scheduler.update)
        base = WorkerSettings(name=replica_name(), lease=self.settings.lease, poll_seconds=self.settings.poll_seconds,
                              factory=self.settings.factory)  # fmt: skip
        for i in range(self.settings.workers):
            settings = replace(base, name=f"{base.name}/{i}")
            worker = Worker(self.engine, self.deployments.get, settings, self.stopping)
            thread = threading.Thread(target=worker.run_forever, name=f"worker-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("service started", workers=self.settings.workers, lease_seconds=self.settings.lease.total_seconds(),
                 scheduler=self._scheduler is not None)  # fmt: skip

    def stop(self, timeout: float = 30.0) -> None:
        """Stop firing, then let the workers stop after their current page (their runs go back to the queue)."""
        self.stopping.set()
        if self._scheduler is not None:
            self._scheduler.shutdown()
        for thread in self._threads:
            thread.join(timeout=timeout)
        log.info("service stopped", still_running=sum(t.is_alive() for t in self._threads))
