"""Enrichment sources: what is read from them (our columns mapped onto theirs), and the shape of a read.

A source is read (`enrich_files`: CSV, Parquet; `enrich_sql`: a read-only query) as a stream of batches: frames
of text columns named by our column names (`match`, `month`, `active_users`, ...) plus `row`, the 1-based data
row: the N-th record after the header, so a spreadsheet shows it as row N + 1.

EnrichError                  root of the enrichment errors (a SyncError)
 └── EnrichSourceError             one source cannot be read as configured: fix the config or the file and rerun;
                             the job's other sources still load
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from config import EnrichmentSource
from sync.errors import SyncError

ROW = "row"
ROW_PROBLEM = "_row_problem"  # set by a reader when a record itself is malformed (a CSV line with extra fields)
MATCH = "match"
BATCH_ROWS = 50_000
VALUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "usage": ("month", "active_users", "licensed_seats"),
    "accounts": ("wallet_estimate", "employees", "annual_revenue", "industry"),
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {"usage": ("month",), "accounts": ()}
FIRMOGRAPHICS = ("employees", "annual_revenue", "industry")
DEFAULT_WINS = "crm"  # a source only fills the CRM's gaps unless its precedence says `source`

Batches = Callable[[Mapping[str, str]], Iterator[pl.DataFrame]]


class EnrichError(SyncError):
    """Root of the enrichment errors."""


class EnrichSourceError(EnrichError):
    """One enrichment source cannot be read as configured (missing file or column, bad query, unreachable)."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"enrichment source `{source}`: {reason}")


@dataclass(frozen=True, slots=True)
class OpenSource:
    """A source opened for reading: where it is (for reports), its columns, and its batches."""

    origin: str
    columns: tuple[str, ...]
    batches: Batches
    is_sheet: bool


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """What to read from a source: our column -> its column, and which fields win over the CRM's."""

    name: str
    kind: str
    match_by: str
    columns: Mapping[str, str]
    wins: Mapping[str, str]

    @property
    def values(self) -> tuple[str, ...]:
        """Our value columns the source provides."""
        return tuple(c for c in VALUE_COLUMNS[self.kind] if c in self.columns)

    @property
    def wins_text(self) -> str:
        """`wins` as stored with each account row: `field=source|crm`, comma-separated."""
        return ",".join(f"{name}={rule}" for name, rule in self.wins.items())


def plan_source(name: str, source: EnrichmentSource, available: Sequence[str]) -> SourcePlan:
    """Map our columns onto the source's (exact name first, then case-insensitive).

    Raises:
        EnrichSourceError: an unknown key under `columns` or `precedence`, or a required column missing.
    """
    allowed = (MATCH, *VALUE_COLUMNS[source.kind])
    unknown = sorted(set(source.columns) - set(allowed))
    if unknown:
        known = ", ".join(allowed)
        raise EnrichSourceError(
            name, f"unknown column key(s) {', '.join(unknown)}; a {source.kind} source maps {known}"
        )
    bad_rules = sorted(set(source.precedence) - set(FIRMOGRAPHICS))
    if bad_rules:
        raise EnrichSourceError(name, f"precedence applies to {', '.join(FIRMOGRAPHICS)}, not {', '.join(bad_rules)}")
    selected: dict[str, str] = {}
    for ours in allowed:
        wanted = source.columns.get(ours) or (source.match_by if ours == MATCH else ours)
        found = _find_column(wanted, available)
        if found is not None:
            selected[ours] = found
        elif ours in source.columns or ours in (MATCH, *REQUIRED_COLUMNS[source.kind]):
            raise EnrichSourceError(name, f"no column `{wanted}` (for {ours}); the source has: {', '.join(available)}")
    values = [c for c in VALUE_COLUMNS[source.kind] if c in selected and c not in REQUIRED_COLUMNS[source.kind]]
    if not values:
        optional = [c for c in VALUE_COLUMNS[source.kind] if c not in REQUIRED_COLUMNS[source.kind]]
        raise EnrichSourceError(
            name, f"none of the value columns {', '.join(optional)} found; map them under `columns`"
        )
    wins = {c: ("source" if c == "wallet_estimate" else source.precedence.get(c, DEFAULT_WINS))
            for c in values} if source.kind == "accounts" else {}  # fmt: skip
    return SourcePlan(name, source.kind, source.match_by, selected, wins)


def _find_column(wanted: str, available: Sequence[str]) -> str | None:
    if wanted in available:
        return wanted
    folded = [c for c in available if c.strip().casefold() == wanted.strip().casefold()]
    return folded[0] if len(folded) == 1 else None
