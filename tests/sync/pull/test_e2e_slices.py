"""End to end through the sandbox: a Salesforce window read in balanced concurrent slices stores every record
once, the slices asked for by the window's histogram, each record served once."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import parse_qs

from tests.sync.conftest_e2e import SF, differences, duplicates, sf_truth, store_view


def _queries(sandbox, obj: str) -> list[tuple[str, int]]:
    """The SOQL of each Salesforce query call on `obj` and the records it carried (continuations included
    under their first page's text)."""
    found: list[tuple[str, int]] = []
    for entry in sandbox.log.recent:
        if entry.crm != SF or "/query" not in entry.path:
            continue
        soql = (parse_qs(entry.query).get("q") or [""])[0]
        if soql and f"FROM {obj}" not in soql:
            continue
        found.append((soql, entry.records))
    return found


def test_a_full_read_in_balanced_slices_stores_every_record_once_each_served_once(make_e2e) -> None:
    e2e = make_e2e(accounts=1200, sf=["Account"], hs=None, pull_concurrency=4, page_size=200)
    truth = sf_truth(e2e.sandbox, "Account")
    assert len(truth) > 4 * 200, "the window needs more pages than slices"

    summary = e2e.sync()

    assert summary.status == "succeeded", summary.errors
    assert differences(truth, store_view(e2e.engine, "Account", SF)) == {}
    assert duplicates(e2e.engine) == {}
    asked = _queries(e2e.sandbox, "Account")
    histograms = [q for q, _ in asked if "GROUP BY" in q]
    firsts = [q for q, _ in asked if q.startswith("SELECT Id") and "ORDER BY SystemModstamp, Id" in q]
    assert histograms, "the cut asked the window's histogram"
    assert all("COUNT(Id)" in q for q in histograms)
    assert len(firsts) == 4, "one first page a slice"
    served = sum(n for q, n in asked if "GROUP BY" not in q and "COUNT()" not in q)
    assert served == len(truth), "no record served twice: the slices partition the window"


def test_an_incremental_window_read_in_slices_stores_the_changes_once(make_e2e) -> None:
    e2e = make_e2e(accounts=1200, sf=["Account"], hs=None, pull_concurrency=4, page_size=200)
    assert e2e.sync().status == "succeeded"
    ids = sorted(sf_truth(e2e.sandbox, "Account"))[:700]
    for n, record_id in enumerate(ids):
        e2e.sandbox.admin("update", SF, object="Account", id=record_id, fields={"Description": f"edit {n}"})
    truth = sf_truth(e2e.sandbox, "Account")
    # the org's stamps strictly increase, so a burst of edits runs ahead of the clock: the run starts after it
    latest = max(r["modstamp"] for r in truth.values())
    time.sleep(max(0.0, (latest - datetime.now(UTC)).total_seconds()) + 0.01)
    e2e.sandbox.log.reset()

    summary = e2e.sync()

    assert summary.status == "succeeded", summary.errors
    assert differences(truth, store_view(e2e.engine, "Account", SF)) == {}
    assert duplicates(e2e.engine) == {}
    assert summary.streams["salesforce.Account"]["read"] >= len(ids)
    asked = _queries(e2e.sandbox, "Account")
    firsts = [q for q, _ in asked if q.startswith("SELECT Id") and "ORDER BY SystemModstamp, Id" in q]
    served = [n for q, n in asked if q in firsts]
    assert len(firsts) == 4, "the burst of edits is cut in four slices"
    assert max(served) <= 2 * len(ids) / 4, served
