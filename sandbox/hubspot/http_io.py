"""Reading HubSpot requests and writing HubSpot responses (JSON via orjson, query lists, flags)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from sandbox.hubspot.errors import ValidationError
from sandbox.hubspot.timestamps import iso_ms

__all__ = ["batch_envelope", "json_response", "query_flag", "query_int", "query_list", "read_json"]


def json_response(data: Any, status: int = 200, records: int | None = None, request: Request | None = None) -> Response:
    """A JSON answer; `records` is what the request log counts for it."""
    if request is not None and records is not None:
        request.state.sandbox_records = records
    return Response(orjson.dumps(data), status_code=status, media_type="application/json;charset=utf-8")


async def read_json(request: Request) -> tuple[Any, int]:
    """The parsed body and its length in characters; HubSpot's 400 for a body that is not JSON."""
    raw = await request.body()
    if not raw.strip():
        raise ValidationError("Invalid input JSON on line 1, column 1: No content to map due to end-of-input")
    try:
        return orjson.loads(raw), len(raw.decode("utf-8", errors="replace"))
    except orjson.JSONDecodeError as err:
        raise ValidationError(f"Invalid input JSON on line 1, column {err.pos + 1}: {err.msg}") from err


def query_list(request: Request, name: str) -> list[str] | None:
    """A list parameter given repeated (`a=x&a=y`, the SDK's way) or comma-separated (`a=x,y`)."""
    raw = request.query_params.getlist(name)
    if not raw:
        return None
    return [part.strip() for item in raw for part in item.split(",") if part.strip()]


def query_flag(request: Request, name: str) -> bool:
    """A boolean parameter in any case (`archived=False` from the SDK, `archived=true` from curl)."""
    return request.query_params.get(name, "false").strip().lower() == "true"


def query_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as err:
        raise ValidationError(f"Invalid value for query parameter {name}: {raw} is not an integer") from err


def batch_envelope(
    results: list[Any], errors: list[dict[str, Any]], started: int, completed: int
) -> tuple[dict[str, Any], bool]:
    """`{"status": "COMPLETE", "results", ["numErrors", "errors"], "startedAt", "completedAt"}` and
    whether it is a 207 multi-status answer."""
    body: dict[str, Any] = {"status": "COMPLETE", "results": results}
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    body["startedAt"] = iso_ms(started)
    body["completedAt"] = iso_ms(completed)
    return body, bool(errors)
