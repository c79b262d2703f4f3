"""Enrichment values applied on every identity pass: wallet estimates, and firmographics by their precedence.

A source's value of a firmographic field wins over the CRM's when its rule is `source`; with `crm` it only
fills a field the CRM leaves empty. Several sources giving one account a field: the most recently changed
value wins. The wallet estimate has no CRM value: the sources' value is the account's (null when the sources
providing it have none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from sync.identity.keys import EPOCH, Ref
from sync.store.tables import Account, AccountEnrichment

WALLET = "wallet_estimate"


@dataclass(frozen=True, slots=True)
class Override:
    """What the enrichment sources say about one account: field -> (value, rule)."""

    fields: Mapping[str, tuple[Any, str]]


def parse_wins(wins: str) -> dict[str, str]:
    """`employees=source,industry=crm` -> {"employees": "source", "industry": "crm"}."""
    return dict(part.split("=", 1) for part in wins.split(",") if "=" in part)


def load_overrides(s: Session, keys: Mapping[Ref, str]) -> dict[str, Override]:
    """Every account's override, found through the anchor record's current key."""
    rows = s.exec(select(AccountEnrichment)).all()
    ordered = sorted(rows, key=lambda r: (r.updated_at or EPOCH, r.source, r.connection, r.source_id))
    found: dict[str, dict[str, tuple[Any, str]]] = {}
    for row in ordered:
        key = keys.get((row.connection, row.source_id))
        if key is None:
            continue
        fields = found.setdefault(key, {})
        for name, rule in parse_wins(row.wins).items():
            value = getattr(row, name)
            if value is not None or name not in fields:
                fields[name] = (value, rule)
    return {key: Override(fields) for key, fields in found.items()}


def overlay(row: dict[str, Any], override: Override | None) -> dict[str, Any]:
    """An identity account row with the override's firmographics applied by their rules (wallet aside)."""
    if override is None:
        return row
    merged = dict(row)
    for name, (value, rule) in override.fields.items():
        if name == WALLET or value is None:
            continue
        if merged.get(name) in (None, "") or rule == "source":
            merged[name] = value
            if name == "annual_revenue":
                merged["currency"] = None  # an enrichment source's money is in our corporate currency
    return merged


def set_wallets(s: Session, overrides: Mapping[str, Override], now: datetime) -> int:
    """Write the wallet estimate of every account a source gives one to; returns how many changed."""
    wanted = {key: o.fields[WALLET][0] for key, o in overrides.items() if WALLET in o.fields}
    if not wanted:
        return 0
    stored = dict(s.exec(select(Account.key, col(Account.wallet_estimate))).all())  # every account: no huge IN list
    changes = [{"k": key, "w": value, "t": now} for key, value in wanted.items()
               if key in stored and stored[key] != value]  # fmt: skip
    if changes:
        table = Account.__table__  # type: ignore[attr-defined]
        stmt = table.update().where(table.c.key == bindparam("k")).values(wallet_estimate=bindparam("w"),
                                                                          updated_at=bindparam("t"))  # fmt: skip
        s.connection().execute(stmt, changes)
    return len(changes)
