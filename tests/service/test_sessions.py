"""Dashboard sessions live on the server: a random id (never an API token) in the cookie, stored only as its
SHA-256, refused after sign-out, after its expiry and after its token's revocation, and a new id at each sign-in.
Every form post (sign-in and sign-out included) must come from our own page: Origin and the form's key."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text

from sync import utcnow
from sync.access.tokens import revoke_token

from .conftest import bearer, form_key, make_client, sign_in

EVIL = "https://evil.example"


def _session_cookie(response) -> str:
    value = response.cookies.get("accountsync_session")
    assert value, response.headers.get("set-cookie")
    return str(value)


def _stored_hashes(engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT session_hash FROM dashboard_session ORDER BY id"))]


def _replay(lite_store, config_path, cookie: str) -> tuple[int, str | None, int]:
    """What a thief holding `cookie` gets, from a fresh client: a page, and the API."""
    with make_client(lite_store, config_path) as thief:
        thief.cookies.set("accountsync_session", cookie)
        page = thief.get("/jobs", follow_redirects=False)
        api = thief.get("/api/jobs")
    return page.status_code, page.headers.get("location"), api.status_code


def test_the_cookie_is_a_random_session_id_stored_only_as_its_hash(lite_store, lite_client, lite_tokens) -> None:
    cookie = _session_cookie(sign_in(lite_client, lite_tokens["viewer"]))
    assert cookie not in lite_tokens.values()
    assert cookie.startswith("ss_")
    assert len(cookie) >= 40
    assert _stored_hashes(lite_store) == [hashlib.sha256(cookie.encode()).hexdigest()]
    with lite_store.connect() as conn:
        dump = repr(conn.execute(text("SELECT * FROM dashboard_session")).all())
    assert cookie not in dump
    assert lite_client.get("/api/jobs").status_code == 200  # the dashboard's JS reads the API with it


def test_a_cookie_copied_before_sign_out_is_refused_after_it(lite_store, lite_client, lite_tokens, config_path):
    cookie = _session_cookie(sign_in(lite_client, lite_tokens["operator"]))
    assert _replay(lite_store, config_path, cookie) == (200, None, 200)  # the copy works while the session lives
    key = form_key(lite_client.get("/jobs").text)
    out = lite_client.post("/logout", data={"csrf": key}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    assert _replay(lite_store, config_path, cookie) == (303, "/login", 401)
    with lite_store.connect() as conn:
        [revoked] = conn.execute(text("SELECT revoked_at FROM dashboard_session")).one()
    assert revoked is not None


def test_the_expiry_is_kept_by_the_server_not_the_browser(lite_store, lite_client, lite_tokens, config_path):
    response = sign_in(lite_client, lite_tokens["viewer"])
    cookie = _session_cookie(response)
    assert "Max-Age=43200" in response.headers["set-cookie"]
    with lite_store.connect() as conn:
        [(created, expires)] = conn.execute(text("SELECT created_at, expires_at FROM dashboard_session")).all()
    assert str(expires) > str(created)
    with lite_store.begin() as conn:  # twelve hours pass (a browser ignoring Max-Age keeps sending the cookie)
        conn.execute(text("UPDATE dashboard_session SET expires_at = :t"),
                     {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)})  # fmt: skip
    assert _replay(lite_store, config_path, cookie) == (303, "/login", 401)


def test_signing_in_again_rotates_the_id_and_ends_the_old_session(lite_store, lite_client, lite_tokens, config_path):
    first = _session_cookie(sign_in(lite_client, lite_tokens["viewer"]))
    second = _session_cookie(sign_in(lite_client, lite_tokens["operator"]))
    assert first != second
    assert _replay(lite_store, config_path, first) == (303, "/login", 401)
    assert _replay(lite_store, config_path, second) == (200, None, 200)


def test_revoking_the_token_ends_its_sessions(lite_store, lite_client, lite_tokens, config_path) -> None:
    cookie = _session_cookie(sign_in(lite_client, lite_tokens["viewer"]))
    revoke_token(lite_store, name="viewer-token")
    assert _replay(lite_store, config_path, cookie) == (303, "/login", 401)


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_an_api_token_is_not_a_session_cookie(lite_store, lite_tokens, config_path, role) -> None:
    assert _replay(lite_store, config_path, lite_tokens[role]) == (303, "/login", 401)


# -- cross-site posts (#25 item 8) -------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [EVIL, "null", "http://testserver.evil.example"])
def test_a_cross_site_sign_in_is_refused_and_sets_no_session(lite_client, lite_tokens, origin) -> None:
    response = sign_in(lite_client, lite_tokens["admin"], origin=origin)
    assert response.status_code == 403
    assert "accountsync_session" not in response.headers.get("set-cookie", "")
    assert lite_client.get("/jobs", follow_redirects=False).headers["location"] == "/login"


def test_a_sign_in_without_the_forms_key_is_refused(lite_client, lite_tokens) -> None:
    bare = lite_client.post("/login", data={"token": lite_tokens["admin"]}, follow_redirects=False)
    assert bare.status_code == 403
    lite_client.get("/login")  # the key cookie is set, but the post does not carry its value
    forged = lite_client.post("/login", data={"token": lite_tokens["admin"], "csrf": "guess"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "accountsync_session" not in forged.headers.get("set-cookie", "")


def test_a_same_origin_sign_in_with_origin_and_referer_is_accepted(lite_client, lite_tokens) -> None:
    response = sign_in(lite_client, lite_tokens["viewer"], origin="http://testserver",
                       referer="http://testserver/login")  # fmt: skip
    assert response.status_code == 303


def test_a_cross_site_or_keyless_sign_out_leaves_the_session_alive(lite_store, lite_client, lite_tokens, config_path):
    cookie = _session_cookie(sign_in(lite_client, lite_tokens["viewer"]))
    key = form_key(lite_client.get("/jobs").text)
    assert lite_client.post("/logout", data={"csrf": key}, headers={"origin": EVIL}).status_code == 403
    assert lite_client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert lite_client.post("/logout", data={"csrf": "x" * 64}, follow_redirects=False).status_code == 403
    assert _replay(lite_store, config_path, cookie) == (200, None, 200)


@pytest.mark.parametrize("origin", [EVIL, "null"])
def test_a_cross_site_api_post_with_the_session_is_refused(lite_client, lite_tokens, origin) -> None:
    sign_in(lite_client, lite_tokens["operator"])
    headers = {"X-Requested-With": "accountsync", "origin": origin}
    assert lite_client.post("/api/jobs/nightly/runs", json={}, headers=headers).status_code == 403
    same = lite_client.post("/api/jobs/nightly/runs", json={},
                            headers={"X-Requested-With": "accountsync", "origin": "http://testserver"})  # fmt: skip
    assert same.status_code == 201


def test_a_bearer_token_needs_no_origin_or_form_key(lite_client, lite_tokens) -> None:
    headers = bearer(lite_tokens["operator"]) | {"origin": EVIL}
    assert lite_client.post("/api/jobs/nightly/runs", json={}, headers=headers).status_code == 201


def test_sign_out_ends_the_session_on_both_stores(store, client, tokens, config_path) -> None:
    cookie = _session_cookie(sign_in(client, tokens["operator"]))
    assert _replay(store, config_path, cookie) == (200, None, 200)
    client.post("/logout", data={"csrf": form_key(client.get("/runs").text)})
    assert _replay(store, config_path, cookie) == (303, "/login", 401)
