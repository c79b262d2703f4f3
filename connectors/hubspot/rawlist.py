"""The list endpoint, the full read's hot path, read raw: one keep-alive httpx client instead of the SDK.

`GET /crm/v3/objects/{type}?limit=&after=&properties=a,b&archived=` returns 100 records a call, so the
generated client's per-call machinery (request building, urllib3 response wrapping) weighs on every record.
`RawObjectsApi.get_page` takes the SDK method's arguments and answers like it does with
`_preload_content=False` (`.status`, `.headers`, `.data`, `.release_conn()`; `ApiException` on an error
status; urllib3's `HTTPError` on a failed connection), so the transport's budget, throttle, error table and
retries apply unchanged. The SDK keeps every other call (search, batch reads, writes, properties).
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx
import hubspot.crm.objects as objects
import urllib3

from config.models import HubSpotConnection
from connectors.bodies import take_body

__all__ = ["RawObjectsApi"]


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """An answer shaped like the SDK's raw urllib3 response (and like its `ApiException`'s `http_resp`)."""

    status: int
    reason: str
    data: bytes
    headers: Mapping[str, str]

    def getheaders(self) -> Mapping[str, str]:
        """The headers (what `ApiException` reads)."""
        return self.headers

    def release_conn(self) -> None:
        """Nothing to release: httpx has read the body."""


class RawObjectsApi:
    """`get_page` of `hubspot.crm.objects.BasicApi` over httpx; the token never leaves the client's headers."""

    def __init__(self, conn: HubSpotConnection) -> None:
        verify: ssl.SSLContext | bool = True
        if conn.ca_bundle is not None:
            verify = ssl.create_default_context(cafile=str(conn.ca_bundle))
        self.client = httpx.Client(
            base_url=conn.base_url.rstrip("/"),
            verify=verify,
            trust_env=False,
            headers={"Authorization": f"Bearer {conn.token.get_secret_value()}", "Accept": "application/json"},
        )

    def get_page(
        self,
        object_type: str,
        *,
        limit: int,
        properties: Sequence[str],
        archived: bool,
        after: str | None = None,
        _preload_content: bool = False,
        _request_timeout: tuple[float, float] = (10.0, 120.0),
    ) -> RawAnswer:
        """One list page (see the module docstring for the answer's shape)."""
        params = {"limit": str(limit), "properties": ",".join(properties), "archived": str(archived).lower()}
        if after is not None:
            params["after"] = after
        connect, read = _request_timeout
        try:
            sent = self.client.get(f"/crm/v3/objects/{object_type}", params=params,
                                   timeout=httpx.Timeout(read, connect=connect))  # fmt: skip
        except httpx.TransportError as exc:
            raise urllib3.exceptions.ProtocolError(f"{type(exc).__name__}: {exc}") from None
        answer = RawAnswer(sent.status_code, sent.reason_phrase, take_body(sent), dict(sent.headers))
        if sent.status_code >= 400:
            raise objects.ApiException(http_resp=answer)
        return answer

    def close(self) -> None:
        """Close the client's pool."""
        self.client.close()
