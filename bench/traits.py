"""Benchmark of asking the connectors' traits instead of naming the CRM: enrichment's id matching and identity.

Run: .venv/bin/python bench/traits.py [--rows N] [--accounts A] [--rounds R]

Each round times the raw baseline (the code before the traits, inlined here: the Salesforce id's regex written
in sync, `crm == "salesforce"` branches for the account keys) and the code as it is now, interleaved, and
prints the ratio now/baseline per round as min/median/max (the machine's cores are shared).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import polars as pl  # noqa: E402

from sync.enrich.match import _normalised  # noqa: E402
from sync.enrich.sources import MATCH  # noqa: E402
from sync.identity.keys import AccountRecord, _Groups, assign_keys  # noqa: E402

T = datetime(2026, 10, 1, tzinfo=UTC)
SALESFORCE_ID = r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$"


def baseline_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """sync/enrich/match.py before the traits: `salesforce_id` as one vectorised expression."""
    raw = pl.col(MATCH)
    ok = raw.str.contains(SALESFORCE_ID)
    bad = pl.lit("not a 15 or 18 character Salesforce id")
    return frame.with_columns(_match=pl.when(ok).then(raw.str.slice(0, 15)), _bad=pl.when(~ok).then(bad))


def baseline_keys(records: list[AccountRecord]) -> dict[tuple[str, str], str]:
    """sync/identity/keys.py's assign_keys before the traits (links and domains by the CRM's name)."""
    by_ref = {r.ref: r for r in records}
    groups = _Groups(by_ref)
    sf_by_id: dict[str, list[tuple[str, str]]] = defaultdict(list)
    hs_by_id: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in records:
        (sf_by_id if r.crm == "salesforce" else hs_by_id)[r.source_id].append(r.ref)
    linked: set[tuple[str, str]] = set()
    for r in records:
        if r.link_id and not r.deleted:
            for other in sf_by_id.get(r.link_id, []) if r.crm == "hubspot" else hs_by_id.get(r.link_id, []):
                groups.union(r.ref, other)
                linked.update((r.ref, other))
    sf_by_domain: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in records:
        if r.crm == "salesforce" and r.domain and not r.deleted and r.ref not in linked:
            sf_by_domain[r.domain].append(r.ref)
    for r in records:
        found = sf_by_domain.get(r.domain or "", [])
        if r.crm == "hubspot" and r.domain and not r.deleted and r.ref not in linked and len(found) == 1:
            groups.union(r.ref, found[0])
    members: dict[tuple[str, str], list[AccountRecord]] = defaultdict(list)
    for r in records:
        members[groups.find(r.ref)].append(r)
    keys = {}
    for group in members.values():
        first = min(group, key=lambda r: (0 if r.crm == "salesforce" else 1, 1 if r.deleted else 0, r.source_id))
        key = f"{'sf' if first.crm == 'salesforce' else 'hs'}:{first.source_id}"
        keys.update({r.ref: key for r in group})
    return keys


def typed_ids(rows: int, distinct: int, rng: random.Random) -> pl.DataFrame:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    ids = ["001" + "".join(rng.choices(alphabet, k=15)) for _ in range(distinct)]
    return pl.DataFrame({MATCH: [ids[i % distinct] for i in range(rows)]})


def accounts(n: int, rng: random.Random) -> list[AccountRecord]:
    found = []
    for i in range(n):
        domain = f"acme{rng.randrange(n)}.com" if rng.random() < 0.8 else None
        link = f"001{rng.randrange(n):015d}" if rng.random() < 0.3 else None
        found.append(AccountRecord("sf", "salesforce", f"001{i:015d}", domain, None, None, False, T, T, None, {}))
        found.append(AccountRecord("hs", "hubspot", str(9000 + i), domain, link, None, False, T, T, None, {}))
    return found


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def compare(name: str, baseline: Callable[[], object], now: Callable[[], object], rounds: int) -> None:
    pairs = [(timed(baseline), timed(now)) for _ in range(rounds)]  # interleaved: one of each per round
    ratios = [b and n / b for b, n in pairs]
    spread = f"{min(ratios):.2f} / {statistics.median(ratios):.2f} / {max(ratios):.2f}"
    base = statistics.median(b for b, _ in pairs)
    print(f"{name}: baseline median {base * 1000:.1f} ms; now/baseline min/median/max {spread} ({rounds} rounds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="typed ids in one enrichment batch")
    parser.add_argument("--distinct", type=int, default=100_000, help="distinct ids among them")
    parser.add_argument("--accounts", type=int, default=50_000, help="accounts per CRM for the keys")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(7)
    frame = typed_ids(args.rows, args.distinct, rng)
    assert baseline_ids(frame).equals(_normalised(frame, "salesforce_id").select([*frame.columns, "_match", "_bad"]))
    compare("id matching", lambda: baseline_ids(frame), lambda: _normalised(frame, "salesforce_id"), args.rounds)
    records = accounts(args.accounts, rng)
    assert baseline_keys(records) == assign_keys(records)
    compare("account keys", lambda: baseline_keys(records), lambda: assign_keys(records), args.rounds)


if __name__ == "__main__":
    main()
