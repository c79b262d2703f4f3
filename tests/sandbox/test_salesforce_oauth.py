"""OAuth 2.0 token endpoint: client credentials, JWT bearer, refresh token, and OAuth-shaped refusals."""

from __future__ import annotations

import base64
import time
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import Salesforce

from sandbox.server import Sandbox

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ANSWER_KEYS = {"access_token", "signature", "scope", "instance_url", "id", "token_type", "issued_at"}


def token_url(sandbox: Sandbox) -> str:
    return sandbox.sf_url + "/services/oauth2/token"


def assertion(sandbox: Sandbox, key: Any = None, **claims: Any) -> str:
    creds = sandbox.credentials
    assert creds.sf_private_key_path is not None
    payload = {
        "iss": creds.sf_client_id,
        "sub": creds.sf_username,
        "aud": "https://login.salesforce.com",
        "exp": f"{time.time() + 180:.0f}",  # a string of digits, exactly as simple-salesforce sends it
    } | claims
    signing_key = key or creds.sf_private_key_path.read_bytes()
    return jwt.encode(payload, signing_key, algorithm="RS256")


def test_client_credentials_with_form_fields_returns_a_token_and_no_refresh_token(
    sandbox: Sandbox, http: requests.Session
) -> None:
    creds = sandbox.credentials
    form = {
        "grant_type": "client_credentials",
        "client_id": creds.sf_client_id,
        "client_secret": creds.sf_client_secret,
    }
    answer = http.post(token_url(sandbox), data=form)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == ANSWER_KEYS
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == sandbox.sf_url
    assert body["issued_at"].isdigit()
    assert "Sforce-Limit-Info" not in answer.headers


def test_client_credentials_accepts_http_basic_client_authentication(sandbox: Sandbox, http: requests.Session) -> None:
    creds = sandbox.credentials
    basic = base64.b64encode(f"{creds.sf_client_id}:{creds.sf_client_secret}".encode()).decode()
    answer = http.post(
        token_url(sandbox), data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert answer.status_code == 200
    assert answer.json()["access_token"]


def test_client_credentials_is_refused_on_the_public_login_domain(sandbox: Sandbox, http: requests.Session) -> None:
    creds = sandbox.credentials
    form = {
        "grant_type": "client_credentials",
        "client_id": creds.sf_client_id,
        "client_secret": creds.sf_client_secret,
    }
    answer = http.post(token_url(sandbox), data=form, headers={"Host": "login.salesforce.com"})
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant", "error_description": "request not supported on this domain"}


@pytest.mark.parametrize("audience", ["https://login.salesforce.com", "https://test.salesforce.com", "MY_DOMAIN"])
def test_jwt_bearer_grant_accepts_login_test_and_my_domain_audiences(
    sandbox: Sandbox, http: requests.Session, audience: str
) -> None:
    aud = sandbox.sf_url if audience == "MY_DOMAIN" else audience
    answer = http.post(token_url(sandbox), data={"grant_type": JWT_GRANT, "assertion": assertion(sandbox, aud=aud)})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == ANSWER_KEYS
    assert "refresh_token" not in body
    sf = Salesforce(instance_url=body["instance_url"], session_id=body["access_token"], session=http, version="62.0")
    assert sf.query("SELECT Id FROM Account LIMIT 1")["totalSize"] == 1


def test_a_jwt_signed_with_another_key_is_an_invalid_assertion(sandbox: Sandbox, http: requests.Session) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    answer = http.post(token_url(sandbox), data={"grant_type": JWT_GRANT, "assertion": assertion(sandbox, pem)})
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        (
            {"exp": f"{time.time() - 5:.0f}"},
            {"error": "invalid_grant", "error_description": "expired authorization code"},
        ),
        ({"aud": "https://evil.example"}, {"error": "invalid_grant", "error_description": "audience is invalid"}),
        ({"iss": "3MVGnotours"}, {"error": "invalid_client_id", "error_description": "client identifier invalid"}),
        ({"sub": "x@y.example"}, {"error": "invalid_grant", "error_description": "user hasn't approved this consumer"}),
    ],
)
def test_jwt_bearer_grant_refusals_are_oauth_shaped(
    sandbox: Sandbox, http: requests.Session, claims: dict[str, Any], error: dict[str, str]
) -> None:
    answer = http.post(
        token_url(sandbox), data={"grant_type": JWT_GRANT, "assertion": assertion(sandbox, None, **claims)}
    )
    assert answer.status_code == 400
    assert answer.json() == error


def test_refresh_token_grant_works_only_with_a_token_an_admin_issued(sandbox: Sandbox, http: requests.Session) -> None:
    creds = sandbox.credentials
    refresh = sandbox.admin("issue_refresh_token", "salesforce")["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": creds.sf_client_id}
    answer = http.post(token_url(sandbox), data=form)
    assert answer.status_code == 200
    assert "refresh_token" not in answer.json()
    bad = http.post(token_url(sandbox), data=form | {"refresh_token": "5Aep861nope"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}


def test_wrong_client_secret_and_unknown_grant_are_refused(sandbox: Sandbox, http: requests.Session) -> None:
    creds = sandbox.credentials
    form = {"grant_type": "client_credentials", "client_id": creds.sf_client_id, "client_secret": "nope"}
    assert http.post(token_url(sandbox), data=form).json() == {
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }
    assert http.post(token_url(sandbox), data={"grant_type": "password"}).json() == {
        "error": "unsupported_grant_type",
        "error_description": "grant type not supported",
    }
