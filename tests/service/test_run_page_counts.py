"""The run page shows every count as the rest of the dashboard does, thousands separated: the streams, the
steps, the API calls and the per-field write-back (a RevOps user read '32348' beside '117,467')."""

from __future__ import annotations

import re
from typing import Any

from sync import session
from sync.runs.records import create_run
from sync.store.tables import SyncRun

from .conftest import sign_in

PROGRESS = {
    "salesforce.OpportunityHistory": {"read": 32348, "expected": 32348, "pages": 17, "inserted": 0, "updated": 0,
                                      "skipped": 0, "counted": False, "done": True},
    "hubspot.companies": {"read": 1749, "expected": 1702, "pages": 19, "inserted": 1749, "updated": 0,
                          "skipped": 1203, "done": True},
}  # fmt: skip
STEPS = [
    {"name": "score", "status": "succeeded", "duration_seconds": 2.1,
     "counts": {"accounts": 2871, "as_of": "2026-12-07", "tiers": {"A": 6, "B": 373, "C": 1111, "D": 1381}}},
    {"name": "enrich", "status": "succeeded", "duration_seconds": 0.7, "counts": {"usage": {"written": 28809}}},
]  # fmt: skip


def _seed(engine: Any) -> int:
    run_id = create_run(engine, job="demo", status="succeeded")
    with session(engine) as s, s.begin():
        run = s.get(SyncRun, run_id)
        assert run is not None
        run.progress, run.steps = PROGRESS, STEPS
        run.counts = {"read": 34097, "inserted": 1749, "updated": 0, "deleted": 0, "skipped": 1203, "extra": {}}
        run.api_calls = {"hubspot": 1321, "salesforce": 106}
    return run_id


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_run_page_separates_thousands_in_every_count(lite_store, lite_client, lite_tokens) -> None:
    run_id = _seed(lite_store)
    sign_in(lite_client, lite_tokens["viewer"])

    page = lite_client.get(f"/runs/{run_id}").text

    rows = dict(re.findall(r'<tr data-stream="([^"]+)">(.*?)</tr>', page, re.S))
    assert _text(rows["salesforce.OpportunityHistory"]).split()[-6:] == ["32,348", "32,348", "17", "-", "-", "0"]
    assert _text(rows["hubspot.companies"]).split()[-6:] == ["1,749", "1,702", "19", "1,749", "0", "1,203"]
    shown = _text(page)
    assert "hubspot: 1,321 salesforce: 106" in shown
    assert "2,871 accounts as of 2026-12-07 · A 6 · B 373 · C 1,111 · D 1,381" in shown
    assert "usage: 28,809 written" in shown
