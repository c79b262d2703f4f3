"""Logging in: each grant posts the right form to our login URL; refusals are AuthErrors without secrets."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from config.models import SalesforceConnection
from connectors.errors import AuthError
from connectors.salesforce import connect

from .conftest import FAKE_URL, FAST_RETRY, FakeSalesforce, token_answer


def _form(fake: FakeSalesforce) -> dict[str, str]:
    token_posts = [r for r in fake.seen if (r.url or "").endswith("/services/oauth2/token")]
    body = token_posts[-1].body
    text = body.decode() if isinstance(body, bytes) else str(body)
    return {k: v[0] for k, v in parse_qs(text).items()}


def _login(fake: FakeSalesforce, conn: SalesforceConnection) -> None:
    session = requests.Session()
    session.mount("https://", fake)
    connector = connect("fake-sf", conn, retry=FAST_RETRY, session=session)
    try:
        assert connector.org.token.instance_url == FAKE_URL
    finally:
        connector.close()


def test_jwt_bearer_signs_iss_sub_aud_exp_with_the_key_file(fake_sf: FakeSalesforce, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "key.pem").write_bytes(pem)
    conn = SalesforceConnection(
        type="salesforce", login_url=FAKE_URL, auth="jwt", client_id=SecretStr("consumer-key"),
        username="integration@example.com", jwt_key_file=tmp_path / "key.pem",
    )  # fmt: skip
    _login(fake_sf, conn)
    form = _form(fake_sf)
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = jwt.decode(form["assertion"], key.public_key(), algorithms=["RS256"], audience=FAKE_URL)
    assert (claims["iss"], claims["sub"]) == ("consumer-key", "integration@example.com")
    assert 0 < claims["exp"] - time.time() <= 180


def test_client_credentials_posts_id_and_secret_in_the_form(fake_sf: FakeSalesforce, fake_conn) -> None:
    _login(fake_sf, fake_conn)
    assert _form(fake_sf) == {
        "grant_type": "client_credentials", "client_id": "fake-client-id", "client_secret": "fake-client-secret-value",
    }  # fmt: skip


def test_refresh_token_grant(fake_sf: FakeSalesforce, fake_conn: SalesforceConnection) -> None:
    conn = fake_conn.model_copy(update={"auth": "refresh_token", "refresh_token": SecretStr("5Aep-refresh")})
    _login(fake_sf, conn)
    assert _form(fake_sf)["grant_type"] == "refresh_token"
    assert _form(fake_sf)["refresh_token"] == "5Aep-refresh"


@pytest.mark.parametrize(
    ("status", "error"), [(400, "invalid_grant"), (400, "invalid_client"), (401, "invalid_client")]
)
def test_a_refused_grant_is_an_auth_error_with_the_oauth_code_and_no_secret(
    fake_sf: FakeSalesforce, fake_conn: SalesforceConnection, status: int, error: str
) -> None:
    fake_sf.route(
        "POST", r"oauth2/token$", (status, {"error": error, "error_description": "authentication failure"}, {})
    )
    with pytest.raises(AuthError) as caught:
        _login(fake_sf, fake_conn)
    assert caught.value.code == error
    assert "fake-sf" in str(caught.value)
    assert "fake-client-secret-value" not in str(caught.value) + repr(caught.value)
    assert len(fake_sf.paths("POST")) == 1  # a refusal is never retried


def test_a_token_endpoint_outage_is_retried(fake_sf: FakeSalesforce, fake_conn: SalesforceConnection) -> None:
    fake_sf.route("POST", r"oauth2/token$", (503, "down", {}), requests.ConnectionError("reset"), token_answer())
    _login(fake_sf, fake_conn)
    assert len(fake_sf.paths("POST")) == 3
