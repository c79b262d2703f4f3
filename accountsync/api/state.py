"""What the app is built over: the store, the deployment in force, the schedule cadence, the metrics."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from accountsync.metrics import metrics_registry
from sync.serve import Cadence, DeploymentHolder


@dataclass
class ApiState:
    """Shared by every request."""

    engine: Engine
    deployments: DeploymentHolder
    cadence: Cadence = field(default_factory=Cadence)
    secure_cookies: bool = False
    registry: CollectorRegistry | None = None

    def __post_init__(self) -> None:
        if self.registry is None:
            self.registry = metrics_registry(self.engine)


def state_of(request: Request) -> ApiState:
    """The app's state (a FastAPI dependency)."""
    state: ApiState = request.app.state.accountsync
    return state
