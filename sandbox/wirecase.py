"""Response header names in the canonical case the real CRMs send over HTTP/1.1, and their `Date` header.

Starlette lower-cases every header name it builds; uvicorn's h11 protocol writes the names an ASGI message
carries as they are (h11 keeps a name's raw case for the wire). So renaming them in the outermost middleware
puts `Content-Type`, `Sforce-Locator` and `X-HubSpot-RateLimit-Remaining` on the wire. uvicorn adds its own
`date` after the app, in lower case, so the server runs with `date_header=False` and this middleware adds it.
"""

from __future__ import annotations

from email.utils import formatdate
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.faults import RAW_SEND

__all__ = ["CanonicalHeadersMiddleware", "canonical_name"]

# Words whose canonical spelling is not the capitalised word (Salesforce and HubSpot spell these so).
_WORDS: Final = {
    "notfound": "NotFound",
    "hubspot": "HubSpot",
    "ratelimit": "RateLimit",
    "numberofrecords": "NumberOfRecords",
    "www": "WWW",
    "etag": "ETag",
    "md5": "MD5",
}
_CACHE: dict[bytes, bytes] = {}


def canonical_name(name: bytes) -> bytes:
    """`content-type` -> `Content-Type`, `x-hubspot-ratelimit-max` -> `X-HubSpot-RateLimit-Max`."""
    known = _CACHE.get(name)
    if known is None:
        words = name.decode("latin-1").lower().split("-")
        known = "-".join(_WORDS.get(w, w.capitalize()) for w in words).encode("latin-1")
        if len(_CACHE) < 1024:  # names come from our own code; the bound only guards against a leak
            _CACHE[name] = known
    return known


class CanonicalHeadersMiddleware:
    """Outermost middleware of each port: canonical header names plus `Date` on every response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def canonical(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(canonical_name(k), v) for k, v in message.get("headers", [])]
                if not any(k == b"Date" for k, _ in headers):
                    headers.insert(0, (b"Date", formatdate(usegmt=True).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        # The drop fault aborts the server's own transport, so it must reach uvicorn's `send`, not ours.
        await self.app({**scope, RAW_SEND: send}, receive, canonical)
