"""The admin API: roles on every endpoint, runs and the Idempotency-Key, accounts, KPIs, health, no secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sync import SourceAccount, SyncRun, WritebackRejection, current_revision, session, utcnow
from sync.access.tokens import token_hash
from sync.runs.queue import claim, enqueue

from .conftest import ROLES, bearer, make_client, seed_scores, sign_in, write_config
from .fakecrm import SECRET

# (method, path, body, least role); None: open to anyone
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, str | None]] = [
    ("GET", "/healthz", None, None),
    ("GET", "/readyz", None, None),
    ("GET", "/metrics", None, "metrics"),
    ("GET", "/api/jobs", None, "viewer"),
    ("GET", "/api/runs", None, "viewer"),
    ("GET", "/api/runs/{run}", None, "viewer"),
    ("GET", "/api/accounts", None, "viewer"),
    ("GET", "/api/accounts/sf:acc0", None, "viewer"),
    ("GET", "/api/kpis", None, "viewer"),
    ("POST", "/api/jobs/nightly/runs", {"kind": "sync"}, "operator"),
    ("POST", "/api/runs/{queued}/cancel", None, "operator"),
    ("GET", "/api/tokens", None, "admin"),
    ("POST", "/api/tokens", {"name": "made-{who}", "role": "viewer"}, "admin"),
    ("DELETE", "/api/tokens/victim-{who}", None, "admin"),
    ("POST", "/api/config/reload", None, "admin"),
]
CALLERS = ("nobody", "garbage", "revoked", *ROLES)


def _expected(least: str | None, who: str) -> set[int]:
    if least is None:
        return {200}
    if who in ("nobody", "garbage", "revoked"):
        return {401}
    return {403} if ROLES.index(who) < ROLES.index(least) else {200, 201, 204}


def _check_matrix(store: Any, client: Any, tokens: dict[str, str], cases: list[tuple[Any, ...]]) -> list[str]:
    from sync.access.tokens import create_token

    seed_scores(store)
    run_id = enqueue(store, job="manual").run_id
    problems = []
    for i, (method, path, body, least) in enumerate(cases):
        for who in CALLERS:
            tag = f"{who}-{i}"
            queued = enqueue(store, job="nightly", idempotency_key=f"matrix-{tag}").run_id
            create_token(store, name=f"victim-{tag}", role="viewer")
            url = path.format(run=run_id, queued=queued, who=tag)
            headers = {} if who == "nobody" else bearer("as_garbage" if who == "garbage" else tokens[who])
            payload = None if body is None else {k: v.format(who=tag) if isinstance(v, str) else v
                                                 for k, v in body.items()}  # fmt: skip
            response = client.request(method, url, json=payload, headers=headers)
            if response.status_code not in _expected(least, who):
                problems.append(f"{method} {url} as {who}: {response.status_code} {response.text[:200]}")
    return problems


def _matrix_store(url: str) -> tuple[Any, dict[str, str]]:
    from sync import build_engine, upgrade
    from sync.access.tokens import create_token, revoke_token

    store = build_engine(url)
    upgrade(store)
    tokens = {role: create_token(store, name=f"{role}-token", role=role) for role in ROLES}
    tokens["revoked"] = create_token(store, name="revoked-token", role="admin")
    revoke_token(store, name="revoked-token")
    return store, tokens


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_every_endpoint_answers_each_role_as_the_role_matrix_says(endpoint, sqlite_url, tmp_path) -> None:
    store, tokens = _matrix_store(sqlite_url)
    try:
        with make_client(store, write_config(tmp_path)) as client:
            assert _check_matrix(store, client, tokens, [endpoint]) == []
    finally:
        store.dispose()


def test_the_whole_role_matrix_holds_on_postgresql(pg_url, tmp_path) -> None:
    store, tokens = _matrix_store(pg_url)
    try:
        with make_client(store, write_config(tmp_path)) as client:
            assert _check_matrix(store, client, tokens, ENDPOINTS) == []
    finally:
        store.dispose()


def test_tokens_are_stored_hashed_and_never_listed(lite_store, lite_client, lite_tokens) -> None:
    with session(lite_store) as s:
        from sqlmodel import select

        from sync import ApiToken

        rows = s.exec(select(ApiToken)).all()
    assert {r.token_hash for r in rows} >= {token_hash(t) for t in lite_tokens.values()}
    assert not any(t in r.token_hash for r in rows for t in lite_tokens.values())
    listed = lite_client.get("/api/tokens", headers=bearer(lite_tokens["admin"])).text
    assert not any(t in listed for t in lite_tokens.values())


def test_a_new_token_is_shown_once_and_works_until_revoked(lite_client, lite_tokens) -> None:
    made = lite_client.post(
        "/api/tokens", json={"name": "ci-bot", "role": "operator"}, headers=bearer(lite_tokens["admin"])
    )
    assert made.status_code == 201
    token = made.json()["token"]
    assert lite_client.get("/api/runs", headers=bearer(token)).status_code == 200
    again = lite_client.post(
        "/api/tokens", json={"name": "ci-bot", "role": "viewer"}, headers=bearer(lite_tokens["admin"])
    )
    assert again.status_code == 409
    assert lite_client.delete("/api/tokens/ci-bot", headers=bearer(lite_tokens["admin"])).status_code == 204
    assert lite_client.get("/api/runs", headers=bearer(token)).status_code == 401


def test_the_same_idempotency_key_returns_the_same_run(client, tokens) -> None:
    headers = bearer(tokens["operator"]) | {"Idempotency-Key": "deploy-42"}
    first = client.post("/api/jobs/nightly/runs", json={"kind": "full"}, headers=headers)
    second = client.post("/api/jobs/nightly/runs", json={"kind": "full"}, headers=headers)
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["created"] is True
    assert second.json()["created"] is False
    assert second.json()["run"]["id"] == first.json()["run"]["id"]
    assert first.json()["run"]["params"]["requested_by"] == "operator-token"
    other = client.post("/api/jobs/manual/runs", json={"kind": "full"}, headers=headers)
    assert other.status_code == 409
    runs = client.get("/api/runs", headers=bearer(tokens["viewer"])).json()
    assert runs["total"] == 1


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"kind": "nap"}, ["body", "kind"]),
        ({"objects": []}, ["body", "objects"]),
        ({"objects": ["Lead"]}, ["body", "objects"]),
        ({"kind": "sync", "surprise": 1}, ["body", "surprise"]),
        ({"kind": "sync", "account": "sf:001nothere"}, ["body", "account"]),
        ({"kind": "writeback", "account": "sf:001nothere"}, ["body", "account"]),
    ],
)
def test_a_bad_run_request_gets_a_clear_422(lite_client, lite_tokens, body, where) -> None:
    response = lite_client.post("/api/jobs/nightly/runs", json=body, headers=bearer(lite_tokens["operator"]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == where


def test_a_single_account_resync_is_queued_for_the_account_key_however_it_is_named(store, client, tokens) -> None:
    with session(store) as s, s.begin():
        s.add(SourceAccount(connection="hubspot", crm="hubspot", source_id="9001", account_key="sf:001A"))
        s.add(SourceAccount(connection="salesforce", crm="salesforce", source_id="001A", account_key="sf:001A"))
    headers = bearer(tokens["operator"])
    by_id = client.post("/api/jobs/nightly/runs", json={"kind": "sync", "account": "9001"}, headers=headers)
    assert by_id.status_code == 201, by_id.text
    assert by_id.json()["run"]["params"]["account"] == "sf:001A"
    assert by_id.json()["run"]["kind"] == "account"  # listed as an account resync, with its key
    for_writeback = client.post("/api/jobs/nightly/runs", json={"kind": "dry_run", "account": "sf:001A"},
                                headers=headers)  # fmt: skip
    assert for_writeback.status_code == 422
    assert "goes with kind account, sync or full" in for_writeback.json()["detail"][0]["msg"]


def test_runs_filter_by_job_and_status_and_page(store, client, tokens) -> None:
    for job in ("nightly", "manual", "nightly"):
        enqueue(store, job=job)
    claim(store, worker="w")
    viewer = bearer(tokens["viewer"])
    assert client.get("/api/runs?job=nightly", headers=viewer).json()["total"] == 2
    running = client.get("/api/runs?status=running", headers=viewer).json()
    assert [r["job"] for r in running["items"]] == ["nightly"]
    page = client.get("/api/runs?limit=2&offset=2", headers=viewer).json()
    assert (page["total"], len(page["items"]), page["items"][0]["id"]) == (3, 1, 1)
    assert client.get("/api/runs?status=sleeping", headers=viewer).status_code == 422


def test_a_run_shows_progress_counts_api_calls_errors_and_rejections(store, client, tokens) -> None:
    run_id = enqueue(store, job="nightly", kind="writeback").run_id
    with session(store) as s, s.begin():
        run = s.get(SyncRun, run_id)
        assert run is not None
        run.status, run.progress = "running", {"sf.Account": {"expected": 10, "read": 4, "pages": 2}}
        run.counts, run.api_calls = {"read": 4, "inserted": 4, "extra": {"error_count": 1}}, {"sf": 3}
        run.errors = [{"kind": "rejected", "message": "1 record(s) refused by sf"}]
        s.add(WritebackRejection(run_id=run_id, connection="sf", object="Account", record_id="001A",
                                 code="FIELD_CUSTOM_VALIDATION_EXCEPTION", message="Score too high",
                                 created_at=utcnow()))  # fmt: skip
    body = client.get(f"/api/runs/{run_id}", headers=bearer(tokens["viewer"])).json()
    assert body["percent"] == 40.0
    assert body["api_calls"] == {"sf": 3}
    assert body["error_count"] == 1
    assert body["rejections"][0]["code"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert client.get("/api/runs/999999", headers=bearer(tokens["viewer"])).status_code == 404


def test_cancelling_a_running_run_is_a_conflict(store, client, tokens) -> None:
    run_id = enqueue(store, job="nightly").run_id
    claim(store, worker="w")
    response = client.post(f"/api/runs/{run_id}/cancel", headers=bearer(tokens["operator"]))
    assert response.status_code == 409
    assert "only a queued run" in response.json()["detail"]


def test_accounts_are_ranked_and_filtered(store, client, tokens) -> None:
    seed_scores(store)
    viewer = bearer(tokens["viewer"])
    ranked = client.get("/api/accounts", headers=viewer).json()
    assert [a["rank"] for a in ranked["items"]] == [1, 2, 3, 4, 5, 6]
    assert ranked["items"][0]["reasons"] == ["reason 0a", "reason 0b"]
    assert ranked["items"][0]["change_reason"] == "moved 0"
    assert client.get("/api/accounts?tier=A", headers=viewer).json()["total"] == 2
    assert client.get("/api/accounts?owner=Bob&industry=Software", headers=viewer).json()["total"] == 2
    assert client.get("/api/accounts?country=DE", headers=viewer).json()["total"] == 2
    assert client.get("/api/accounts?min_score=60", headers=viewer).json()["total"] == 3
    assert len(client.get("/api/accounts?limit=2&offset=4", headers=viewer).json()["items"]) == 2
    one = client.get("/api/accounts/sf:acc1", headers=viewer).json()
    assert (one["account"]["tier"], one["account"]["figures"]["arr"], one["history"][0]["score"]) == ("A", 5000.0, 78.0)
    assert client.get("/api/accounts/nope", headers=viewer).status_code == 404


def test_kpis_come_from_the_latest_scoring_run(store, client, tokens) -> None:
    assert client.get("/api/kpis", headers=bearer(tokens["viewer"])).json()["scoring_run_id"] is None
    run_id = seed_scores(store)
    kpis = client.get("/api/kpis", headers=bearer(tokens["viewer"])).json()
    assert kpis["scoring_run_id"] == run_id
    assert (kpis["portfolio"]["grr"], kpis["portfolio"]["nrr"]) == (0.777, 0.888)


def test_jobs_show_next_fire_times_and_connections_without_secrets(lite_client, lite_tokens) -> None:
    response = lite_client.get("/api/jobs", headers=bearer(lite_tokens["viewer"]))
    body = response.json()
    jobs = {j["name"]: j for j in body["jobs"]}
    assert jobs["nightly"]["next_fire_at"] is not None
    assert jobs["manual"]["next_fire_at"] is None
    assert body["connections"] == [{"name": "sf", "type": "salesforce", "url": "https://127.0.0.1:1",
                                    "auth": "client_credentials"}]  # fmt: skip
    assert SECRET not in response.text
    assert "fake-client-id" not in response.text


def test_readyz_is_503_until_the_store_is_migrated(tmp_path: Path, config_path) -> None:
    from sync import build_engine

    engine = build_engine(f"sqlite:///{tmp_path}/empty.db")
    with make_client(engine, config_path) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["detail"].startswith("store at none, code needs")
    engine.dispose()


def test_readyz_says_ready_with_the_revision(lite_store, lite_client) -> None:
    assert lite_client.get("/readyz").json() == {
        "status": "ok",
        "revision": current_revision(lite_store),
        "detail": None,
    }


def test_metrics_need_a_token_and_a_metrics_token_reads_nothing_else(lite_store, lite_client, lite_tokens) -> None:
    enqueue(lite_store, job="nightly")
    anonymous = lite_client.get("/metrics")
    assert anonymous.status_code == 401
    assert "nightly" not in anonymous.text
    scraper = bearer(lite_tokens["metrics"])
    scraped = lite_client.get("/metrics", headers=scraper)
    assert scraped.status_code == 200
    assert 'accountsync_queue_depth{job="nightly"} 1.0' in scraped.text
    for path in ("/api/jobs", "/api/runs", "/api/accounts", "/api/kpis", "/api/tokens"):
        assert lite_client.get(path, headers=scraper).status_code == 403, path
    assert lite_client.get("/jobs", headers=scraper, follow_redirects=False).headers["location"] == "/login"


def test_a_metrics_token_cannot_open_the_dashboard(lite_client, lite_tokens) -> None:
    refused = sign_in(lite_client, lite_tokens["metrics"])
    assert refused.status_code == 401
    assert "accountsync_session" not in refused.headers.get("set-cookie", "")


def test_config_reload_follows_the_file_and_keeps_the_old_one_when_invalid(lite_client, lite_tokens, config_path):
    admin = bearer(lite_tokens["admin"])
    config_path.write_text(config_path.read_text().replace("name: manual", "name: weekly"))
    assert lite_client.post("/api/config/reload", headers=admin).json() == {"jobs": ["nightly", "weekly"]}
    config_path.write_text("jobs: [")
    response = lite_client.post("/api/config/reload", headers=admin)
    assert response.status_code == 422
    names = [j["name"] for j in lite_client.get("/api/jobs", headers=admin).json()["jobs"]]
    assert names == ["nightly", "weekly"]


HOSTILE_CONFIGS = [
    ("alias bomb", "a0: &a0 [" + ", ".join(["lol"] * 9) + "]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10)), ":5:35: refused: the file "
     "expands to more than 50,000 values through the alias *a3"),
    ("nested 100,000 deep", "a: " + "[" * 100_000 + "]" * 100_000, ":1:35: refused: nested deeper than 32 levels"),
    ("5,000-digit integer", "version: " + "1" * 5000, ":1:10: refused: an integer of 5,000 characters"),
    ("UTF-16", "version: 1\n".encode("utf-16"), ":1:1: the file is UTF-16 (byte order mark)"),
    ("not UTF-8", b"version: 1\njobs: \xe9\n", ":2:7: not UTF-8: byte 0xE9"),
    ("/dev/zero", "/dev/zero", ": not a regular file (a character device)"),
    ("/dev/urandom", "/dev/urandom", ": not a regular file (a character device)"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "expected"), [h[1:] for h in HOSTILE_CONFIGS], ids=[h[0] for h in HOSTILE_CONFIGS])
def test_config_reload_refuses_a_hostile_file_with_its_place_and_keeps_the_jobs(
    lite_client, lite_tokens, config_path, content, expected
) -> None:
    admin = bearer(lite_tokens["admin"])
    if isinstance(content, str) and content.startswith("/dev/"):
        config_path.unlink()
        config_path.symlink_to(content)  # the service's config file now points at a device
    elif isinstance(content, bytes):
        config_path.write_bytes(content)
    else:
        config_path.write_text(content)
    response = lite_client.post("/api/config/reload", headers=admin)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"config not reloaded: {config_path}{expected}")
    names = [j["name"] for j in lite_client.get("/api/jobs", headers=admin).json()["jobs"]]
    assert names == ["nightly", "manual"]


def test_metrics_report_runs_queue_records_calls_and_rejections(store, client, tokens) -> None:
    enqueue(store, job="nightly")
    done = enqueue(store, job="manual").run_id
    with session(store) as s, s.begin():
        run = s.get(SyncRun, done)
        assert run is not None
        run.status, run.started_at, run.finished_at = "succeeded", utcnow(), utcnow()
        run.counts, run.api_calls = {"read": 7, "inserted": 5}, {"sf": 9}
        s.add(WritebackRejection(run_id=done, connection="sf", object="Account", record_id="1", code="X",
                                 message="no", created_at=utcnow()))  # fmt: skip
    text = client.get("/metrics", headers=bearer(tokens["metrics"])).text
    assert 'accountsync_queue_depth{job="nightly"} 1.0' in text
    assert 'accountsync_runs{job="manual",kind="job",status="succeeded"} 1.0' in text
    assert 'accountsync_records_total{job="manual",outcome="read"} 7.0' in text
    assert 'accountsync_api_calls_total{connection="sf"} 9.0' in text
    assert 'accountsync_writeback_rejections{connection="sf"} 1.0' in text
    assert "accountsync_run_duration_seconds_count" in text
