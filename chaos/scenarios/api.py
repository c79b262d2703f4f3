"""The admin API and dashboard of `accountsync serve` (a subprocess, tokens from `accountsync tokens create`):
the auth matrix, schemathesis over its OpenAPI, then 50 concurrent clients for 60 s while syncs run (queued
through the API, records changing under them). No 5xx anywhere; p99 latency reported; and the syncs lost
nothing."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
import uuid
from typing import Final

import httpx

from chaos.api_probe import ROLES, Caller, auth_matrix, fuzz, load, save
from chaos.checks import clean_exit, settle, verify_store
from chaos.report import Row
from chaos.served import sign_in
from chaos.stack import JOB, Stack, StackSpec
from chaos.suite import Context

__all__ = ["run"]

NAME: Final = "api"
CLIENTS: Final = 50
LOAD_SECONDS: Final = float(os.environ.get("CHAOS_LOAD_SECONDS") or 60)
FUZZ_EXAMPLES: Final = int(os.environ.get("CHAOS_FUZZ_EXAMPLES") or 12)
PAGES: Final = ("/jobs", "/runs", "/runs/{run_id}", "/accounts", "/accounts/{key}", "/kpis")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _token(stack: Stack, row: Row, name: str, role: str) -> str:
    proc = stack.accountsync("tokens", "create", name, "--role", role, secret_output=True)
    row.runs += 1
    token = proc.out.strip().splitlines()[-1] if proc.rc == 0 and proc.out.strip() else ""
    row.check(bool(token), f"`accountsync tokens create` failed: {proc.last_line()}")
    stack.book.add(**{f"api_token_{role}": token})
    return token


def _wait_ready(base: str, stack: Stack, seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if stack.service is None or stack.service.poll() is not None:
            return False
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def run(ctx: Context, row: Row) -> None:
    for seed in ctx.seeds(1):
        rng = ctx.rng(NAME, seed)
        spec = StackSpec(seed=seed, accounts=rng.randint(180, 240), backend="postgresql", writeback=True)
        with ctx.stack(NAME, str(seed), spec) as stack:
            stack.migrate()
            first = stack.cli("run", JOB)
            row.runs += 1
            clean_exit(row, first, f"seed {seed}")
            _probe(ctx, row, stack, seed)
        row.seeds += 1


def _probe(ctx: Context, row: Row, stack: Stack, seed: int) -> None:
    tokens = {role: _token(stack, row, f"chaos-{role}-{uuid.uuid4().hex[:12]}", role) for role in ROLES}
    revoked_name, victim = f"chaos-revoked-{uuid.uuid4().hex[:12]}", f"chaos-victim-{uuid.uuid4().hex[:12]}"
    revoked = _token(stack, row, revoked_name, "viewer")
    _token(stack, row, victim, "viewer")
    stack.accountsync("tokens", "revoke", revoked_name)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    stack.serve(port, "--workers", "1", "--poll-seconds", "0.3", "--grace-seconds", "20")
    if not row.check(_wait_ready(base, stack), "`accountsync serve` did not answer /healthz"):
        return
    keep: list[str] = []
    bearer = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    key_rows = stack.query("SELECT account_key FROM account_score ORDER BY rank LIMIT 1")
    params = {"job": JOB, "run_id": str(stack.runs()[0]["id"]), "key": str(key_rows[0][0]) if key_rows else "x",
              "name": victim}  # fmt: skip
    _matrix(ctx, row, base, bearer, tokens, revoked, params, keep)
    _dashboard(ctx, row, stack, base, tokens["viewer"], params)
    problems, calls, errors = fuzz(base, bearer["admin"], seed, FUZZ_EXAMPLES, keep)
    row.runs += calls
    row.http_5xx += errors
    for problem in problems:
        row.fail(f"fuzz: {problem}")
    row.notes.append(f"schemathesis: {calls} calls over the OpenAPI as admin, {len(problems)} problem(s)")
    ctx.say(f"   {row.notes[-1]}")
    _load(ctx, row, stack, base, bearer, params, seed)
    save(keep, stack.root / "api-answers.txt")
    code = stack.stop_serving()
    row.check(code == 0, f"`accountsync serve` exited {code} on SIGTERM")
    left = [r["id"] for r in stack.runs() if r["status"] == "running"]
    row.check(not left, f"runs {left} were left `running` after the service stopped")
    settle(stack, row, "after the load")
    tally = verify_store(stack, row, "after the load")
    ctx.say(
        f"   store after the syncs under load: expected {tally.expected}, missing {tally.missing}, wrong {tally.wrong}"
    )


def _matrix(ctx: Context, row: Row, base: str, bearer: dict[str, dict[str, str]], tokens: dict[str, str],
            revoked: str, params: dict[str, str], keep: list[str]) -> None:  # fmt: skip
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as browser:
        session = sign_in(browser, tokens["operator"]).cookies.get("accountsync_session") or ""
    row.check(bool(session), "the operator could not sign in to the dashboard")
    ctx.book.add(session_cookie=session)
    callers = [
        Caller("anonymous", None, authenticated=False),
        Caller("garbage-token", None, {"Authorization": "Bearer not-a-token"}, authenticated=False),
        Caller("basic-auth", None, {"Authorization": "Basic dXNlcjpwYXNz"}, authenticated=False),
        Caller("revoked-token", None, {"Authorization": f"Bearer {revoked}"}, authenticated=False),
        *(Caller(role, role, bearer[role]) for role in ROLES),
        Caller("operator-cookie", "operator", cookies={"accountsync_session": session}),
        Caller("operator-cookie+csrf", "operator", {"X-Requested-With": "fetch"}, {"accountsync_session": session}),
        Caller("token-as-cookie", None, cookies={"accountsync_session": tokens["operator"]}, authenticated=False),
    ]  # fmt: skip
    spec = httpx.get(f"{base}/openapi.json", timeout=30).json()
    operations = {(m.upper(), p) for p, item in spec.get("paths", {}).items() for m in item}
    problems, calls, errors = auth_matrix(base, callers, params, operations, keep)
    row.runs += calls
    row.http_5xx += errors
    for problem in problems:
        row.fail(f"auth: {problem}")
    row.notes.append(f"auth matrix: {len(operations)} operations x {len(callers)} callers, {calls} calls, "
                     f"{len(problems)} problem(s)")  # fmt: skip
    ctx.say(f"   {row.notes[-1]}")


def _dashboard(ctx: Context, row: Row, stack: Stack, base: str, token: str, params: dict[str, str]) -> None:
    """Every page signed out (sent to /login) and signed in (200, HTML kept for the secrets scan)."""
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as client:
        for page in PAGES:
            answer = client.get(page.format(**params))
            row.check(answer.status_code == 303 and answer.headers.get("location") == "/login",
                      f"dashboard {page} signed out: {answer.status_code}")  # fmt: skip
        signed = sign_in(client, token)
        row.check(signed.status_code == 303, f"dashboard sign-in: {signed.status_code}")
        for page in PAGES:
            answer = client.get(page.format(**params))
            row.http_5xx += answer.status_code >= 500
            row.check(answer.status_code == 200, f"dashboard {page}: {answer.status_code}")
            name = re.sub(r"[^a-z0-9]+", "-", page.lower()).strip("-") or "home"
            (stack.root / f"page-{name}.html").write_text(answer.text, encoding="utf-8")
            row.runs += 1


def _load(ctx: Context, row: Row, stack: Stack, base: str, bearer: dict[str, dict[str, str]],
          params: dict[str, str], seed: int) -> None:  # fmt: skip
    paths = ["/api/accounts?limit=50", "/api/accounts?limit=200&tier=A", f"/api/accounts/{params['key']}",
             "/api/runs?limit=20", f"/api/runs/{params['run_id']}", "/api/kpis", "/api/jobs", "/healthz", "/metrics",
             "/readyz"]  # fmt: skip
    stop = threading.Event()
    queued = [0]

    def keep_syncing() -> None:
        with httpx.Client(base_url=base, headers=bearer["operator"], timeout=30) as client:
            while not stop.wait(1.0):
                try:
                    busy = sum(client.get("/api/runs", params={"status": s, "limit": 1}).json()["total"]
                               for s in ("queued", "running"))  # fmt: skip
                    if not busy:
                        client.post(f"/api/jobs/{JOB}/runs", json={"kind": "sync"})
                        queued[0] += 1
                except (httpx.HTTPError, KeyError, ValueError):
                    continue

    stack.sandbox.mutator.start(rate=5.0, seed=seed)
    syncing = threading.Thread(target=keep_syncing, daemon=True)
    syncing.start()
    try:
        result = load(base, bearer["viewer"], paths, CLIENTS, LOAD_SECONDS, seed)
    finally:
        stop.set()
        syncing.join(timeout=30)
        stack.sandbox.mutator.stop()
    row.runs += len(result.latencies)
    row.http_5xx += result.errors
    row.check(not result.failures, f"load: {len(result.failures)} transport failure(s), e.g. {result.failures[:2]}")
    done = [r for r in stack.runs() if r["trigger"] == "api" and r["kind"] == "sync"
            and r["status"] in ("succeeded", "partial")]  # fmt: skip
    row.check(len(done) >= 1, "load: no sync queued through the API completed while the load ran")
    row.notes.append(f"load: {CLIENTS} clients: {result.summary()}; {queued[0]} sync(s) queued through the API, "
                     f"{len(done)} completed")  # fmt: skip
    ctx.say(f"   {row.notes[-1]}")
