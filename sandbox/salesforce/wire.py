"""One API call in and one reply out, independent of the web framework that carries them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from sandbox.salesforce.errors import ApiError

JSON: Final = "application/json;charset=UTF-8"
CSV: Final = "text/csv"


@dataclass(frozen=True, slots=True)
class Call:
    """An authenticated call under /services/data/vXX.X/: `parts` is the path after the version."""

    method: str
    version: str
    parts: tuple[str, ...]
    params: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    user: int
    base_url: str

    def json(self) -> Any:
        """The body as JSON, or Salesforce's JSON_PARSER_ERROR."""
        try:
            return orjson.loads(self.body or b"null")
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: was expecting a value: {exc}") from None

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of object from START_ARRAY value")
        return data


@dataclass(slots=True)
class Reply:
    """What to answer: JSON-able `body` (or text / an iterator of text chunks for CSV)."""

    status: int = 200
    body: Any = None
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    records: int | None = None  # records carried, for the sandbox's request log

    def encoded(self) -> bytes | Iterator[str]:
        if self.status == 204 or (self.body is None and self.content_type != JSON):
            return b""
        if self.content_type == JSON:
            return orjson.dumps(self.body)
        if isinstance(self.body, str):
            return self.body.encode()
        return self.body  # type: ignore[no-any-return]


def error_reply(error: ApiError) -> Reply:
    return Reply(error.status, error.body())
