"""Secrets: every command's output with real and with wrong credentials (a refused HubSpot token, a refused
Salesforce client id, a store that refuses its password, a secret written literally in the config file), then a
scan of everything every scenario left (logs, store dumps with every text column, run history, API answers,
dashboard pages) for any configured secret, token, password or private key line. Scenarios run before this one
are in the scan; run it last."""

from __future__ import annotations

import uuid
from typing import Final

import yaml

from chaos.checks import clean_exit
from chaos.report import Row
from chaos.secrets import scanned_files
from chaos.stack import JOB, Stack, StackSpec
from chaos.suite import Context

__all__ = ["run"]

NAME: Final = "secrets"


def run(ctx: Context, row: Row) -> None:
    for seed in ctx.seeds(1):
        rng = ctx.rng(NAME, seed)
        spec = StackSpec(seed=seed, accounts=rng.randint(120, 180), backend="postgresql", writeback=True)
        with ctx.stack(NAME, str(seed), spec) as stack:
            stack.migrate()
            _outputs(row, stack)
            _wrong_credentials(row, stack)
        row.seeds += 1
    files = list(scanned_files(ctx.root))
    hits = ctx.book.scan(files)
    row.secrets += len(hits)
    row.tally.expected = 0
    for hit in hits[:10]:
        row.fail(f"secret `{hit.label}` found in {hit.where}")
    row.notes.append(f"scanned {len(files)} file(s) of every scenario so far for {len(ctx.book)} secret needle(s): "
                     f"{len(hits)} hit(s)")  # fmt: skip
    ctx.say(f"   {row.notes[-1]}")


def _outputs(row: Row, stack: Stack) -> None:
    """The commands a user runs, each output kept for the scan."""
    first = stack.cli("run", JOB)
    row.runs += 1
    clean_exit(row, first, "run")
    key = stack.query("SELECT account_key FROM account_score ORDER BY rank LIMIT 1")
    commands: list[tuple[str, ...]] = [
        ("runs",), ("runs", "show", str(stack.runs()[0]["id"])), ("kpis", "-c", str(stack.config_path)),
        ("score", "--format", "json", "-c", str(stack.config_path)),
        ("writeback", JOB, "--dry-run", "--json", "-c", str(stack.config_path)),
        ("config", "validate", str(stack.config_path)), ("tokens", "list"),
    ]  # fmt: skip
    if key:
        commands.append(("account", str(key[0][0]), "-c", str(stack.config_path)))
    for args in commands:
        proc = stack.accountsync(*args)
        row.runs += 1
        clean_exit(row, proc, " ".join(args[:2]))


def _wrong_credentials(row: Row, stack: Stack) -> None:
    """Refused credentials: the refusal must not repeat them."""
    wrong_token = f"pat-na1-{uuid.uuid4()}"
    wrong_client = "3MVG9" + uuid.uuid4().hex * 2
    wrong_password = f"chaos-wrong-{uuid.uuid4().hex}"
    literal = f"pat-na1-literal-{uuid.uuid4().hex}"
    stack.book.add(wrong_hs_token=wrong_token, wrong_sf_client_id=wrong_client, wrong_db_password=wrong_password,
                   literal_token=literal)  # fmt: skip
    for env in ({"HUBSPOT_TOKEN": wrong_token}, {"SF_CLIENT_ID": wrong_client}):
        proc = stack.accountsync("sync", JOB, "-c", str(stack.config_path), env=env)
        row.runs += 1
        clean_exit(row, proc, f"sync with a wrong {next(iter(env))}")
        row.check(proc.rc != 0, f"a sync with a wrong {next(iter(env))} exited 0")
    bad_url = stack.store_url().replace(stack.db_password, wrong_password).replace(":5432/", ":1/")
    for args in (("runs",), ("db", "upgrade")):
        proc = stack.accountsync(*args, env={"DATABASE_URL": bad_url})
        row.runs += 1
        clean_exit(row, proc, f"{args[0]} with an unreachable store")
    data = stack.config_data()
    data["connections"]["hubspot"]["token"] = literal
    bad_config = stack.root / "literal-secret.yaml"
    bad_config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    proc = stack.accountsync("config", "validate", str(bad_config))
    row.runs += 1
    row.check(proc.rc == 2, f"a config with a literal token validated (exit {proc.rc})")
    bad_config.unlink()  # the file holds the literal on purpose; only what the product printed is scanned
