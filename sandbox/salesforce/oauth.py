"""POST /services/oauth2/token: client credentials, JWT bearer and refresh token grants, with OAuth's errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs

import jwt

from sandbox.salesforce.errors import OAuthError

if TYPE_CHECKING:
    from sandbox.context import SandboxContext
    from sandbox.salesforce.org import SalesforceOrg

JWT_GRANT: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PUBLIC_LOGIN_HOSTS: Final = frozenset({"login.salesforce.com", "test.salesforce.com"})


def token(org: SalesforceOrg, ctx: SandboxContext, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """Run the grant in a form-encoded token request; the answer as Salesforce words it, or OAuthError."""
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    grant = form.get("grant_type", "")
    host = headers.get("host", "")
    login_url = f"https://{host}" if host else ctx.base_url
    if grant == "client_credentials":
        user = _client_credentials(org, ctx, form, headers, host)
    elif grant == JWT_GRANT:
        user = _jwt_bearer(org, ctx, form.get("assertion", ""), login_url)
    elif grant == "refresh_token":
        user = _refresh(org, ctx, form, headers)
    else:
        raise OAuthError("unsupported_grant_type", "grant type not supported")
    return _answer(org, ctx, user, login_url)


def _client_pair(form: Mapping[str, str], headers: Mapping[str, str]) -> tuple[str, str]:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except ValueError:
            raise OAuthError("invalid_client", "invalid client credentials") from None
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret", "")


def _check_client(ctx: SandboxContext, client_id: str, secret: str | None) -> None:
    creds = ctx.credentials
    if not hmac.compare_digest(client_id, creds.sf_client_id):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if secret is not None and not hmac.compare_digest(secret, creds.sf_client_secret):
        raise OAuthError("invalid_client", "invalid client credentials")


def _client_credentials(
    org: SalesforceOrg, ctx: SandboxContext, form: Mapping[str, str], headers: Mapping[str, str], host: str
) -> int:
    if host.split(":")[0].lower() in PUBLIC_LOGIN_HOSTS:
        raise OAuthError("invalid_grant", "request not supported on this domain")
    client_id, secret = _client_pair(form, headers)
    _check_client(ctx, client_id, secret)
    return org.user  # the connected app's "Run As" user: the integration user


def _jwt_bearer(org: SalesforceOrg, ctx: SandboxContext, assertion: str, login_url: str) -> int:
    creds = ctx.credentials
    try:
        claims = jwt.decode(
            assertion, creds.sf_public_key_pem, algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False, "verify_nbf": False},
        )  # fmt: skip
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if claims.get("iss") != creds.sf_client_id:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    audiences = claims.get("aud")
    allowed = {f"https://{h}" for h in PUBLIC_LOGIN_HOSTS} | {ctx.base_url.rstrip("/"), login_url.rstrip("/")}
    given = audiences if isinstance(audiences, list) else [audiences]
    if not any(isinstance(a, str) and a.rstrip("/") in allowed for a in given):
        raise OAuthError("invalid_grant", "audience is invalid")
    if not _unexpired(claims.get("exp")):
        raise OAuthError("invalid_grant", "expired authorization code")
    if str(claims.get("sub", "")).lower() != creds.sf_username.lower():
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    return org.user


def _unexpired(exp: Any) -> bool:
    """`exp` in the future; simple-salesforce sends it as a string of digits, which Salesforce accepts."""
    try:
        return float(exp) > time.time()
    except (TypeError, ValueError):
        return False


def _refresh(org: SalesforceOrg, ctx: SandboxContext, form: Mapping[str, str], headers: Mapping[str, str]) -> int:
    client_id, secret = _client_pair(form, headers)
    _check_client(ctx, client_id, secret or None)
    user = org.access.refresh_tokens.get(form.get("refresh_token", ""))
    if user is None:
        raise OAuthError("invalid_grant", "expired access/refresh token")
    return user


def _answer(org: SalesforceOrg, ctx: SandboxContext, user: int, login_url: str) -> dict[str, Any]:
    issued = str(org.clock.now())
    identity = f"{login_url}/id/{org.org_id}/{org.table('User').id_of(user)}"
    digest = hmac.new(ctx.credentials.sf_client_secret.encode(), (identity + issued).encode(), hashlib.sha256)
    return {
        "access_token": org.access.open_session(user, org.clock.now()),
        "signature": base64.b64encode(digest.digest()).decode(),
        "scope": "api",
        "instance_url": ctx.base_url.rstrip("/"),
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued,
    }
