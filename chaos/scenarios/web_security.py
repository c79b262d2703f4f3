"""The dashboard's and the API's defences (#25 items 7-10) against a running `accountsync serve`, as an attacker
meets them over HTTP: a session cookie stolen before sign-out, a sign-in posted from another site, the security
headers of every answer, and `/metrics` without a token. Each scenario checks a positive control too (a real
sign-in works, a scraper token scrapes), so refusing everything cannot pass."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Final

import httpx

from chaos.report import Row
from chaos.served import JOB, Served, form_key, sign_in
from chaos.suite import Context

__all__ = ["CROSS_SITE", "HEADERS", "METRICS", "THEFT", "cross_site", "headers", "metrics", "theft"]

THEFT: Final = "session-theft"
CROSS_SITE: Final = "cross-site-login"
HEADERS: Final = "security-headers"
METRICS: Final = "metrics-token"
COOKIE: Final = "accountsync_session"
EVIL: Final = "https://evil.example"
DASHBOARD: Final = ("/login", "/jobs", "/runs", "/runs/1", "/accounts", "/accounts/nope", "/kpis")


def _save(served: Served, name: str, answer: httpx.Response) -> None:
    """Keep an answer's body for the secrets scan."""
    folder = served.root / "answers"
    folder.mkdir(exist_ok=True)
    safe = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    (folder / f"{safe}.txt").write_text(f"{answer.status_code}\n{answer.headers}\n{answer.text}", encoding="utf-8")


def _replay(served: Served, cookie: str) -> tuple[int, int]:
    """What a thief holding `cookie` gets from a fresh client: (a page's status, the API's status)."""
    with served.client() as thief:
        thief.cookies.set(COOKIE, cookie)
        return thief.get("/jobs").status_code, thief.get("/api/jobs").status_code


