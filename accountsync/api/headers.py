"""Security headers on every answer: a Content-Security-Policy without inline script, no framing, no sniffing,
no referrer to other sites (`same-origin`: `no-referrer` would make the browser send `Origin: null` on our own
form posts, which the CSRF check refuses). The OpenAPI pages get a policy of their own, naming their CDN and
their one inline script by its hash."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Final

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "HEADERS", "SecurityHeaders", "mount_docs"]

CSP: Final = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
              "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")  # fmt: skip
HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
DOCS_CDN: Final = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT: Final = re.compile(r"<script>(.*?)</script>", re.DOTALL)


class SecurityHeaders:
    """ASGI middleware: adds HEADERS to every HTTP answer that did not set its own (the docs pages do)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in self.raw if h[0] not in present]
            await send(message)

        await self.app(scope, receive, with_headers)


def _docs_policy(page: HTMLResponse) -> HTMLResponse:
    """The page's own policy: its CDN, and each inline script by its SHA-256 (never 'unsafe-inline' for scripts).
    Swagger UI and ReDoc inject styles at run time, so their styles may be inline."""
    body = bytes(page.body)
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT.findall(body.decode("utf-8"))
    )
    page.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' {DOCS_CDN} {hashes}; style-src 'self' 'unsafe-inline' {DOCS_CDN} "
        "https://fonts.googleapis.com; font-src 'self' https://fonts.gstatic.com; img-src 'self' data: "
        "https://fastapi.tiangolo.com; worker-src blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return page


def mount_docs(app: FastAPI) -> None:
    """`/docs` (Swagger UI) and `/redoc`, as FastAPI serves them, with the policy above."""

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return _docs_policy(get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - Swagger UI"))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _docs_policy(get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} - ReDoc"))
