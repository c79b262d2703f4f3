"""Logging in to a Salesforce org: JWT bearer, client credentials or refresh token, posted by us."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Final

import jwt
import requests

from config.models import SalesforceConnection
from connectors.errors import AuthError
from connectors.salesforce.errortable import CONNECTION_ERROR, Failure, action_for, error_for, first_error

JWT_GRANT: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_S: Final = 180
TOKEN_PATH: Final = "/services/oauth2/token"  # noqa: S105 - a path, not a secret


@dataclass(frozen=True, slots=True)
class Token:
    """What the token endpoint answered: the access token never shows in a repr."""

    access_token: str = field(repr=False)
    instance_url: str
    identity_url: str = ""

    @property
    def user_id(self) -> str | None:
        """The logged-in user's id, the last segment of the identity URL (`.../id/00D.../005...`)."""
        tail = self.identity_url.rstrip("/").rsplit("/", 1)[-1]
        return tail if tail.startswith("005") else None


def jwt_assertion(conn: SalesforceConnection, now: float | None = None) -> str:
    """The RS256 JWT of the bearer grant: iss = client id, sub = username, aud = audience or login URL."""
    if conn.jwt_key_file is None or conn.username is None:
        raise AuthError("", "JWT bearer needs username and jwt_key_file")
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": conn.client_id.get_secret_value(),
        "sub": conn.username,
        "aud": (conn.audience or conn.login_url).rstrip("/"),
        "exp": issued + JWT_LIFETIME_S,
    }
    key = conn.jwt_key_file.read_bytes()
    return jwt.encode(claims, key, algorithm="RS256")


def grant_form(conn: SalesforceConnection) -> dict[str, str]:
    """The form body of the configured grant (secrets read from their SecretStr only here)."""
    if conn.auth == "jwt":
        return {"grant_type": JWT_GRANT, "assertion": jwt_assertion(conn)}
    form = {"client_id": conn.client_id.get_secret_value()}
    if conn.client_secret is not None:
        form["client_secret"] = conn.client_secret.get_secret_value()
    if conn.auth == "client_credentials":
        return {"grant_type": "client_credentials", **form}
    if conn.refresh_token is None:
        raise AuthError("", "refresh_token grant needs a refresh token")
    return {"grant_type": "refresh_token", "refresh_token": conn.refresh_token.get_secret_value(), **form}


def login(name: str, conn: SalesforceConnection, http: requests.Session, timeout: float = 30.0) -> Token:
    """Run the configured grant against `{login_url}/services/oauth2/token`.

    Raises:
        AuthError: the grant was refused (`code` is the OAuth error, e.g. `invalid_grant`).
        RetriableError: the token endpoint was unreachable or answered 5xx.
    """
    url = conn.login_url.rstrip("/") + TOKEN_PATH
    try:
        form = grant_form(conn)
    except (OSError, ValueError) as exc:  # unreadable or invalid key file
        raise AuthError(name, f"cannot build the {conn.auth} grant: {type(exc).__name__}") from None
    except AuthError as exc:
        raise AuthError(name, exc.detail) from None
    try:
        answer = http.post(url, data=form, headers={"Accept": "application/json"}, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        failure = Failure(None, CONNECTION_ERROR, type(exc).__name__)
        raise error_for(name, failure, action_for(failure), f"login to {conn.login_url}") from None
    if answer.status_code != 200:
        raise _refusal(name, conn, answer)
    body = answer.json()
    return Token(body["access_token"], body["instance_url"], str(body.get("id", "")))


def _refusal(name: str, conn: SalesforceConnection, answer: requests.Response) -> Exception:
    try:
        content = answer.json()
    except ValueError:
        content = answer.text
    code, message = first_error(content)
    failure = Failure(answer.status_code, code, message)
    action = action_for(failure)
    what = f"{conn.auth} login to {conn.login_url} refused"
    if answer.status_code >= 500 or failure.status is None:
        return error_for(name, failure, action, what)
    return AuthError(name, f"{what}: {message}".rstrip(": "), code=code, status=answer.status_code)
