"""The portal's directory: a company's page in HubSpot's app (`/contacts/PORTAL/company/ID` on the portal's UI
domain, from the account details) and the owners' names (`GET /crm/v3/owners`, active and archived)."""

from __future__ import annotations

from typing import Any

from connectors.directory import RECORD_ID, Directory
from connectors.hubspot.portal import ACCOUNT_DETAILS_PATH
from connectors.hubspot.transport import Transport

__all__ = ["OWNERS_PATH", "read_directory"]

OWNERS_PATH = "/crm/v3/owners"
PAGE = 100


def read_directory(transport: Transport, api: Any) -> Directory:
    """The company page address and owner id -> name (first and last name, else email).

    hubspot-api-client's generated clients are used through `call_api`, as for the account details (see
    `connectors.hubspot.portal`): the owners' own client would need an API object of its own."""
    details = _get(transport, api, "read account details", ACCOUNT_DETAILS_PATH, []) or {}
    portal, domain = details.get("portalId"), details.get("uiDomain") or "app.hubspot.com"
    url = f"https://{domain}/contacts/{portal}/company/{RECORD_ID}" if portal else None
    owners: dict[str, str] = {}
    for archived in ("false", "true"):
        after: str | None = None
        while True:
            query = [("limit", PAGE), ("archived", archived)] + ([("after", after)] if after else [])
            body = _get(transport, api, "read owners", OWNERS_PATH, query) or {}
            owners |= {str(o["id"]): _name(o) for o in body.get("results") or [] if o.get("id")}
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
    return Directory(url, owners)


def _get(transport: Transport, api: Any, what: str, path: str, query: list[tuple[str, Any]]) -> Any:
    reply = transport.call(
        what, api.api_client.call_api, path, "GET", query_params=query,
        header_params={"Accept": "application/json"}, auth_settings=["oauth2"], _return_http_data_only=True,
    )  # fmt: skip
    return reply.body


def _name(owner: dict[str, Any]) -> str:
    full = " ".join(str(part) for part in (owner.get("firstName"), owner.get("lastName")) if part)
    return full or str(owner.get("email") or owner["id"])