def _stored(served: Served, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(served.root / "accountsync.db") as conn:
        return list(conn.execute(sql, params))


# -- session theft (#25 item 7) -----------------------------------------------------------------------------------


def theft(ctx: Context, row: Row) -> None:
    for seed in ctx.seeds(1):
        with Served(ctx.root / THEFT / str(seed), ctx.book) as served:
            token = served.token("chaos-operator", "operator")
            served.serve()
            with served.client() as victim:
                _stolen_then_signed_out(row, served, victim, token)
                _expired_on_the_server(row, served, victim, token)
                _rotated_at_sign_in(row, served, victim, token)
            _revoked_with_its_token(row, served)
        row.seeds += 1
    row.notes.append("checked: a cookie copied before sign-out, past its expiry, before a new sign-in, after its "
                     "token's revocation; an API token as the cookie")  # fmt: skip


def _signed_cookie(row: Row, served: Served, client: httpx.Client, token: str) -> str:
    answer = sign_in(client, token)
    row.runs += 1
    cookie = answer.cookies.get(COOKIE) or ""
    row.check(answer.status_code == 303 and bool(cookie), f"sign-in: {answer.status_code}, no session cookie")
    served.book.add(session_cookie=cookie)  # a session id is a secret too: no log or page may show it
    return cookie


def _stolen_then_signed_out(row: Row, served: Served, victim: httpx.Client, token: str) -> None:
    cookie = _signed_cookie(row, served, victim, token)
    row.check(cookie != token, "the session cookie is the API token itself")
    digest = hashlib.sha256(cookie.encode()).hexdigest()
    dump = (served.root / "accountsync.db").read_bytes()
    row.check(cookie.encode() not in dump, "the store holds the session id as it is (not hashed)")
    try:
        stored = _stored(served, "SELECT COUNT(*) FROM dashboard_session WHERE session_hash = ?", digest)
        row.check(stored == [(1,)], "the store has no row for the session's SHA-256")
    except sqlite3.Error as exc:
        row.fail(f"the store keeps no sessions: {exc}")
    row.check(_replay(served, cookie) == (200, 200), "the copied cookie did not work while the session lived")
    key = form_key(victim.get("/jobs").text)
    out = victim.post("/logout", data={"csrf": key})
    row.runs += 3
    row.check(out.status_code == 303, f"sign-out: {out.status_code}")
    row.check(
        _replay(served, cookie) == (303, 401), f"after sign-out the stolen cookie still gets {_replay(served, cookie)}"
    )


def _expired_on_the_server(row: Row, served: Served, victim: httpx.Client, token: str) -> None:
    cookie = _signed_cookie(row, served, victim, token)
    past = (datetime.now(UTC) - timedelta(seconds=1)).replace(tzinfo=None).isoformat(sep=" ")
    try:
        with sqlite3.connect(served.root / "accountsync.db") as conn:  # twelve hours pass, on the server
            conn.execute("UPDATE dashboard_session SET expires_at = ?", (past,))
    except sqlite3.Error as exc:
        row.fail(f"no expiry kept by the server: {exc}")
    row.runs += 1
    row.check(_replay(served, cookie) == (303, 401), "a session past its expiry still works")


def _rotated_at_sign_in(row: Row, served: Served, victim: httpx.Client, token: str) -> None:
    first = _signed_cookie(row, served, victim, token)
    second = _signed_cookie(row, served, victim, token)
    row.runs += 2
    row.check(first != second, "signing in again kept the same session id")
    row.check(_replay(served, first) == (303, 401), "the session a new sign-in replaced still works")
    row.check(_replay(served, second) == (200, 200), "the new session does not work")


def _revoked_with_its_token(row: Row, served: Served) -> None:
    token = served.token("chaos-short-lived", "viewer")
    with served.client() as client:
        cookie = _signed_cookie(row, served, client, token)
    revoked = served.cli("tokens", "revoke", "chaos-short-lived")
    row.runs += 2
    row.check(revoked.rc == 0, f"`accountsync tokens revoke`: {revoked.err[-200:]}")
    row.check(_replay(served, cookie) == (303, 401), "a session outlived the revocation of its token")
    row.check(_replay(served, token) == (303, 401), "an API token works as a session cookie")


# -- cross-site sign-in and posts (#25 item 8) --------------------------------------------------------------------


def cross_site(ctx: Context, row: Row) -> None:
    for seed in ctx.seeds(1):
        with Served(ctx.root / CROSS_SITE / str(seed), ctx.book) as served:
            operator = served.token("chaos-operator", "operator")
            attacker = served.token("chaos-attacker", "viewer")
            served.serve()
            _forged_sign_ins(row, served, attacker)
            _forged_session_posts(row, served, operator)
        row.seeds += 1


def _forged_sign_ins(row: Row, served: Served, attacker: str) -> None:
    forged = {  # what an attacker's page can make a victim's browser send
        "Origin evil.example, no form key": ({"origin": EVIL}, False),
        "Origin evil.example, a key of the attacker's own": ({"origin": EVIL}, True),
        "Origin null (a sandboxed page)": ({"origin": "null"}, True),
        "no Origin, Referer evil.example": ({"referer": f"{EVIL}/login"}, True),
        "no Origin, no form key": ({}, False),
    }
    for label, (headers, with_key) in forged.items():
        with served.client() as client:
            key = form_key(client.get("/login").text) if with_key else ""
            answer = client.post("/login", data={"token": attacker, "csrf": key}, headers=headers)
            _save(served, f"forged sign-in {label}", answer)
            row.runs += 1
            row.check(answer.status_code == 403, f"cross-site sign-in ({label}): {answer.status_code}, not 403")
            row.check(COOKIE not in answer.headers.get("set-cookie", ""), f"cross-site sign-in ({label}) set a session")
    with served.client() as client:
        own = sign_in(client, attacker, origin=served.url)
        row.runs += 1
        row.check(own.status_code == 303 and COOKIE in own.headers.get("set-cookie", ""),
                  f"a sign-in from the dashboard's own page failed: {own.status_code}")  # fmt: skip
    row.notes.append(f"checked: {len(forged)} forged sign-ins (each must be 403 without a session); the page's "
                     "own form (must sign in)")  # fmt: skip


def _forged_session_posts(row: Row, served: Served, operator: str) -> None:
    bearer = {"Authorization": f"Bearer {operator}"}
    with served.client() as victim:
        sign_in(victim, operator)
        key = form_key(victim.get("/jobs").text)
        out = victim.post("/logout", data={"csrf": key}, headers={"origin": EVIL})
        row.check(out.status_code == 403, f"a cross-site sign-out: {out.status_code}, not 403")
        row.check(victim.get("/jobs").status_code == 200, "a cross-site sign-out ended the session")
        before = victim.get("/api/runs", headers=bearer).json()["total"]
        posted = victim.post(f"/api/jobs/{JOB}/runs", json={"kind": "sync"},
                             headers={"X-Requested-With": "fetch", "origin": EVIL})  # fmt: skip
        row.check(posted.status_code == 403, f"a cross-site API post with the session: {posted.status_code}")
        after = victim.get("/api/runs", headers=bearer).json()["total"]
        row.check(after == before, f"a cross-site API post queued {after - before} run(s)")
        row.runs += 5
    row.notes.append("checked: a sign-out and an API post from evil.example with the victim's session")


# -- security headers (#25 item 9) -------------------------------------------------------------------------------


def _directives(policy: str) -> dict[str, list[str]]:
    return {p.split()[0].lower(): p.split()[1:] for p in policy.split(";") if p.strip()}


def header_problems(answer: httpx.Response) -> list[str]:
    """What an answer lacks: a CSP allowing no inline or foreign-evaluated script, no framing, nosniff, a
    referrer policy that sends nothing cross-site."""
    h = answer.headers
    csp = _directives(h.get("content-security-policy", ""))
    script = csp.get("script-src", csp.get("default-src", []))
    problems = []
    if not script or {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(script):
        problems.append(f"script-src {script or 'missing'}")
    if csp.get("frame-ancestors") != ["'none'"] and h.get("x-frame-options", "").upper() not in ("DENY", "SAMEORIGIN"):
        problems.append("framing allowed")
    if h.get("x-content-type-options", "").lower() != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if h.get("referrer-policy", "").lower() not in ("no-referrer", "same-origin", "strict-origin"):
        problems.append(f"Referrer-Policy {h.get('referrer-policy')!r}")
    return problems


def headers(ctx: Context, row: Row) -> None:
    for seed in ctx.seeds(1):
        with Served(ctx.root / HEADERS / str(seed), ctx.book) as served:
            admin = served.token("chaos-admin", "admin")
            served.serve()
            _every_answer(row, served, admin)
        row.seeds += 1


def _paths(served: Served, admin: str) -> list[str]:
    with served.client() as client:
        spec = client.get("/openapi.json").json()
        client.post(f"/api/jobs/{JOB}/runs", json={"kind": "sync"}, headers={"Authorization": f"Bearer {admin}"})
    params = {"job": JOB, "run_id": "1", "key": "nope", "name": "chaos-admin"}
    api = [p.format(**params) for p, ops in spec.get("paths", {}).items() if "get" in ops]
    statics = ["/static/dashboard.js", "/static/dashboard.css", "/static/chart.umd.js"]
    return [*DASHBOARD, *api, *statics, "/", "/docs", "/redoc", "/no-such-page", "/api/runs/424242"]


def _every_answer(row: Row, served: Served, admin: str) -> None:
    paths = _paths(served, admin)
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle=", re.IGNORECASE)
    with served.client() as client:
        answers = {f"{p} (signed out)": client.get(p) for p in ("/jobs", "/api/jobs", "/metrics")}
        sign_in(client, admin)
        answers |= {p: client.get(p) for p in paths}
        answers["POST /login (refused)"] = client.post("/login", data={"token": "x", "csrf": "x"})
    for name, answer in answers.items():
        _save(served, name, answer)
        row.runs += 1
        row.http_5xx += answer.status_code >= 500
        for problem in header_problems(answer):
            row.fail(f"{name} ({answer.status_code}): {problem}")
        if name in DASHBOARD and inline.search(answer.text):
            row.fail(f"{name}: inline script, handler or style in the page")
    row.notes.append(f"checked: {len(answers)} answers (dashboard pages, every GET of the OpenAPI, static files, "
                     "/docs, redirects, 401/403/404) for CSP, framing, nosniff and Referrer-Policy")  # fmt: skip


# -- /metrics (#25 item 10) ----------------------------------------------------------------------------------------


def metrics(ctx: Context, row: Row) -> None:
    for seed in ctx.seeds(1):
        with Served(ctx.root / METRICS / str(seed), ctx.book) as served:
            operator = served.token("chaos-operator", "operator")
            made = served.cli("tokens", "create", "chaos-prometheus", "--role", "metrics", secret_output=True)
            scraper = made.out.strip().splitlines()[-1] if made.rc == 0 and made.out.strip() else "as_none"
            row.check(made.rc == 0, f"no metrics-role token: {made.err.strip()[-200:]}")
            served.book.add(api_token_prometheus=scraper)
            served.serve()
            _scrapes(row, served, operator, scraper)
        row.seeds += 1


def _scrapes(row: Row, served: Served, operator: str, scraper: str) -> None:
    with served.client() as client:
        queued = client.post(f"/api/jobs/{JOB}/runs", json={"kind": "sync"},
                             headers={"Authorization": f"Bearer {operator}"})  # fmt: skip
        row.check(queued.status_code == 201, f"queueing a run: {queued.status_code}")
        for label, auth in (("no token", {}), ("a garbage token", {"Authorization": "Bearer as_nothing"}),
                            ("basic auth", {"Authorization": "Basic Y2hhb3M6Y2hhb3M="})):  # fmt: skip
            answer = client.get("/metrics", headers=auth)
            _save(served, f"metrics {label}", answer)
            row.runs += 1
            row.check(answer.status_code == 401, f"/metrics with {label}: {answer.status_code}, not 401")
            row.check(JOB not in answer.text, f"/metrics with {label} shows the job's name")
        scraped = client.get("/metrics", headers={"Authorization": f"Bearer {scraper}"})
        row.runs += 1
        row.check(scraped.status_code == 200, f"/metrics with the metrics token: {scraped.status_code}")
        want = f'accountsync_queue_depth{{job="{JOB}"}} 1.0'
        row.check(want in scraped.text, f"the scrape lacks `{want}` (one run was queued)")
        for path in ("/api/jobs", "/api/runs", "/api/accounts", "/api/kpis", "/api/tokens"):
            answer = client.get(path, headers={"Authorization": f"Bearer {scraper}"})
            row.runs += 1
            row.check(answer.status_code == 403, f"the metrics token reads {path}: {answer.status_code}")
        signed = sign_in(client, scraper)
        row.check(signed.status_code != 303, "the metrics token opens the dashboard")
    row.notes.append("checked: /metrics without a valid token (3 kinds), with a metrics token, and that token on "
                     "5 API reads and the dashboard's sign-in")  # fmt: skip
