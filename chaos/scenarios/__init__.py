"""The scenarios, in the order the table shows them."""

from __future__ import annotations

from chaos.scenarios import (
    api,
    audit_windows,
    budget,
    bulk_fallback,
    config_fuzz,
    daily_budget,
    drift,
    hostile_config,
    kill_sync,
    kill_writeback,
    locks,
    malformed,
    mutator,
    pg_kill,
    secrets,
    storms,
    web_security,
)
from chaos.suite import Scenario

__all__ = ["SCENARIOS"]

SCENARIOS: list[Scenario] = [
    Scenario(kill_sync.NAME, 20, kill_sync.run, "SIGKILL of sync at seeded moments, REST and Bulk, then a rerun"),
    Scenario(kill_writeback.NAME, 10, kill_writeback.run, "SIGKILL during write-back: each value written once"),
    *storms.scenarios(),
    Scenario(budget.NAME, 4, budget.run, "a small API budget share: the job stops before passing it and says so"),
    Scenario(locks.NAME, 2, locks.run, "a slow sync and write-back keep a short lease; a refused run ends cancelled"),
    Scenario(
        audit_windows.NAME,
        2,
        audit_windows.run,
        "rows lost from the store: the audit re-reads only where counts differ",
    ),
    Scenario(daily_budget.NAME, 2, daily_budget.run, "two runs in one day share the job's one daily budget"),
    Scenario(bulk_fallback.NAME, 2, bulk_fallback.run, "Bulk job creation answers 503 all run: REST reads it all"),
    Scenario(mutator.NAME, 2, mutator.run, "records change while 5 incremental syncs run; then store == source"),
    Scenario(drift.NAME, 4, drift.run, "a mapped field removed mid-life fails that field only; nothing is deleted"),
    Scenario(pg_kill.NAME, 4, pg_kill.run, "PostgreSQL connections terminated mid-run; the next run loses nothing"),
    Scenario(malformed.NAME, 2, malformed.run, "malformed CRM records: skipped with reasons, all else stored"),
    Scenario(config_fuzz.NAME, 1, config_fuzz.run, "fuzzed config files: valid or located errors, never a traceback"),
    Scenario(
        hostile_config.NAME,
        1,
        hostile_config.run,
        "alias bomb, deep nesting, huge integers, UTF-16, "
        "/dev/zero... through the CLI and the API's reload: one located line each",
        "security",
    ),
    Scenario(
        web_security.THEFT,
        1,
        web_security.theft,
        "a session cookie copied before sign-out, expiry, a new sign-in or its token's revocation is refused after it",
        "security",
    ),
    Scenario(
        web_security.CROSS_SITE,
        1,
        web_security.cross_site,
        "sign-in, sign-out and session posts from another site are refused (Origin, form key)",
        "security",
    ),
    Scenario(
        web_security.HEADERS,
        1,
        web_security.headers,
        "every answer has a CSP without inline script, no framing, nosniff, a Referrer-Policy",
        "security",
    ),
    Scenario(
        web_security.METRICS,
        1,
        web_security.metrics,
        "/metrics without a token says nothing; a metrics token scrapes and reads nothing else",
        "security",
    ),
    Scenario(api.NAME, 1, api.run, "admin API: auth matrix, schemathesis, 50 clients for 60 s while syncs run"),
    Scenario(secrets.NAME, 1, secrets.run, "no secret in any output, log, store, run history, API answer or page"),
]
