"""The portal's own settings the connector needs: its company currency (`GET /account-info/v3/details`)."""

from __future__ import annotations

from typing import Any

from connectors.hubspot.transport import Transport

__all__ = ["ACCOUNT_DETAILS_PATH", "company_currency"]

ACCOUNT_DETAILS_PATH = "/account-info/v3/details"


def company_currency(transport: Transport, api: Any) -> str | None:
    """The portal's company currency (`companyCurrency`), the currency of money properties that name none.

    hubspot-api-client has no account-info API: the call goes through a generated client's `call_api`,
    which carries the connection's host, CA and token like every other call.
    """
    reply = transport.call(
        "read account details", api.api_client.call_api, ACCOUNT_DETAILS_PATH, "GET",
        header_params={"Accept": "application/json"}, auth_settings=["oauth2"], _return_http_data_only=True,
    )  # fmt: skip
    code = (reply.body or {}).get("companyCurrency")
    return str(code) if code else None
