"""Which account an enrichment row belongs to: by Salesforce or HubSpot id, by company domain, or by account key.

Ids go through `source_account` to the record's account key (a merged or deleted record still leads to its
live survivor); domains are normalised as identity does, and a domain held by several live accounts is
ambiguous: reported, never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from connectors import ALL_TRAITS, IdMatch, id_matching, normalise_domain
from sync.enrich.sources import MATCH
from sync.store.engine import session
from sync.store.tables import Account, SourceAccount

UNMATCHED = "_unmatched"
UNMATCHED_KIND = "_unmatched_kind"
LABELS = {"domain": "domain", "account_key": "key"} | {t.id_match.match_by: t.id_match.label for t in ALL_TRAITS}
Entry = tuple[str, bool, str, str]  # account key, record deleted, connection, source_id
INDEX_SCHEMA = {
    MATCH: pl.String,
    "account_key": pl.String,
    "anchor_connection": pl.String,
    "anchor_source_id": pl.String,
    "account_id": pl.UInt32,
    "problem": pl.String,
    "kind": pl.String,
}


@dataclass(frozen=True, slots=True)
class MatchIndex:
    """Normalised match value -> account key, anchor record and dense account id, or why it matches nothing."""

    match_by: str
    frame: pl.DataFrame


def build_index(engine: Engine, match_by: str) -> MatchIndex:
    """Read the store's accounts once per source (one row per distinct match value)."""
    with session(engine) as s:
        t = SourceAccount.__table__  # type: ignore[attr-defined]
        records = (
            s.connection()
            .execute(sa_select(t.c.connection, t.c.crm, t.c.source_id, t.c.account_key, t.c.domain, t.c.deleted_at))
            .all()
        )
        live = set(s.exec(select(Account.key).where(col(Account.deleted_at).is_(None))).all())
    account_ids = {key: i for i, key in enumerate(sorted(live))}
    entries: dict[str, list[Entry]] = defaultdict(list)
    by_id = id_matching(match_by)
    for connection, crm, source_id, key, domain, deleted_at in records:
        if key is None:
            continue
        if by_id is not None:  # the ids of the CRM the source names, in the form they are matched in
            value = by_id.id_match.stored(source_id) if crm == by_id.crm else None
        else:
            value = _record_value(match_by, key, domain, deleted_at is not None)
        if value is not None:
            entries[value].append((key, deleted_at is not None, connection, source_id))
    rows = [_resolve(value, found, live, account_ids) for value, found in entries.items()]
    return MatchIndex(match_by, pl.DataFrame(rows, schema=INDEX_SCHEMA, orient="row"))


def _record_value(match_by: str, key: str, domain: str | None, deleted: bool) -> str | None:
    if match_by == "domain":
        return domain if not deleted else None
    return key


def _resolve(value: str, found: list[Entry], live: set[str], account_ids: dict[str, int]) -> tuple[object, ...]:
    keys = sorted({key for key, *_ in found if key in live})
    if len(keys) > 1:
        shown = ", ".join(keys[:3]) + (", ..." if len(keys) > 3 else "")
        return (value, None, None, None, None, f"is held by {len(keys)} accounts ({shown}): ambiguous", "ambiguous")
    if not keys:
        return (value, None, None, None, None, f"belongs to deleted account {found[0][0]}", "deleted account")
    anchor = min((deleted, connection, source_id) for key, deleted, connection, source_id in found if key == keys[0])
    return (value, keys[0], anchor[1], anchor[2], account_ids[keys[0]], None, None)


def match_batch(frame: pl.DataFrame, index: MatchIndex) -> pl.DataFrame:
    """The frame with the matched account (account_key, anchor_connection, anchor_source_id, account_id) and,
    when there is none, `_unmatched` (why) and `_unmatched_kind`."""
    label = LABELS[index.match_by]
    trimmed = pl.col(MATCH).str.strip_chars()
    frame = frame.with_columns(pl.when(trimmed.str.len_chars() > 0).then(trimmed).alias(MATCH))
    normalised = _normalised(frame, index.match_by)
    joined = normalised.join(index.frame, left_on="_match", right_on=MATCH, how="left", maintain_order="left")
    raw = pl.col(MATCH)
    why = (
        pl.when(raw.is_null()).then(pl.lit(f"no {label}"))
        .when(pl.col("_bad").is_not_null()).then(pl.format("{} ('{}')", pl.col("_bad"), raw))
        .when(pl.col("problem").is_not_null()).then(pl.format(f"{label} {{}} {{}}", raw, pl.col("problem")))
        .when(pl.col("account_key").is_null()).then(pl.format(f"no account with {label} {{}}", raw))
    )  # fmt: skip
    kind = (
        pl.when(raw.is_null() | pl.col("_bad").is_not_null()).then(pl.lit(f"no or bad {label}"))
        .when(pl.col("kind").is_not_null()).then(pl.col("kind"))
        .when(pl.col("account_key").is_null()).then(pl.lit("no such account"))
    )  # fmt: skip
    matched = joined.with_columns(why.alias(UNMATCHED), kind.alias(UNMATCHED_KIND))
    return matched.drop("_match", "_bad", "problem", "kind")


def _normalised(frame: pl.DataFrame, match_by: str) -> pl.DataFrame:
    """`_match` (the value as the index holds it) and `_bad` (why the text cannot be one)."""
    if (by_id := id_matching(match_by)) is not None:
        return _ids(frame, by_id.id_match)
    if match_by == "domain":
        return _domains(frame)
    return frame.with_columns(_match=pl.col(MATCH), _bad=pl.lit(None, pl.String))


def _ids(frame: pl.DataFrame, id_match: IdMatch) -> pl.DataFrame:
    """CRM ids read as the connector declares (`IdMatch`), over the whole column at once."""
    raw = pl.col(MATCH)
    value = raw.str.replace(id_match.strip, "") if id_match.strip else raw
    ok = value.str.contains(f"^(?:{id_match.pattern})$")
    matched = value.str.slice(0, id_match.length) if id_match.length else value
    return frame.with_columns(
        _match=pl.when(ok).then(matched), _bad=pl.when(raw.is_not_null() & ~ok).then(pl.lit(id_match.bad))
    )


def _domains(frame: pl.DataFrame) -> pl.DataFrame:
    """Domains go through `normalise_domain` once per distinct value (the identity rules, in Python)."""
    distinct = frame.get_column(MATCH).drop_nulls().unique().to_list()
    normal = [normalise_domain(value) for value in distinct]
    bad = [None if n else "not a company domain (empty, no dot, or a public mail domain)" for n in normal]
    lookup = pl.DataFrame(
        {MATCH: distinct, "_match": normal, "_bad": bad},
        schema={MATCH: pl.String, "_match": pl.String, "_bad": pl.String},
    )
    return frame.join(lookup, on=MATCH, how="left", maintain_order="left")
