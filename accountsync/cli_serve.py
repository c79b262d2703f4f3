"""`accountsync serve`: the scheduler, queue workers and the admin API + dashboard in one process."""

from __future__ import annotations

import importlib
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from accountsync import context
from accountsync.console import fail
from config import load_deployment
from sync.runs import LEASE_ENV

if TYPE_CHECKING:
    from sync import ConnectorFactory
    from sync.serve import Cadence

SCHEDULE_SECONDS_ENV = "ACCOUNTSYNC_SCHEDULE_SECONDS"  # tests/demos: fire every N seconds instead of the cron
FACTORY_ENV = "ACCOUNTSYNC_CONNECTOR_FACTORY"  # tests: `module:function` building connectors (a fake CRM)


def _cadence() -> Cadence:
    from sync.serve import Cadence

    raw = os.environ.get(SCHEDULE_SECONDS_ENV)
    if not raw:
        return Cadence()
    if not raw.isdigit() or not 1 <= int(raw) <= 59:
        fail(f"{SCHEDULE_SECONDS_ENV} must be a whole number of seconds from 1 to 59")
    return Cadence(every_seconds=int(raw))


def _factory() -> ConnectorFactory:
    from sync import default_factory

    spec = os.environ.get(FACTORY_ENV)
    if not spec:
        return default_factory
    module, _, name = spec.partition(":")
    try:
        built: ConnectorFactory = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        fail(f"{FACTORY_ENV}={spec}: {exc}")
    return built


def serve_command(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Config file (default: $ACCOUNTSYNC_CONFIG or ./accountsync.yaml)."),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=0, max=32, help="Queue worker threads (0: API only).")] = 1,
    lease: Annotated[
        float,
        typer.Option(
            "--lease-seconds",
            min=1,
            envvar=LEASE_ENV,
            help="A run whose heartbeat is older is taken over by another replica; the same on every replica.",
        ),
    ] = 60.0,
    poll: Annotated[float, typer.Option("--poll-seconds", min=0.05, help="Idle workers look this often.")] = 1.0,
    scheduler: Annotated[bool, typer.Option("--scheduler/--no-scheduler", help="Fire job schedules here.")] = True,
    secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Session cookie only over HTTPS.")] = False,
    grace: Annotated[
        float,
        typer.Option("--grace-seconds", min=0, help="On SIGTERM, wait this long for workers to checkpoint their runs."),
    ] = 30.0,
) -> None:
    """Run the scheduler, queue workers and the admin API with its dashboard until SIGTERM or Ctrl-C."""
    import uvicorn  # here, not at the top: every other command starts faster without the web stack

    from accountsync import logs
    from accountsync.api import ApiState
    from accountsync.web import create_app
    from sync.serve import DeploymentHolder, Service, ServiceSettings

    logs.configure()
    os.environ[LEASE_ENV] = str(lease)  # the job lock renewed inside sync.jobs uses the same lease
    path = context.config_path(config)
    holder = DeploymentHolder(
        lambda: load_deployment(path, check_files=True, enrichment_files=False)
    )  # a reload error is a ConfigError: the API says 422
    engine = context.store()
    settings = ServiceSettings(workers=workers, lease=timedelta(seconds=lease), poll_seconds=poll, cadence=_cadence(),
                               scheduler=scheduler, factory=_factory())  # fmt: skip
    app = create_app(ApiState(engine, holder, cadence=settings.cadence, secure_cookies=secure_cookies))
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_config=None, access_log=True))
    service = Service(engine, holder, settings)

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        server.should_exit = True  # uvicorn takes the signal while serving; this covers start-up and shutdown

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stop)
    service.start()
    try:
        server.run()
    finally:
        service.stop(timeout=grace)
        engine.dispose()
    if not server.started:
        sys.exit(1)
