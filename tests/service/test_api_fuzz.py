"""Schemathesis over the OpenAPI of the admin API (ASGI, in-process): no 500, no response outside its schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from accountsync.api import ApiState
from accountsync.web import create_app
from config import load_deployment
from sync.access.tokens import create_token
from sync.runs.queue import claim, enqueue
from sync.serve.service import DeploymentHolder
from tests.lanes import examples

from .conftest import bearer, seed_scores

ADMIN_NAME = "fuzz-admin-9f27c1e4"  # never drawn by the fuzzer, so it cannot revoke its own token
# Only a hang guard: schemathesis's own 10 s read timeout was a speed check (a calibrated review of 8 years by month
# took longer on CI's loaded machine), and tests never assert a wall-clock time.
HANG_SECONDS = 300


@pytest.fixture
def fuzz_state(lite_store: Any, config_path: Path) -> dict[str, Any]:
    seed_scores(lite_store)
    for job in ("nightly", "manual", "nightly"):
        enqueue(lite_store, job=job)
    claim(lite_store, worker="fuzz")
    holder = DeploymentHolder(lambda: load_deployment(config_path, {}))
    app = create_app(ApiState(lite_store, holder))
    return {"app": app, "token": create_token(lite_store, name=ADMIN_NAME, role="admin")}


def test_the_api_never_errors_and_always_answers_within_its_schema(fuzz_state: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_state["app"])
    headers = bearer(fuzz_state["token"])
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: Any) -> None:
            case.call_and_validate(headers=headers, timeout=HANG_SECONDS)

        call()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) >= 14, checked
