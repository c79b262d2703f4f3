"""The public surface of `sync.serve`, read by type checkers and, at run time, by `lazy_loader`
(see __init__.py)."""

from .scheduler import Cadence, RunScheduler, next_fire_times
from .service import DeploymentHolder, Service, ServiceSettings

__all__ = [
    "Cadence",
    "DeploymentHolder",
    "RunScheduler",
    "Service",
    "ServiceSettings",
    "next_fire_times",
]
