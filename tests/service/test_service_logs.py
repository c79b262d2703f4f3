"""JSON logs: one object a line, the run's id bound on its lines, secret-shaped values redacted."""

from __future__ import annotations

import io
import json
import logging

import structlog

from accountsync import logs


def test_log_lines_are_json_with_the_bound_run_id_and_no_secret() -> None:
    stream = io.StringIO()
    logs.configure(stream)
    uvicorn_error = logging.getLogger("uvicorn.error")
    level = uvicorn_error.level
    uvicorn_error.setLevel(logging.INFO)  # another test's uvicorn may have left it at WARNING
    try:
        log = structlog.get_logger("test")
        with structlog.contextvars.bound_contextvars(run_id=7, job="nightly"):
            log.info("page stored", token="as_" + "x" * 40, url="postgresql://app:hunter2@db/accountsync")
            logging.getLogger("uvicorn.error").info("Authorization: Bearer as_%s", "y" * 40)
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        uvicorn_error.setLevel(level)
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    assert [line["run_id"] for line in lines] == [7, 7]
    assert lines[0]["token"] == "[redacted]"
    assert lines[0]["url"] == "postgresql://app:[redacted]@db/accountsync"
    assert "y" * 40 not in lines[1]["event"]
    assert "hunter2" not in stream.getvalue()
